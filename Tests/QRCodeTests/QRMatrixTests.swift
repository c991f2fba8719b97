import QRCode
import Testing

@Suite struct QRMatrixTests {
    @Test func shortURLFitsASmallVersionWithFinderPatterns() throws {
        let matrix = try #require(QRMatrix(encoding: "http://127.0.0.1:8080/s/qiantang", correction: .medium))
        #expect(matrix.size >= 21 && matrix.size <= 41)
        #expect((matrix.size - 17) % 4 == 0, "sizes are 4 × version + 17")
        // Finder pattern corners: dark outer ring, light ring, dark centre.
        for (row, column) in [(0, 0), (0, matrix.size - 7), (matrix.size - 7, 0)] {
            #expect(matrix[row, column])
            #expect(!matrix[row + 1, column + 1])
            #expect(matrix[row + 3, column + 3])
        }
    }

    @Test func moreCorrectionNeedsMoreModules() throws {
        let text = "http://127.0.0.1:8080/t/3DnFYx6hp2YYExAlcZ9O3g"
        let low = try #require(QRMatrix(encoding: text, correction: .low))
        let high = try #require(QRMatrix(encoding: text, correction: .high))
        #expect(high.size > low.size)
    }

    @Test func terminalTextHasTwoRowsPerLineAndAQuietZone() throws {
        let matrix = try #require(QRMatrix(encoding: "A", correction: .low))
        let lines = matrix.terminalText(quietZone: 2, ansi: false).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == (matrix.size + 4 + 1) / 2)
        #expect(lines.allSatisfy { $0.count == matrix.size + 4 })
        #expect(lines[0].allSatisfy { $0 == " " }, "quiet zone")
        #expect(matrix.terminalText().hasPrefix("\u{1B}[30;47m"), "black on white whatever the theme")
    }

    @Test func tooMuchTextIsNil() {
        #expect(QRMatrix(encoding: String(repeating: "x", count: 5000)) == nil)
    }
}
