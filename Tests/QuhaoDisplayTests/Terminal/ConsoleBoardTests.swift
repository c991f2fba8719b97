import Foundation
import LiveBoard
import QuhaoCore
import Testing

@testable import QuhaoDisplay

@Suite struct ConsoleBoardTests {
    @Test(arguments: [(80, 24), (120, 40), (200, 60), (60, 18)])
    func everyLineIsExactlyTheTerminalsWidth(_ width: Int, _ height: Int) {
        let board = ConsoleBoard(
            board: Fixtures.board(calls: [Fixtures.call("A023", 3)], current: [3: "A023"]), hallURL: "http://127.0.0.1:8080/s/hall?p=123456",
            now: Fixtures.at)
        let lines = board.render(width: width, height: height)
        #expect(lines.count == height)
        for line in lines { #expect(line.text.columns == width, "\(line.text)") }
    }

    @Test func theLatestCallIsInBlockLettersAndInWords() {
        let board = ConsoleBoard(board: Fixtures.board(calls: [Fixtures.call("A023", 3)], current: [3: "A023"]), now: Fixtures.at)
        let lines = board.render(width: 100, height: 30).map(\.text)
        let start = try! #require(lines.firstIndex { $0.contains("█") })
        #expect(BigText.read(Array(lines[start..<start + 5])) == "A023→3")
        #expect(lines.contains { $0.contains("请 A023 号到 3 号窗口办理") })
        #expect(lines.contains { $0.contains("3号窗口 A023 叫号中") })
    }

    @Test func theHallQRSitsBesideTheBoardWhenThereIsRoom() {
        let code = "http://127.0.0.1:8080/s/hall?p=123456"
        let wide = ConsoleBoard(board: Fixtures.board(), hallURL: code, now: Fixtures.at).render(width: 120, height: 40)
        #expect(wide.contains { $0.qrColumn != nil })
        #expect(wide.contains { $0.text.contains("扫码取号") })
        let narrow = ConsoleBoard(board: Fixtures.board(), hallURL: code, now: Fixtures.at).render(width: 80, height: 24)
        #expect(!narrow.contains { $0.qrColumn != nil }, "no room: the board comes first")
    }

    @Test func aTooSmallTerminalIsToldSo() {
        let lines = ConsoleBoard(board: Fixtures.board(), now: Fixtures.at).render(width: 40, height: 10)
        #expect(lines.count == 10)
        #expect(lines.contains { $0.text.contains("Terminal too small") })
        #expect(lines.contains { $0.text.contains("40×10") })
    }

    @Test func aLostConnectionIsShownInTheHeader() {
        let lines = ConsoleBoard(board: Fixtures.board(), offline: true, now: Fixtures.at).render(width: 100, height: 30)
        #expect(lines[0].text.contains("信号中断"))
        #expect(lines[0].style == .alert)
    }

    @Test func theClockIsTheSitesTime() {
        // 1_795_000_000 is Wednesday 2026-11-18 11:06:40 UTC: 19:06:40 in Shanghai.
        let lines = ConsoleBoard(board: Fixtures.board(), now: Fixtures.at).render(width: 100, height: 30)
        #expect(lines[0].text.contains("2026-11-18 星期三 19:06:40"))
    }

    @Test func framesKeepTheQRBlackOnWhite() {
        let lines = ConsoleBoard(board: Fixtures.board(), hallURL: "http://x/s/hall", now: Fixtures.at).render(width: 120, height: 40)
        let frame = Terminal.frame(lines)
        #expect(frame.hasPrefix("\u{1B}[H"))
        #expect(frame.contains("\u{1B}[30;47m"))
        #expect(frame.components(separatedBy: "\r\n").count == 40)
    }

    @Test func textWidthCountsChineseAsTwoColumns() {
        #expect("A023".columns == 4)
        #expect("窗口".columns == 4)
        #expect("3号窗口".fitted(to: 4) == "3号 ")
        #expect("abc".fitted(to: 5) == "abc  ")
    }

    /// Read with an independent picture, drawn here by hand: reading the letters back with the
    /// renderer's own table could not catch a wrong glyph.
    @Test func blockLettersLookLikeTheirCharacters() {
        let drawn = [
            " ###   ###   ###  ####    #   #### ",
            "#   # #  ## #   #     #    #      #",
            "##### # # #   ##   ###  #####  ### ",
            "#   # ##  #  #        #    #      #",
            "#   #  ###  ##### ####    #   #### ",
        ]
        #expect(BigText.lines("A023→3", scale: 1).map { $0.replacingOccurrences(of: "█", with: "#") } == drawn)
    }

    @Test func everyGlyphDiffersFromEveryOtherInAtLeastTwoCells() {
        let glyphs = BigText.glyphs.filter { $0.key != " " }
        for (a, left) in glyphs {
            for (b, right) in glyphs where a < b {
                let differing = zip(left.joined(), right.joined()).filter { $0 != $1 }.count
                #expect(differing >= 2, "\(a) and \(b) differ in \(differing) cells: unreadable across a room")
            }
        }
    }

    @Test func blockLettersReadBack() {
        for text in ["A023", "B105→12", "Z999"] {
            #expect(BigText.read(BigText.lines(text)) == text)
            #expect(BigText.read(BigText.lines(text, scale: 1), scale: 1) == text)
        }
    }
}
