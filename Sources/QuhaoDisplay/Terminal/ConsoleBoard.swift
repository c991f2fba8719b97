import Foundation
import LiveBoard
import QRCode
import QuhaoCore

/// The console board: what `quhao display` draws, as plain lines of exactly the terminal's size
/// (a pure function of the board, so tests read it without a terminal).
///
/// The latest call in block letters, the windows with their numbers, the waiting counts, the
/// last calls, and the take-a-number QR in half blocks when there is room for it.
public struct ConsoleBoard: Sendable {
    /// How a line is drawn.
    public enum Style: Sendable, Equatable {
        case plain, title, highlight, alert, qr, dim
    }

    public struct Line: Sendable, Equatable {
        public var text: String
        public var style: Style
        /// Columns from `qrColumn` on are the QR code (drawn black on white).
        public var qrColumn: Int?

        public init(_ text: String, _ style: Style = .plain, qrColumn: Int? = nil) {
            self.text = text
            self.style = style
            self.qrColumn = qrColumn
        }
    }

    public var board: BoardView?
    /// The address the hall QR carries, when known.
    public var hallURL: String?
    /// The board stopped answering: shown in red until it answers again.
    public var offline = false
    /// Whether the latest call is new (drawn highlighted for a few seconds).
    public var flashing = false
    public var now: Date

    /// Smallest terminal the board fits in.
    public static let minimumWidth = 60
    public static let minimumHeight = 18

    public init(board: BoardView?, hallURL: String? = nil, offline: Bool = false, flashing: Bool = false, now: Date) {
        self.board = board
        self.hallURL = hallURL
        self.offline = offline
        self.flashing = flashing
        self.now = now
    }

    /// The screen: exactly `height` lines of exactly `width` columns.
    public func render(width: Int, height: Int) -> [Line] {
        guard width >= Self.minimumWidth, height >= Self.minimumHeight else {
            let message = [
                "终端太小 Terminal too small",
                "至少需要 need at least \(Self.minimumWidth)×\(Self.minimumHeight)",
                "当前 now \(width)×\(height)",
            ]
            let top = max(0, (height - message.count) / 2)
            return (0..<max(height, 0)).map { row in
                let index = row - top
                guard index >= 0, index < message.count else { return Line(String(repeating: " ", count: max(width, 0))) }
                let text = message[index]
                let pad = max(0, (width - text.columns) / 2)
                return Line((String(repeating: " ", count: pad) + text).fitted(to: max(width, 0)), .alert)
            }
        }
        var qr = qrLines()
        // The QR goes on the right when it fits beside a usable board; otherwise it is left out.
        if let lines = qr, lines.first.map({ width - $0.columns - 3 < 56 }) ?? true || lines.count + 4 > height {
            qr = nil
        }
        let qrWidth = qr?.first?.columns ?? 0
        let leftWidth = qr == nil ? width : width - qrWidth - 3
        var lines = header(width: width)
        let rest = body(width: leftWidth)
        let panel = qrPanel(qr, width: qrWidth, height: height - 2)
        for row in 0..<(height - 2) {
            var line = row < rest.count ? rest[row] : Line("")
            line.text = line.text.fitted(to: leftWidth)
            if qr != nil {
                let side = row < panel.count ? panel[row] : Line(String(repeating: " ", count: qrWidth))
                line.qrColumn = side.style == .qr ? leftWidth + 3 : nil
                line.text += " │ " + side.text.fitted(to: qrWidth)
            }
            lines.append(line)
        }
        return lines.prefix(height).map { line in
            var line = line
            line.text = line.text.fitted(to: width)
            return line
        }
    }

    // MARK: - Parts

