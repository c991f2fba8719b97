import Foundation
import QRCode
import Testing

/// The printed sheets: nothing clipped (long names wrap inside the page), each kind looks its own.
@Suite struct QRSheetTests {
    static let code = QRMatrix(encoding: "https://quhao.example.gov.cn/p/CnPmUqRoT8pDR00oocGIYw", correction: .quartile)!

    @Test func aLongNameWrapsInsideThePageAndLosesNothing() {
        let name = "杭州市钱塘区白杨街道学林街与文渊路交叉口东北角下沙高教园区第二十三号综合楼一层职工食堂（中央厨房配送点）"
        let sheet = QRSheet(
            style: .publicNotice, band: "食品安全公示", heading: name, status: "最近检查 2026-11-30：符合",
            lines: ["杭州市钱塘区白杨街道学林街1号", "食品经营许可证：JY13301140000001"], caption: "扫码查看公示信息")
        let layout = sheet.layout()
        let heading = layout.lines.filter { $0.weight == 700 && $0.size >= 9 }
        #expect(heading.count >= 3, "a name this long takes several lines")
        #expect(heading.map(\.text).joined() == name, "every character is kept")
        for line in layout.lines {
            // Full-width characters are an em wide: a line never runs past the page's text width (180 mm).
            #expect(TextWrap.ems(line.text) * line.size <= 180, "\(line.text)")
            #expect(!line.text.hasPrefix("）") && !line.text.hasPrefix("。") && !line.text.hasPrefix("，"), "\(line.text)")
        }
        // The code shrinks to leave room, and stays on the page with its caption.
        #expect(layout.codeSide >= 50 && layout.codeSide <= 120)
        #expect(layout.codeTop + layout.codeSide < 297 - 15)
        #expect((layout.lines.map(\.y).max() ?? 0) < 297 - 10)
    }

    @Test func aShortNameGetsTheLargestCode() {
        let sheet = QRSheet(style: .publicNotice, band: "食品安全公示", heading: "第1食堂", lines: ["地址"], caption: "扫码查看")
        #expect(sheet.layout().codeSide == 120)
    }

    @Test func thePrivateSheetLooksNothingLikeTheNotice() {
        let notice = QRSheet(style: .publicNotice, band: "食品安全公示", heading: "第1食堂", lines: [], caption: "扫码查看").svg(code: Self.code)
        let sheet = QRSheet(
            style: .privateLink, band: "单位专用 · 请勿张贴", bandNote: "仅限本单位使用，请勿张贴", heading: "第1食堂", lines: [], caption: "本单位专用链接"
        ).svg(code: Self.code)
        #expect(notice.contains("#1b7f3b") && !notice.contains("stroke-dasharray"))
        #expect(sheet.contains("#b3261e") && sheet.contains("stroke-dasharray") && sheet.contains("仅限本单位使用，请勿张贴"))
        #expect(notice.contains("width=\"210mm\" height=\"297mm\""))
        // Text is escaped: a unit's name cannot add markup.
        let hostile = QRSheet(style: .publicNotice, band: "公示", heading: "<script>x</script>&", lines: [], caption: "").svg(code: Self.code)
        #expect(!hostile.contains("<script>") && hostile.contains("&lt;script&gt;"))
    }
}
