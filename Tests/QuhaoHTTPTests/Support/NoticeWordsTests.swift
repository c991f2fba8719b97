import Foundation
import QuhaoCore
import QuhaoStore
import Testing

@testable import QuhaoHTTP

/// The visitor's page and the console say a provider's failure in the reader's words (found by the walk:
/// "connection refused (is the receiver running?)" on a zh-CN page), from the failure's class the
/// deliverer stored, never from the provider's own words.
@Suite struct NoticeWordsTests {
    func retrying(_ channel: NoticeChannel, _ failure: NoticeFailure?, error: String = "connection refused (is the receiver running?)")
        -> NoticeStatus
    {
        NoticeStatus(
            channel: channel, kind: .called, createdAt: Date(timeIntervalSince1970: 0), outcome: nil, finishedAt: nil, attempts: 1,
            lastError: error, failure: failure)
    }

    @Test func aProvidersFailureIsSaidInTheReadersLanguage() {
        let zh = Templates.strings(.zhCN).template
        #expect(NoticeWords.reason(retrying(.sms, .unreachable), zh) == "无法连接短信服务")
        #expect(NoticeWords.reason(retrying(.sms, .timeout), zh) == "短信服务无应答")
        #expect(NoticeWords.reason(retrying(.sms, .busy), zh) == "短信服务暂时不可用")
        #expect(NoticeWords.reason(retrying(.sms, .notTaken), zh) == "短信服务未接收")
        #expect(NoticeWords.reason(retrying(.wechat, .busy), zh) == "微信服务暂时不可用")
        #expect(NoticeWords.reason(retrying(.sms, .busy), Templates.strings(.en).template) == "the SMS service is busy")
        // The provider's words do not decide it: "refused" in them is no longer "cannot be reached".
        #expect(NoticeWords.reason(retrying(.sms, .timeout, error: "connection refused"), zh) == "短信服务无应答")
    }
}
