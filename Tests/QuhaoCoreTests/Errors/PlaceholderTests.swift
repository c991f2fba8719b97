import Foundation
import QuhaoCore
import Testing

/// No unfilled `{placeholder}` reaches a page or a message.
@Suite struct PlaceholderTests {
    /// Every `QuhaoError(.code)` built without parameters in the sources names a code whose messages
    /// need none (the walk found "{counter} 号窗口…" on an inspector's page).
    @Test func everyRefusalBuiltWithoutParametersNeedsNone() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        let names = Dictionary(uniqueKeysWithValues: QuhaoError.Code.allCases.map { ("\($0)", $0) })
        var files = 0
        var offenders: [String] = []
        let walker = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        while let url = walker?.nextObject() as? URL {
            guard url.pathExtension == "swift" else { continue }
            files += 1
            let text = try String(contentsOf: url, encoding: .utf8)
            for match in text.matches(of: #/QuhaoError\(\.(\w+)\)/#) {
                guard let code = names[String(match.output.1)] else { continue }
                let message = Catalogue.chinese.message(for: QuhaoError(code)) + Catalogue.english.message(for: QuhaoError(code))
                let template = Catalogue.chinese.template(code.rawValue) ?? ""
                if template.contains(#/\{[a-z_]+\}/#) { offenders.append("\(url.lastPathComponent): \(code.rawValue) → \(message)") }
            }
        }
        #expect(files > 50, "the walk read the sources")
        #expect(offenders.isEmpty, "\(offenders)")
    }

    @Test func aValueNobodyGaveIsLeftOutRatherThanShownAsItsName() {
        #expect(Catalogue.fill("{counter} 号窗口暂无人等候", with: [:]) == " 号窗口暂无人等候")
        #expect(Catalogue.fill("第 {n} 行", with: ["n": "3"]) == "第 3 行")
    }
}
