import Foundation
import QuhaoCore
import Testing

@Suite struct CatalogueTests {
    @Test func everyCodeHasAMessageInEveryLanguage() {
        for language in Language.allCases {
            for code in QuhaoError.Code.allCases {
                #expect(Catalogue.of(language).template(code.rawValue) != nil, "\(language.rawValue) lacks \(code.rawValue)")
            }
        }
    }

    @Test func bothCataloguesHaveTheSameKeysAndPlaceholders() throws {
        #expect(Catalogue.chinese.keys == Catalogue.english.keys)
        let placeholder = try Regex(#"\{[a-z_]+\}"#)
        for key in Catalogue.chinese.keys {
            let zh = Set(Catalogue.chinese.template(key)!.matches(of: placeholder).map { String($0.output[0].substring!) })
            let en = Set(Catalogue.english.template(key)!.matches(of: placeholder).map { String($0.output[0].substring!) })
            #expect(zh == en, "placeholders of \(key)")
        }
    }

    @Test func perLanguageParametersAreUsed() {
        let error = QuhaoError(.serviceClosed, ["service": "发票业务", "service@en": "Invoices"])
        #expect(Catalogue.english.message(for: error).contains("Invoices"))
        #expect(Catalogue.chinese.message(for: error).contains("发票业务"))
    }

    @Test func acceptLanguagePicksEnglishOnlyWhenPreferred() {
        #expect(Language.preferred(acceptLanguage: nil) == .zhCN)
        #expect(Language.preferred(acceptLanguage: "en-US,en;q=0.9") == .en)
        #expect(Language.preferred(acceptLanguage: "zh-CN,zh;q=0.9,en;q=0.8") == .zhCN)
        #expect(Language.preferred(acceptLanguage: "fr-FR,en;q=0.5") == .en)
        #expect(Language.preferred(acceptLanguage: "fr-FR") == .zhCN)
    }
}
