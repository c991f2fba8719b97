import Testing
import Webhooks

@Suite struct WebhookSignatureTests {
    /// The value Python's `hmac.new(secret, b"1796003523." + body, hashlib.sha256).hexdigest()` gives
    /// (docs/webhooks.md): the receiver's check and ours agree, Chinese in the body included.
    @Test func theSignatureIsHMACSHA256OfTimestampDotBody() {
        let body = #"{"id":"evt_1","type":"ticket.called","site":{"name":"钱塘"}}"#
        #expect(
            WebhookSignature.header(secret: "0123456789abcdef0123", timestamp: "1796003523", body: body)
                == "sha256=1dae79f35d079093547c383063d237cb73afde721f85657836cadfe2b8496c23")
        #expect(WebhookSignature.header(secret: "0123456789abcdef0124", timestamp: "1796003523", body: body).hasPrefix("sha256=1dae") == false)
        #expect(WebhookSignature.header(secret: "0123456789abcdef0123", timestamp: "1796003524", body: body).hasPrefix("sha256=1dae") == false)
    }
}
