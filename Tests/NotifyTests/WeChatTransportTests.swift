import Foundation
import QuhaoCore
import QuhaoStore
import Testing

@testable import Notify

/// WeChat's answers and links, as the deliverer and the ticket page use them.
@Suite struct WeChatTransportTests {
    @Test func errorCodesAreRetriedOrRefusedAsTheyMean() {
        #expect(WeChatTransport.judge(errcode: 0, message: "ok") == .accepted)
        #expect(WeChatTransport.judge(errcode: -1, message: "system busy") == .retry(.busy, "errcode -1 system busy"))
        #expect(WeChatTransport.judge(errcode: 45009, message: "reach max api daily quota limit") != .accepted)
        guard case .refused(let why) = WeChatTransport.judge(errcode: 43101, message: "user refuse to accept the msg") else {
            Issue.record("43101 must be refused for good")
            return
        }
        #expect(why.contains("用户拒绝"))
        guard case .refused = WeChatTransport.judge(errcode: 40003, message: "invalid openid") else {
            Issue.record("a bad openid is refused for good")
            return
        }
    }

    @Test func theConfirmationLinkCarriesTheSceneOfItsKindAndComesBack() throws {
        let subscription = WeChatSubscription(appID: "wx01", templateID: "T 1", confirmURL: "https://mp.weixin.qq.com")
        let link = subscription.confirmLink(kind: .called, back: "https://q.example/t/abc/wechat/back", reserved: "tag")
        #expect(
            link
                == "https://mp.weixin.qq.com/mp/subscribemsg?action=get_confirm&appid=wx01&scene=3&template_id=T%201"
                + "&redirect_url=https%3A%2F%2Fq.example%2Ft%2Fabc%2Fwechat%2Fback&reserved=tag#wechat_redirect")
        for kind in NoticeRules.Kind.allCases { #expect(WeChatSubscription.kind(scene: WeChatSubscription.scene(kind)) == kind) }
        #expect(WeChatSubscription.kind(scene: 99) == nil)
        #expect(WeChatSubscription.isWeChat(userAgent: "Mozilla/5.0 MicroMessenger/8.0.50"))
        #expect(!WeChatSubscription.isWeChat(userAgent: "Mozilla/5.0 Chrome/120"))
    }
}
