/// Block letters five rows tall for the console board's latest call, readable across a room.
public enum BigText {
    static let rows = 5

    // Each glyph: five rows of five cells, "#" filled. The zero is slashed so it is never an O.
    static let glyphs: [Character: [String]] = [
        "0": [" ### ", "#  ##", "# # #", "##  #", " ### "], "1": ["  #  ", " ##  ", "  #  ", "  #  ", " ### "],
        "2": [" ### ", "#   #", "  ## ", " #   ", "#####"], "3": ["#### ", "    #", " ### ", "    #", "#### "],
        "4": ["#   #", "#   #", "#####", "    #", "    #"], "5": ["#####", "#    ", "#### ", "    #", "#### "],
        "6": [" ### ", "#    ", "#### ", "#   #", " ### "], "7": ["#####", "    #", "   # ", "  #  ", "  #  "],
        "8": [" ### ", "#   #", " ### ", "#   #", " ### "], "9": [" ### ", "#   #", " ####", "    #", " ### "],
        "A": [" ### ", "#   #", "#####", "#   #", "#   #"], "B": ["#### ", "#   #", "#### ", "#   #", "#### "],
        "C": [" ####", "#    ", "#    ", "#    ", " ####"], "D": ["#### ", "#   #", "#   #", "#   #", "#### "],
        "E": ["#####", "#    ", "#### ", "#    ", "#####"], "F": ["#####", "#    ", "#### ", "#    ", "#    "],
        "G": [" ####", "#    ", "#  ##", "#   #", " ####"], "H": ["#   #", "#   #", "#####", "#   #", "#   #"],
        "I": ["#####", "  #  ", "  #  ", "  #  ", "#####"], "J": ["#####", "   # ", "   # ", "#  # ", " ##  "],
        "K": ["#   #", "#  # ", "###  ", "#  # ", "#   #"], "L": ["#    ", "#    ", "#    ", "#    ", "#####"],
        "M": ["#   #", "## ##", "# # #", "#   #", "#   #"], "N": ["#   #", "##  #", "# # #", "#  ##", "#   #"],
        "O": [" ### ", "#   #", "#   #", "#   #", " ### "], "P": ["#### ", "#   #", "#### ", "#    ", "#    "],
        "Q": [" ### ", "#   #", "# # #", "#  # ", " ## #"], "R": ["#### ", "#   #", "#### ", "#  # ", "#   #"],
        "S": [" ####", "#    ", " ### ", "    #", "#### "], "T": ["#####", "  #  ", "  #  ", "  #  ", "  #  "],
        "U": ["#   #", "#   #", "#   #", "#   #", " ### "], "V": ["#   #", "#   #", "#   #", " # # ", "  #  "],
        "W": ["#   #", "#   #", "# # #", "## ##", "#   #"], "X": ["#   #", " # # ", "  #  ", " # # ", "#   #"],
        "Y": ["#   #", " # # ", "  #  ", "  #  ", "  #  "], "Z": ["#####", "   # ", "  #  ", " #   ", "#####"],
        "→": ["  #  ", "   # ", "#####", "   # ", "  #  "], " ": ["     ", "     ", "     ", "     ", "     "],
    ]

    /// Columns `text` takes at a scale (each cell is `scale` columns wide, one column between glyphs).
    public static func width(_ text: String, scale: Int) -> Int {
        text.isEmpty ? 0 : text.count * 5 * scale + (text.count - 1) * scale
    }

    /// Five lines of block letters; characters without a glyph are left out.
    public static func lines(_ text: String, scale: Int = 2) -> [String] {
        let known = text.uppercased().filter { glyphs[$0] != nil }
        return (0..<rows).map { row in
            known.map { character in
                glyphs[character]![row].map { $0 == "#" ? String(repeating: "█", count: scale) : String(repeating: " ", count: scale) }
                    .joined()
            }.joined(separator: String(repeating: " ", count: scale))
        }
    }

    /// Reads block letters back (what a test sees on a captured screen); `nil` when they are not ours.
    public static func read(_ lines: [String], scale: Int = 2) -> String? {
        guard lines.count == rows else { return nil }
        // From the first filled column on, wherever the letters sit on the line.
        let indent = lines.compactMap { line in line.firstIndex(of: "█").map { line.distance(from: line.startIndex, to: $0) } }.min() ?? 0
        let cells = lines.map { line in
            Array(line.dropFirst(indent)).enumerated().filter { $0.offset % scale == 0 }.map { $0.element == "█" ? Character("#") : Character(" ") }
        }
        let length = cells.map(\.count).max() ?? 0
        var text = ""
        var column = 0
        while column + 5 <= length {
            let glyph = cells.map { row in String((0..<5).map { column + $0 < row.count ? row[column + $0] : " " }) }
            guard let match = glyphs.first(where: { $0.value == glyph && $0.key != " " })?.key else {
                column += 1
                continue
            }
            text.append(match)
            column += 6
        }
        return text.isEmpty ? nil : text
    }
}
