extension QRMatrix {
    /// The code drawn with Unicode half blocks, two module rows per text line, with a quiet zone.
    ///
    /// Colours are set explicitly (black on white, ANSI 30/47) so the code scans on dark and
    /// light terminal themes alike; pass `ansi: false` for plain text (files, logs).
    /// - Parameter quietZone: Light modules around the code (the standard asks for 4; 2 scans on screens).
    public func terminalText(quietZone: Int = 2, ansi: Bool = true) -> String {
        let side = size + 2 * quietZone
        func dark(_ row: Int, _ column: Int) -> Bool {
            let r = row - quietZone
            let c = column - quietZone
            guard r >= 0, c >= 0, r < size, c < size else { return false }
            return self[r, c]
        }
        var lines: [String] = []
        var row = 0
        while row < side {
            var line = ansi ? "\u{1B}[30;47m" : ""
            for column in 0..<side {
                switch (dark(row, column), row + 1 < side && dark(row + 1, column)) {
                case (true, true): line += "█"
                case (true, false): line += "▀"
                case (false, true): line += "▄"
                case (false, false): line += " "
                }
            }
            if ansi { line += "\u{1B}[0m" }
            lines.append(line)
            row += 2
        }
        return lines.joined(separator: "\n")
    }
}
