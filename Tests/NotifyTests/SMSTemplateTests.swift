import Foundation
import QuhaoStore
import Testing

@testable import Notify

/// An SMS provider's request built from the configured template, checked byte for byte: the URL,
/// each header, the body, and the signature (its expected value computed apart with
/// `openssl dgst -sha256 -hmac`).
@Suite struct SMSTemplateTests {
    static let moment = Date(timeIntervalSince1970: 1_796_000_000)
    static let message = SMSTemplate.Message(phone: "13812345678", number: "A023", window: "3", text: "【钱塘办税】请 A023 号到 3 号窗口办理。\"尽快\"")

    static func provider(_ encoding: SMSTemplate.Signature.Encoding, prefix: String = "") -> SMSTemplate {
        SMSTemplate(
            url: "https://sms.example.cn/v2/sms/send?app=qh", method: "post",
            headers: [
                .init("Content-Type", "application/json; charset=utf-8"), .init("X-Timestamp", "{{timestamp}}"), .init("X-Nonce", "{{nonce}}"),
                .init("Authorization", "HMAC-SHA256 {{signature}}"),
            ],
            body: #"{"mobile":"{{phone}}","content":"{{text}}","ts":"{{timestamp}}"}"#, bodyEncoding: .json,
            signature: .init(
                parts: ["{{method}}", "{{path}}", "{{timestamp}}", "{{nonce}}", "{{body}}"], separator: "\n", encoding: encoding, prefix: prefix,
                secret: "secret-key-123"))
    }

    @Test func theRequestIsBuiltAndSignedByteForByte() throws {
        let request = try Self.provider(.hex).request(for: Self.message, at: Self.moment, nonce: "n0nce-42")
        #expect(request.method == "POST" && request.url == "https://sms.example.cn/v2/sms/send?app=qh")
        let body = #"{"mobile":"13812345678","content":"【钱塘办税】请 A023 号到 3 号窗口办理。\"尽快\"","ts":"1796000000"}"#
        #expect(request.body == Data(body.utf8))
        #expect(
            request.headers == [
                .init("Content-Type", "application/json; charset=utf-8"), .init("X-Timestamp", "1796000000"), .init("X-Nonce", "n0nce-42"),
                .init("Authorization", "HMAC-SHA256 39d6387304ccc6d5996b5ed771c88bc873addab4871e4ab0b61f27587c1e22b9"),
            ])
        let base64 = try Self.provider(.base64, prefix: "sig=").request(for: Self.message, at: Self.moment, nonce: "n0nce-42")
        #expect(base64.headers.last == .init("Authorization", "HMAC-SHA256 sig=OdY4cwTMxtWZa17XcciLyHOt2rSHHkqwth8nWHweIrk="))
        // The JSON body parses, with the message as typed (quotes escaped, not breaking out).
        let parsed = try JSONSerialization.jsonObject(with: request.body) as? [String: String]
        #expect(parsed?["content"] == Self.message.text && parsed?["mobile"] == "13812345678")
    }

    @Test func aFormBodyIsPercentEncodedAndTheURLToo() throws {
        let template = SMSTemplate(
            url: "https://sms.example.cn/send/{{phone}}", method: "POST", headers: [.init("Content-Type", "application/x-www-form-urlencoded")],
            body: "to={{phone}}&msg={{text}}&no={{number}}", bodyEncoding: .form)
        let request = try template.request(
            for: .init(phone: "13812345678", number: "A023", text: "请到 3 号窗口 & 谢谢"), at: Self.moment, nonce: "x")
        #expect(request.url == "https://sms.example.cn/send/13812345678")
        #expect(
            String(decoding: request.body, as: UTF8.self)
                == "to=13812345678&msg=%E8%AF%B7%E5%88%B0%203%20%E5%8F%B7%E7%AA%97%E5%8F%A3%20%26%20%E8%B0%A2%E8%B0%A2&no=A023")
    }

    @Test func aTemplateThatWouldMisfireIsRefused() throws {
        // A typo in a placeholder would send "{{phnoe}}" to the provider.
        var template = Self.provider(.hex)
        template.body = #"{"mobile":"{{phnoe}}"}"#
        #expect(throws: SMSTemplate.Refusal.self) { try template.request(for: Self.message, at: Self.moment, nonce: "n") }
        // A line break smuggled into a header through a value.
        template = Self.provider(.hex)
        template.headers = [.init("X-Window", "{{window}}")]
        let injected = SMSTemplate.Message(phone: "1", number: "A1", window: "3\r\nX-Evil: 1", text: "t")
        #expect(throws: SMSTemplate.Refusal.self) { try template.request(for: injected, at: Self.moment, nonce: "n") }
        // Not an http(s) address.
        template = Self.provider(.hex)
        template.url = "file:///etc/passwd"
        #expect(throws: SMSTemplate.Refusal.self) { try template.request(for: Self.message, at: Self.moment, nonce: "n") }
        // A raw body cannot carry markup.
        let raw = SMSTemplate(url: "https://sms.example.cn/", body: "{{text}}", bodyEncoding: .raw)
        #expect(throws: SMSTemplate.Refusal.self) { try raw.request(for: .init(phone: "1", number: "A1", text: "<b>"), at: Self.moment, nonce: "n") }
        #expect(try raw.request(for: .init(phone: "1", number: "A1", text: "A1 请到窗口"), at: Self.moment, nonce: "n").body == Data("A1 请到窗口".utf8))
    }

    /// The provider's answer judged, each failure with its class (the page's words come from it).
    @Test func answersAreJudgedWithTheirClass() {
        let plain = SMSTransport(template: Self.provider(.hex))
        #expect(plain.judge(status: 200, body: Data()) == .accepted)
        #expect(plain.judge(status: 503, body: Data()) == .retry(.busy, "HTTP 503"))
        #expect(plain.judge(status: 429, body: Data()) == .retry(.busy, "HTTP 429"))
        #expect(plain.judge(status: 400, body: Data()) == .refused("HTTP 400"))
        let checked = SMSTransport(template: Self.provider(.hex), acceptField: .init(path: "result.0.code", equals: "OK"))
        #expect(checked.judge(status: 200, body: Data(#"{"result":[{"code":"OK"}]}"#.utf8)) == .accepted)
        #expect(checked.judge(status: 200, body: Data(#"{"result":[{"code":"LIMIT"}]}"#.utf8)) == .retry(.notTaken, "result.0.code = LIMIT"))
        #expect(checked.judge(status: 200, body: Data("{}".utf8)) == .retry(.notTaken, "result.0.code = missing"))
    }

    /// Every placeholder a message fills is one the check knows, and no other.
    @Test func theKnownPlaceholdersAreTheOnesFilled() throws {
        #expect(SMSTemplate.messagePlaceholders.contains("phone") && SMSTemplate.messagePlaceholders.contains("nonce"))
        #expect(SMSTemplate.messagePlaceholders.count == 13)
        #expect(SMSTemplate.unknownPlaceholders(in: "{{phone}} {{body}}") == ["body"])
        #expect(SMSTemplate.unknownPlaceholders(in: "{{phone}} {{body}}", signed: true).isEmpty)
        #expect(SMSTemplate.unknownPlaceholders(in: "{{signature}}") == ["signature"])
        #expect(SMSTemplate.unknownPlaceholders(in: "{{signature}}", header: true).isEmpty)
    }
}
