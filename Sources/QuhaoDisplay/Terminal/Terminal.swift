import Foundation
import QuhaoCore

#if canImport(Glibc)
    import Glibc
#endif

/// The terminal the console board draws on: the alternate screen (the shell's screen comes
/// back untouched on exit), no cursor, and the size.
public struct Terminal: Sendable {
    /// Enters the alternate screen, hides the cursor and clears.
    public static let enter = "\u{1B}[?1049h\u{1B}[?25l\u{1B}[2J"
    /// Shows the cursor and leaves the alternate screen.
    public static let leave = "\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l"

    public init() {}

    /// Columns and rows of the terminal on standard output (`COLUMNS`/`LINES`, else 100×30, when it is not one).
    public func size() -> (width: Int, height: Int) {
        var window = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &window) == 0, window.ws_col > 0, window.ws_row > 0 {
            return (Int(window.ws_col), Int(window.ws_row))
        }
        let environment = ProcessInfo.processInfo.environment
        return (environment["COLUMNS"].flatMap(Int.init) ?? 100, environment["LINES"].flatMap(Int.init) ?? 30)
    }

    /// Writes text to standard output at once.
    public func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// One frame: the lines from the top-left corner, each in its style.
    public static func frame(_ lines: [ConsoleBoard.Line]) -> String {
        var frame = "\u{1B}[H"
        for (index, line) in lines.enumerated() {
            frame += style(line.style)
            if let column = line.qrColumn {
                let characters = Array(line.text)
                // Columns equal characters up to the QR: the left part is fitted, and the QR is all narrow.
                let split = min(characters.count, max(0, column - (line.text.columns - characters.count)))
                frame += String(characters[..<split]) + "\u{1B}[0m\u{1B}[30;47m" + String(characters[split...])
            } else {
                frame += line.text
            }
            frame += "\u{1B}[0m"
            if index < lines.count - 1 { frame += "\r\n" }
        }
        return frame
    }

    static func style(_ style: ConsoleBoard.Style) -> String {
        switch style {
        case .plain: ""
        case .title: "\u{1B}[1m"
        case .highlight: "\u{1B}[1;30;43m"
        case .alert: "\u{1B}[1;97;41m"
        case .qr: "\u{1B}[30;47m"
        case .dim: "\u{1B}[2m"
        }
    }
}
