import Foundation

/// WeChat's one-time subscription (一次性订阅消息) as a visitor's page uses it: one tap on WeChat's
/// own confirmation page grants one message of one kind (a scene), and WeChat sends the visitor
/// back with their openid. Only what the pages need: the account's id, the template, where the
/// confirmation page is (WeChat's, or a fake one in tests). Sending is the deliverer's.
public struct WeChatSubscription: Sendable, Hashable {
    public var appID: String
    public var templateID: String
    /// `https://mp.weixin.qq.com` unless configured otherwise.
    public var confirmURL: String

    public init(appID: String, templateID: String, confirmURL: String = "https://mp.weixin.qq.com") {
        self.appID = appID
        self.templateID = templateID
        self.confirmURL = confirmURL
    }

    /// The scene a consent is given for: one per message kind.
    public static func scene(_ kind: NoticeRules.Kind) -> Int {
        switch kind {
        case .taken: 1
        case .near: 2
        case .called: 3
        case .recalled: 4
        case .code: 5
        case .booked: 6
        case .bookingReminder: 7
        case .finding: 8
        case .findingDue: 9
        case .findingRejected: 10
        }
    }

    /// The kind of a scene WeChat sent back.
    public static func kind(scene: Int) -> NoticeRules.Kind? {
        NoticeRules.Kind.allCases.first { self.scene($0) == scene }
    }

    /// WeChat's confirmation page for one kind, coming back to `back` with `reserved` (the page's
    /// own check that the answer is for this ticket and kind).
    public func confirmLink(kind: NoticeRules.Kind, back: String, reserved: String) -> String {
        func encoded(_ text: String) -> String {
            text.addingPercentEncoding(
                withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"))
                ?? ""
        }
        return "\(confirmURL)/mp/subscribemsg?action=get_confirm&appid=\(encoded(appID))&scene=\(Self.scene(kind))"
            + "&template_id=\(encoded(templateID))&redirect_url=\(encoded(back))&reserved=\(encoded(reserved))#wechat_redirect"
    }

    /// Whether a page is open inside WeChat (its browser names itself MicroMessenger).
    public static func isWeChat(userAgent: String?) -> Bool { userAgent?.contains("MicroMessenger") == true }
}
