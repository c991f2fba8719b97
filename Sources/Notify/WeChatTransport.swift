import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import QuhaoCore
import QuhaoStore
import Webhooks

/// The official account as the deliverer uses it: its access token (`cgi-bin/token`, cached by
/// ``WeChatTokenCache``) and the one-time subscription message (`cgi-bin/message/template/subscribe`),
/// one per consent given on WeChat's page. The base URL is configurable so tests run against a fake.
public struct WeChatTransport: Sendable, Equatable {
    public var subscription: WeChatSubscription
    /// The account's secret (from the environment or a file; never logged).
    public var secret: String
    /// `https://api.weixin.qq.com` unless configured otherwise.
    public var baseURL: String
    public var perMinute: Int
    public var timeoutSeconds: Int

    public init(
        subscription: WeChatSubscription, secret: String, baseURL: String = "https://api.weixin.qq.com", perMinute: Int = 600,
        timeoutSeconds: Int = 10
    ) {
        self.subscription = subscription
        self.secret = secret
        self.baseURL = baseURL
        self.perMinute = perMinute
        self.timeoutSeconds = timeoutSeconds
    }

    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// Fetches an access token.
    func fetchToken(client: HTTPClient) async throws -> WeChatTokenCache.Token {
        let appID = subscription.appID.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? ""
        let key = secret.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? ""
        let request = HTTPClientRequest(url: "\(baseURL)/cgi-bin/token?grant_type=client_credential&appid=\(appID)&secret=\(key)")
        let response = try await client.execute(request, timeout: .seconds(Int64(timeoutSeconds)))
        let body = try await response.body.collect(upTo: 64 * 1024)
        let json = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        guard let token = json?["access_token"] as? String, !token.isEmpty else {
            throw TokenRefused(code: json?["errcode"] as? Int ?? -1, message: json?["errmsg"] as? String ?? "HTTP \(response.status.code)")
        }
        return .init(value: token, lifetime: TimeInterval(json?["expires_in"] as? Int ?? 7200))
    }

    /// WeChat would not give a token (a wrong secret, an address not on the account's allow-list).
    struct TokenRefused: Error, CustomStringConvertible {
        let code: Int
        let message: String
        var description: String { "no access token: errcode \(code) \(message)" }
    }

    /// The subscription message's body: the visitor's openid, the template, the scene consented
    /// to, a title and the message text, and the ticket's page to open.
    func body(for dispatch: NoticeDispatch, to openID: String) throws -> Data {
        let title = [NoticeRules.Kind.near: "即将叫号", .called: "叫号提醒", .recalled: "再次叫号", .taken: "取号成功"][dispatch.notice.kind] ?? "排队提醒"
        let payload: [String: Any] = [
            "touser": openID, "template_id": subscription.templateID, "url": dispatch.link,
            "scene": String(WeChatSubscription.scene(dispatch.notice.kind)), "title": title,
            "data": ["content": ["value": dispatch.text, "color": "#173177"]],
        ]
        return try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// What an `errcode` means for a message: 0 sent; a token no longer good, a busy or limited
    /// account: again later; a visitor who refused or used up their consent, a bad openid or
    /// argument: refused for good.
    public static func judge(errcode: Int, message: String) -> DeliveryAnswer {
        switch errcode {
        case 0: .accepted
        case -1, 45009, 45047, 40001, 40014, 42001: .retry(.busy, "errcode \(errcode) \(message)")
        case 43101: .refused("errcode 43101: the visitor refused or has no consent left (用户拒绝接收消息)")
        default: .refused("errcode \(errcode) \(message)")
        }
    }

    /// Sends one message (with a fresh token once if WeChat says the token is no longer good).
    func deliver(_ dispatch: NoticeDispatch, to openID: String, tokens: WeChatTokenCache, client: HTTPClient) async -> DeliveryAnswer {
        for _ in 0..<2 {
            let token: String
            do {
                token = try await tokens.token()
            } catch {
                // WeChat answered, and gave no token (a wrong AppSecret, an address not allowed): not taken.
                return .retry(error is TokenRefused ? .notTaken : NoticeFailure(error), "\(error)")
            }
            do {
                var request = HTTPClientRequest(url: "\(baseURL)/cgi-bin/message/template/subscribe?access_token=\(token)")
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: try body(for: dispatch, to: openID)))
                let response = try await client.execute(request, timeout: .seconds(Int64(timeoutSeconds)))
                let data = Data((try await response.body.collect(upTo: 64 * 1024)).readableBytesView)
                guard (200..<300).contains(response.status.code) else { return .retry(.busy, "HTTP \(response.status.code)") }
                let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
                let code = json?["errcode"] as? Int ?? 0
                if await tokens.report(errorCode: code, for: token) { continue }
                return Self.judge(errcode: code, message: json?["errmsg"] as? String ?? "")
            } catch {
                return .retry(NoticeFailure(error), HTTPFailure.describe(error))
            }
        }
        return .retry(.busy, "the access token was refused twice")
    }
}
