import Foundation
import QuhaoCore
import Testing

@testable import QuhaoHTTP

/// The visitor's page and the console say a provider's failure in the reader's words (found by the walk:
/// "connection refused (is the receiver running?)" on a zh-CN page).
@Suite struct NoticeWordsTests {
    @Test func aProvidersFailureIsSaidInTheReadersLanguage() {
        let zh = Templates.strings(.zhCN).template
        #expect(NoticeWords.reason("connection refused (is the receiver running?)", zh) == "无法连接短信服务")
        #expect(NoticeWords.reason("timed out", zh) == "短信服务无应答")
        #expect(NoticeWords.reason("HTTP 503", zh) == "短信服务暂时不可用")
        #expect(NoticeWords.reason("code = REJECTED", zh) == "短信服务未接收")
        #expect(NoticeWords.reason("HTTP 503", Templates.strings(.en).template) == "the SMS service is busy")
    }
}
