import Foundation

/// A printable A4 sheet around a QR code: a coloured band with a title, a heading and lines of text
/// wrapped to the page (nothing is ever clipped: a long name takes more lines, and the code gets
/// smaller to leave them room), the code with its caption, and a footer. Drawn as SVG in millimetres,
/// so it prints at its size; the same drawing makes the PNG and the printable page.
public struct QRSheet: Sendable, Hashable {
    /// How the sheet looks: a public notice for the door, a private link that must not be posted, or a
    /// notice for a unit that is closed.
    public enum Style: String, Sendable, Hashable {
        case publicNotice
        case privateLink
        case closed
    }

    public var style: Style
    /// In the band: 「食品安全公示」.
    public var band: String
    /// Under the band title, smaller.
    public var bandNote: String?
    /// The unit's name, large.
    public var heading: String
    /// A status in large type (the latest result, or 已停业/注销).
    public var status: String?
    /// Facts, one per line (address, licence, office).
    public var lines: [String]
    /// Under the code.
    public var caption: String
    public var footer: [String]

    public init(
        style: Style, band: String, bandNote: String? = nil, heading: String, status: String? = nil, lines: [String], caption: String,
        footer: [String] = []
    ) {
        self.style = style
        self.band = band
        self.bandNote = bandNote
        self.heading = heading
        self.status = status
        self.lines = lines
        self.caption = caption
        self.footer = footer
    }

    /// One laid-out line of text: where, how large, in which colour.
    public struct Line: Sendable, Hashable {
        public let text: String
        public let y: Double
        public let size: Double
        public let weight: Int
        public let color: String
    }

    /// Everything placed on the page, in millimetres.
    public struct Layout: Sendable, Hashable {
        public let lines: [Line]
        public let codeTop: Double
        public let codeSide: Double
    }

    static let width = 210.0
    static let height = 297.0
    static let margin = 15.0
    static let bandHeight = 34.0

    var colors: (band: String, status: String) {
        switch style {
        case .publicNotice: ("#1b7f3b", "#1b7f3b")
        case .privateLink: ("#b3261e", "#b3261e")
        case .closed: ("#555555", "#b3261e")
        }
    }

    /// Lays the sheet out: text wrapped to the page width, the code as large as the room left allows.
    public func layout() -> Layout {
        let textWidth = Self.width - 2 * Self.margin
        var placed: [Line] = []
        var y = Self.margin + Self.bandHeight + 16
        func add(_ text: String, size: Double, weight: Int = 400, color: String = "#111", gap: Double = 0.45) {
            for part in TextWrap.lines(text, fitting: textWidth, fontSize: size) {
                placed.append(Line(text: part, y: y, size: size, weight: weight, color: color))
                y += size * 1.3
            }
            y += size * gap
        }
        add(heading, size: heading.count > 24 ? 9 : 11, weight: 700)
        if let status { add(status, size: 8, weight: 700, color: colors.status) }
        for line in lines where !line.isEmpty { add(line, size: 5) }
        // The code takes what is left above the caption and footer, between 50 and 120 mm.
        let below = 5 * 1.3 * Double(TextWrap.lines(caption, fitting: textWidth, fontSize: 5).count) + 4.2 * 1.3 * Double(footer.count) + 14
        let room = Self.height - Self.margin - below - y
        let side = max(50, min(120, room))
        let codeTop = y
        y += side + 8
        add(caption, size: 5, weight: 700)
        for line in footer { add(line, size: 4.2, color: "#444", gap: 0) }
        return Layout(lines: placed, codeTop: codeTop, codeSide: side)
    }

