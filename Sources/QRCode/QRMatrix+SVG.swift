extension QRMatrix {
    /// The code as an SVG document: one path of unit squares, crisp at any size
    /// (`shape-rendering="crispEdges"`), with a quiet zone and an optional caption below.
    /// - Parameters:
    ///   - moduleSize: Pixels per module in the `width`/`height` attributes (the `viewBox` is in modules).
    ///   - quietZone: Light modules around the code (4 by the standard).
    ///   - caption: A line of text under the code (escaped here), e.g. 「扫码取号 Scan to take a number」.
    public func svg(moduleSize: Int = 8, quietZone: Int = 4, caption: String? = nil) -> String {
        let side = size + 2 * quietZone
        let captionHeight = caption == nil ? 0 : 3
        let path = svgPath(offset: quietZone)
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(side) \(side + captionHeight)" \
            width="\(side * moduleSize)" height="\((side + captionHeight) * moduleSize)" shape-rendering="crispEdges">\
            <rect width="\(side)" height="\(side + captionHeight)" fill="#fff"/><path d="\(path)" fill="#000"/>
            """
        if let caption {
            svg += """
                <text x="\(Double(side) / 2)" y="\(Double(side) + 1.2)" font-size="1.6" text-anchor="middle" \
                font-family="sans-serif" fill="#000">\(Self.escapeXML(caption))</text>
                """
        }
        return svg + "</svg>\n"
    }

    /// The dark modules as one SVG path in module units, the first module at (`offset`, `offset`).
    public func svgPath(offset: Int = 0) -> String {
        var path = ""
        for row in 0..<size {
            var column = 0
            while column < size {
                guard self[row, column] else {
                    column += 1
                    continue
                }
                // Runs of dark modules on a row become one rectangle: smaller files, no hairline seams.
                var run = 1
                while column + run < size && self[row, column + run] { run += 1 }
                path += "M\(column + offset) \(row + offset)h\(run)v1h-\(run)z"
                column += run
            }
        }
        return path
    }

    public static func escapeXML(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