    func header(width: Int) -> [Line] {
        let name = board.map { [$0.site.name, $0.site.nameEn].compactMap { $0 }.joined(separator: "  ") } ?? "取号 Quhao"
        let zone = board.flatMap { TimeZone(identifier: $0.site.timeZone) } ?? .current
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: now)
        let weekdays = ["日", "一", "二", "三", "四", "五", "六"]
        let clock =
            "\(parts.year!)-\(parts.month!.zeroPadded(2))-\(parts.day!.zeroPadded(2)) 星期\(weekdays[(parts.weekday! - 1) % 7]) "
            + "\(parts.hour!.zeroPadded(2)):\(parts.minute!.zeroPadded(2)):\(parts.second!.zeroPadded(2))"
        let marker = offline ? "【信号中断 Connection lost】 " : ""
        let right = marker + clock
        let left = " " + name
        return [
            Line(left.fitted(to: max(0, width - right.columns - 1)) + right, offline ? .alert : .title),
            Line(String(repeating: "─", count: width), .dim),
        ]
    }

    func body(width: Int) -> [Line] {
        guard let board else { return [Line(" 正在连接… Connecting…", .dim)] }
        var lines: [Line] = []
        let latest = board.recentCalls.first
        lines.append(Line(" 正在呼叫 Now calling" + (latest?.recall == true ? "  ↻ 重呼 Recall" : ""), .title))
        if let latest {
            let big = "\(latest.number)→\(latest.counter)"
            let scale = BigText.width(big, scale: 2) + 2 <= width ? 2 : (BigText.width(big, scale: 1) + 2 <= width ? 1 : 0)
            if scale > 0 {
                for line in BigText.lines(big, scale: scale) { lines.append(Line("  " + line, flashing ? .highlight : .plain)) }
            }
            lines.append(Line(" " + latest.text, flashing ? .highlight : .title))
        } else {
            lines.append(Line(" 暂无叫号 No calls yet", .dim))
        }
        lines.append(Line(""))
        lines.append(Line(" 窗口 Windows", .title))
        let columnWidth = max(20, (width - 2) / 2)
        let perRow = max(1, (width - 1) / columnWidth)
        let windows = board.counters.map { counter -> String in
            let name = counter.name.map { "\(counter.id)号 \($0)" } ?? "\(counter.id)号窗口"
            let current: String
            if let number = counter.current {
                current = number + (counter.currentState == "serving" ? " 办理中" : " 叫号中")
            } else {
                current = counter.paused ? "暂停 paused" : "空闲 free"
            }
            return "\(name) \(current)"
        }
        lines += grid(windows, perRow: perRow, columnWidth: columnWidth)
        lines.append(Line(""))
        lines.append(Line(" 等候 Waiting", .title))
        let waiting = board.services.map { service in
            "\(service.prefix) \(service.name) " + (service.open ? "\(service.waiting + service.remote)人" : "停止取号")
        }
        lines += grid(waiting, perRow: perRow, columnWidth: columnWidth)
        lines.append(Line(""))
        let recent = board.recentCalls.prefix(8).map { "\($0.number)→\($0.counter)" }.joined(separator: "  ")
        lines.append(Line(" 最近叫号 Recent  " + (recent.isEmpty ? "—" : recent), .dim))
        return lines
    }

    func grid(_ cells: [String], perRow: Int, columnWidth: Int) -> [Line] {
        stride(from: 0, to: cells.count, by: perRow).map { start in
            Line(" " + cells[start..<min(cells.count, start + perRow)].map { $0.fitted(to: columnWidth) }.joined())
        }
    }

    func qrLines() -> [String]? {
        guard let hallURL, let matrix = QRMatrix(encoding: hallURL, correction: .low) else { return nil }
        return matrix.terminalText(quietZone: 1, ansi: false).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    func qrPanel(_ qr: [String]?, width: Int, height: Int) -> [Line] {
        guard let qr else { return [] }
        var lines = qr.map { Line($0, .qr) }
        lines.append(Line(""))
        lines.append(Line(centered("扫码取号", width), .title))
        lines.append(Line(centered("Scan to take a number", width)))
        let top = max(0, (height - lines.count) / 2)
        return Array(repeating: Line(""), count: top) + lines
    }

    func centered(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, (width - text.columns) / 2)) + text
    }
}