    /// The sheet as an A4 SVG document (210 × 297 mm).
    public func svg(code: QRMatrix) -> String {
        let layout = layout()
        let escape = QRMatrix.escapeXML
        let center = Self.width / 2
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" viewBox="0 0 210 297" \
            font-family="'Noto Sans CJK SC', 'Source Han Sans SC', 'WenQuanYi Zen Hei', sans-serif">
            <rect width="210" height="297" fill="#fff"/>

            """
        if style == .privateLink {
            // Looks nothing like the door's notice: red, in a dashed frame like a form to keep.
            svg += """
                <rect x="6" y="6" width="198" height="285" fill="none" stroke="\(colors.band)" stroke-width="1.6" stroke-dasharray="6 3"/>

                """
        }
        svg += """
            <rect x="\(Self.margin)" y="\(Self.margin)" width="\(Self.width - 2 * Self.margin)" height="\(Self.bandHeight)" rx="3" \
            fill="\(colors.band)"/>
            <text x="\(center)" y="\(Self.margin + (bandNote == nil ? 22 : 17))" font-size="14" font-weight="700" fill="#fff" \
            text-anchor="middle">\(escape(band))</text>

            """
        if let bandNote {
            svg += """
                <text x="\(center)" y="\(Self.margin + 28)" font-size="5" fill="#fff" text-anchor="middle">\(escape(bandNote))</text>

                """
        }
        for line in layout.lines {
            svg += """
                <text x="\(center)" y="\(Self.format(line.y))" font-size="\(Self.format(line.size))" font-weight="\(line.weight)" \
                fill="\(line.color)" text-anchor="middle">\(escape(line.text))</text>

                """
        }
        let modules = Double(code.size + 8)
        let scale = layout.codeSide / modules
        svg += """
            <g transform="translate(\(Self.format(center - layout.codeSide / 2)) \(Self.format(layout.codeTop))) scale(\(Self.format(scale)))" \
            shape-rendering="crispEdges"><rect width="\(Int(modules))" height="\(Int(modules))" fill="#fff"/>\
            <path d="\(code.svgPath(offset: 4))" fill="#000"/></g>
            </svg>

            """
        return svg
    }

    /// The sheet as a page to print from a browser: A4, no margins of its own, the SVG inline.
    public func html(code: QRMatrix, title: String) -> String {
        """
        <!doctype html>
        <html lang="zh-CN">
        <head>
        <meta charset="utf-8">
        <title>\(QRMatrix.escapeXML(title))</title>
        <style>
        @page { size: A4; margin: 0; }
        html, body { margin: 0; background: #eee; }
        .sheet { width: 210mm; height: 297mm; margin: 0 auto; background: #fff; }
        .sheet svg { display: block; width: 210mm; height: 297mm; }
        .hint { font: 14px sans-serif; text-align: center; padding: 8px; }
        @media print { .hint { display: none; } html, body { background: #fff; } }
        </style>
        </head>
        <body>
        <p class="hint">打印时选择 A4、缩放 100%（实际大小）。Print on A4 at 100 % (actual size).</p>
        <div class="sheet">
        \(svg(code: code))</div>
        </body>
        </html>

        """
    }

    static func format(_ value: Double) -> String { String(format: "%.2f", value) }
}

/// Text broken into lines that fit a width, by an estimate of each character's width: full-width
/// (CJK, full-width forms) one em, others about half. Breaks at spaces when a line has them, else
/// anywhere (Chinese has no spaces); nothing is dropped.
public enum TextWrap {
    /// The estimated width of a text, in ems.
    public static func ems(_ text: String) -> Double {
        text.unicodeScalars.reduce(0) { sum, scalar in
            let value = scalar.value
            let wide =
                (0x1100...0x115F).contains(value) || (0x2E80...0xA4CF).contains(value) || (0xAC00...0xD7A3).contains(value)
                || (0xF900...0xFAFF).contains(value) || (0xFE30...0xFE4F).contains(value) || (0xFF00...0xFF60).contains(value)
                || (0xFFE0...0xFFE6).contains(value) || (0x20000...0x3FFFD).contains(value)
            return sum + (wide ? 1 : (scalar.properties.isUppercase || "mwMW@".unicodeScalars.contains(scalar) ? 0.68 : 0.56))
        }
    }

    /// Punctuation that never starts a line (it goes down with the character before it).
    static let closing: Set<Character> = ["，", "。", "、", "；", "：", "！", "？", "）", "」", "』", "》", "〉", "”", "’", ",", ".", ";", ":", "!", "?", ")"]

    /// The lines of a text at a font size that fit a width (same units as the font size), with a
    /// margin for the estimate: a line never runs to the page's edge.
    public static func lines(_ text: String, fitting width: Double, fontSize: Double) -> [String] {
        let limit = width / fontSize * 0.92
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            var line = ""
            for character in paragraph {
                let candidate = line + String(character)
                if ems(candidate) <= limit || line.isEmpty {
                    line = candidate
                    continue
                }
                if closing.contains(character), line.count > 1 {
                    // 「…更换」「。」: the last character goes down with the mark.
                    let last = line.removeLast()
                    lines.append(line)
                    line = String(last) + String(character)
                    continue
                }
                // Break at the last space when the line has one and it is not too far back.
                if let space = line.lastIndex(of: " "), line.distance(from: space, to: line.endIndex) < 16 {
                    lines.append(String(line[..<space]))
                    line = String(line[line.index(after: space)...]) + String(character)
                } else {
                    lines.append(line)
                    line = String(character)
                }
            }
            lines.append(line)
        }
        return lines.map { $0.trimmingCharacters(in: .whitespaces) }
    }
}
