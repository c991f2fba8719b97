import Foundation
import Hummingbird
import HummingbirdTesting
import Presence
import QuhaoCore
import QuhaoHTTP
import QuhaoStore
import Testing

/// The pages work without JavaScript: plain forms, inline refusals, redirects.
@Suite struct PublicPagesTests {
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    @Test func takeFormWorksWithoutJavaScript() async throws {
        let test = try await TestApp()
        try await test.run { client in
            let code = test.presence.current(site: "hall")
            let page = try await client.get("/s/hall?p=\(code)")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            expectText(page.text, "办税服务厅")
            expectText(page.text, #"value="general""#)
            expectText(page.text, lacks: #"<p class="notice">"#)

            let refused = try await client.execute(
                uri: "/s/hall", method: .post, headers: Self.form,
                body: ByteBuffer(string: "service=general&identity=91350100M000100Y4Z&phone=&presence=\(code)"))
            #expect(refused.status == .badRequest)
            expectText(refused.text, "校验位不正确")
            expectText(refused.text, #"value="91350100M000100Y4Z""#)
            expectText(refused.text, #"value="general" data-identity="uscc" data-phone="none" checked"#)

            let taken = try await client.execute(
                uri: "/s/hall?lang=en", method: .post, headers: Self.form,
                body: ByteBuffer(string: "service=general&identity=91350100M000100Y43&phone=&presence=\(code)"))
            #expect(taken.status == .seeOther)
            let location = try #require(taken.headers[.location])
            #expect(location.hasPrefix("/t/") && location.hasSuffix("?lang=en"))
            #expect(taken.headers[.setCookie]?.contains("HttpOnly") == true)

            let ticket = try await client.get(location)
            #expect(ticket.status == .ok)
            expectText(ticket.text, "A001")
            expectText(ticket.text, "You are next")
        }
    }

    @Test func remoteVisitorsAreToldAndTheirPhoneOffersCheckIn() async throws {
        let test = try await TestApp()
        try await test.run { client in
            let remote = try await client.get("/s/hall")
            expectText(remote.text, #"<p class="notice">您不在大厅内扫码"#)
            let taken = try await client.execute(
                uri: "/s/hall", method: .post, headers: Self.form, body: ByteBuffer(string: "service=consult&identity=&phone=&presence="))
            let cookie = try #require(taken.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            let location = try #require(taken.headers[.location])
            let remotePage = try await client.get(location).text
            expectText(remotePage, "远程排队中")
            // Passed over until it checks in: never "you are next", but where it will stand then.
            expectText(remotePage, "签到后您就是下一位")
            expectText(remotePage, lacks: #"id="ahead">您是下一位"#)
            // In the hall, scanning the QR again offers check-in for the phone's ticket.
            let code = test.presence.current(site: "hall")
            let back = try await client.get("/s/hall?p=\(code)", headers: [.cookie: cookie])
            expectText(back.text, "您已取号 H001")
            expectText(back.text, "我已到厅，签到")
            expectText(back.text, lacks: #"id="take""#)
            let token = String(location.dropFirst(3))
            let checked = try await client.execute(
                uri: "/t/\(token)/checkin", method: .post, headers: Self.form, body: ByteBuffer(string: "presence=\(code)"))
            #expect(checked.status == .seeOther)
            #expect(try await test.store.ticket(.token(token)).state == .waiting)
        }
    }

    @Test func cancelAndRateForms() async throws {
        let test = try await TestApp()
        try await test.run { client in
            let code = test.presence.current(site: "hall")
            let token = try #require(try await client.take("consult", presence: code).json["token"] as? String)
            _ = try await test.store.callNext(site: "hall", counter: 4)
            _ = try await test.store.start(site: "hall", counter: 4)
            _ = try await test.store.complete(site: "hall", counter: 4)
            let page = try await client.get("/t/\(token)")
            expectText(page.text, "请为本次服务评价")
            let rated = try await client.execute(
                uri: "/t/\(token)/rating", method: .post, headers: Self.form, body: ByteBuffer(string: "score=5"))
            #expect(rated.status == .seeOther)
            expectText(try await client.get("/t/\(token)").text, "感谢您的评价：非常满意")
            let again = try await client.execute(uri: "/t/\(token)/rating", method: .post, headers: Self.form, body: ByteBuffer(string: "score=1"))
            #expect(again.status == .conflict)
            expectText(again.text, "已经评价过了")

            // Without a script the first click only asks; the confirmation cancels.
            let other = try #require(try await client.take("consult", presence: code).json["token"] as? String)
            let asked = try await client.execute(uri: "/t/\(other)/cancel", method: .post, headers: Self.form, body: ByteBuffer(string: ""))
            #expect(asked.status == .seeOther)
            #expect(asked.headers[.location] == "/t/\(other)?confirm=cancel")
            #expect(try await test.store.ticket(.token(other)).state == .waiting, "not cancelled without asking")
            let question = try await client.get("/t/\(other)?confirm=cancel").text
            expectText(question, "确定取消 H002 号吗")
            expectText(question, #"name="confirmed" value="yes""#)
            let cancelled = try await client.execute(
                uri: "/t/\(other)/cancel", method: .post, headers: Self.form, body: ByteBuffer(string: "confirmed=yes"))
            #expect(cancelled.status == .seeOther)
            expectText(try await client.get("/t/\(other)").text, "已取消")
        }
    }

    /// Without JavaScript the ticket page offers a refresh, and reloads itself only at an interval
    /// the visitor chose, which they can lengthen or stop (WCAG 2.2.1: it reloaded every 20 s
    /// unasked before). 「知道了」 is a form that hides the call until the next one (a recall).
    /// The call dialog is named and takes the focus.
    @Test func theTicketPageWorksWithoutJavaScript() async throws {
        let test = try await TestApp()
        try await test.run { client in
            let code = test.presence.current(site: "hall")
            let token = try #require(try await client.take("consult", presence: code).json["token"] as? String)
            let waiting = try await client.get("/t/\(token)").text
            expectText(waiting, lacks: "http-equiv")
            expectText(waiting, #"<a class="button secondary" href="/t/\#(token)">刷新</a>"#)
            expectText(waiting, #"<a href="/t/\#(token)?auto=30">每 30 秒自动刷新</a>"#)
            let chosen = try await client.get("/t/\(token)?auto=30&lang=en").text
            expectText(chosen, #"<noscript><meta http-equiv="refresh" content="30"></noscript>"#)
            expectText(chosen, #"This page refreshes every 30 s. <a href="/t/\#(token)?lang=en">Stop refreshing</a>"#)
            expectText(chosen, #"<a href="/t/\#(token)?auto=120&amp;lang=en">Refresh every 120 s</a>"#)
            // Only the intervals offered: a page cannot be made to reload every second by its link.
            expectText(try await client.get("/t/\(token)?auto=1").text, lacks: "http-equiv")
            expectText(waiting, #"id="called" hidden"#)
            _ = try await test.store.callNext(site: "hall", counter: 4)
            try await test.boardCaughtUp()
            let called = try await client.get("/t/\(token)").text
            expectText(called, #"role="alertdialog" aria-modal="true" aria-labelledby="called-text""#)
            expectText(called, #"<main id="page" inert>"#)
            expectText(called, "autofocus")
            let key = try #require(called.firstMatch(of: /name="seen" value="([^"]+)"/)?.1)
            let seen = try await client.get("/t/\(token)?seen=\(key)").text
            expectText(seen, #"id="called" hidden"#)
            expectText(seen, lacks: "inert")
            test.clock.advance(by: 5)
            _ = try await test.store.recall(site: "hall", counter: 4)
            try await test.boardCaughtUp()
            let recalled = try await client.get("/t/\(token)?seen=\(key)").text
            expectText(recalled, lacks: #"id="called" hidden"#)
            _ = try await test.store.start(site: "hall", counter: 4)
            _ = try await test.store.complete(site: "hall", counter: 4)
            try await test.boardCaughtUp()
            expectText(try await client.get("/t/\(token)").text, lacks: "http-equiv")  // a finished ticket stops refreshing
        }
    }

    @Test func unknownPagesAreHTMLForBrowsers() async throws {
        let test = try await TestApp()
        try await test.run { client in
            let missing = try await client.get("/t/nope", headers: [.accept: "text/html"])
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType] == "text/html; charset=utf-8")
            expectText(missing.text, "没有找到号码")
            let site = try await client.get("/s/nowhere", headers: [.accept: "text/html", .acceptLanguage: "en"])
            expectText(site.text, "No site named")
            #expect(try await client.get("/static/app.css").status == .ok)
            #expect(try await client.get("/static/ticket.js").headers[.contentType]?.contains("javascript") == true)
        }
    }
}

/// Checks page text, naming only the missing (or unwanted) piece when it fails: whole pages make unreadable failures.
func expectText(_ text: String, _ wanted: String, sourceLocation: SourceLocation = #_sourceLocation) {
    if !text.contains(wanted) { Issue.record("page lacks: \(wanted)", sourceLocation: sourceLocation) }
}

func expectText(_ text: String, lacks unwanted: String, sourceLocation: SourceLocation = #_sourceLocation) {
    if text.contains(unwanted) { Issue.record("page has: \(unwanted)", sourceLocation: sourceLocation) }
}
