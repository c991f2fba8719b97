/// Terminal columns of text: CJK and full-width characters take two, combining marks none.
/// (Padding by `count` would push every line with Chinese in it off the screen's right edge.)
extension String {
    /// Columns this text takes on a terminal.
    public var columns: Int {
        unicodeScalars.reduce(0) { $0 + $1.columns }
    }

    /// The text cut to at most `width` columns, then padded with spaces to exactly `width`.
    public func fitted(to width: Int) -> String {
        var result = ""
        var used = 0
        for character in self {
            let size = String(character).unicodeScalars.reduce(0) { $0 + $1.columns }
            if used + size > width { break }
            result.append(character)
            used += size
        }
        return result + String(repeating: " ", count: max(0, width - used))
    }
}

extension Unicode.Scalar {
    public var columns: Int {
        let v = value
        if v == 0 || (0x300...0x36F).contains(v) || (0x200B...0x200F).contains(v) || v == 0xFE0F { return 0 }
        if v < 0x1100 { return 1 }
        let wide: [ClosedRange<UInt32>] = [
            0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xAC00...0xD7A3,
            0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF,
            0x20000...0x3FFFD,
        ]
        return wide.contains { $0.contains(v) } ? 2 : 1
    }
}
