import Foundation
import Hummingbird
import HummingbirdTesting
import Presence
import QuhaoCore
import QuhaoHTTP
import QuhaoStore
import Testing

/// The window console's JSON, calls by number, issuing on a visitor's behalf, the audit and API tokens.
@Suite struct ConsoleTests {
    static let admin = NewStaff(login: "boss", name: "管理员", role: .admin, password: "administrator-pass")

    /// Issue 23: for the ticket a window holds, the console says whether the visitor was reached,
    /// by which channel and when, or why not yet (in the reader's words), so staff know whether to
    /// wait or mark a no-show.
    @Test func theConsoleSaysWhetherTheCalledVisitorWasReachedAndByWhichChannel() async throws {
        let base = TestApp.site()
        let site = Site(
            id: base.id, name: base.name, services: base.services, counters: base.counters, rules: base.rules,
            notices: NoticeRules(channels: [.sms], kinds: [.called, .recalled]))
        let test = try await TestApp(site: site)
        _ = try await test.store.accounts.addStaff(
            NewStaff(login: "wang", name: "王芳", role: .staff, siteID: "hall", counters: [3], password: "window-three-pass"), cost: 4)
        try await test.run { client in
            let staff = try await client.signIn()
            let code = test.presence.current(site: "hall")
            let body = #"{"service": "consult", "phone": "13812345678", "notify": "sms", "presence": "\#(code)"}"#
            #expect(try await client.post("/api/v1/sites/hall/tickets", json: body).status == .created)
            _ = try await client.take("consult", presence: code)
            let called = try await client.post("/api/v1/counters/hall/3/call-next", json: "", headers: staff)
            #expect(called.status == .ok, "\(called.json)")
            func reminder() async throws -> String? {
                try await test.boardCaughtUp()
                let view = try await client.get("/api/v1/counters/hall/3", headers: staff)
                return (view.json["reminder"] as? [String: Any])?["text"] as? String
            }
            let queued = try await reminder()
            #expect(queued == "最近一条短信提醒：叫号，发送中")
            // The provider unreachable: said so, in words, while it is retried.
            var claimed = try await test.store.notices.claim(site: "hall", channel: .sms, limit: 4, lease: 15, publicURL: "")
            #expect(claimed.map(\.notice.kind) == [.called])
            _ = try await test.store.notices.failed(claimed[0].notice, .unreachable, error: "connection refused (is the receiver running?)")
            let failing = try await reminder()
            #expect(failing == "最近一条短信提醒：叫号，未送达（无法连接短信服务），正在重试")
            test.clock.advance(by: 2)
            claimed = try await test.store.notices.claim(site: "hall", channel: .sms, limit: 4, lease: 15, publicURL: "")
            try await test.store.notices.settle(claimed[0].notice.id, .sent, attempted: true)
            let sent = try await reminder()
            #expect(sent == "最近一条短信提醒：叫号，已发送 10:00")
            // Found by a walk: with a reminder the ETag carried a part outside its quotes, and every
            // long-poll answered 304 at once. Now it is one quoted value, and the poll waits.
            let shown = try await client.get("/api/v1/counters/hall/3", headers: staff)
            let etag = try #require(shown.headers[.eTag])
            #expect(etag.hasPrefix("\"") && etag.hasSuffix("\"") && etag.dropFirst().dropLast().allSatisfy { $0 != "\"" }, "\(etag)")
            async let woken = client.get("/api/v1/counters/hall/3?wait=10", headers: staff.ifNoneMatch(etag))
            try await test.parked()
            #expect(try await client.post("/api/v1/counters/hall/3/recall", json: "", headers: staff).status == .ok)
            #expect(try await woken.status == .ok, "woken by the recall, not answered 304 at once")
            // The next visitor chose no reminder: the window is told so, not shown the last one's.
            for action in ["start", "complete", "call-next"] {
                #expect(try await client.post("/api/v1/counters/hall/3/\(action)", json: "", headers: staff).status == .ok, "\(action)")
            }
            let none = try await reminder()
            #expect(none == "未选择短信提醒")
        }
    }

    /// Found by a walk: the take page's reminder box promised "快到我时、叫到我时各发一条" for a
    /// business type that is sent only the call; a booking's box spoke of a ticket's erasure.
    @Test func theReminderBoxSaysWhatEachBusinessTypeIsSent() async throws {
        let base = BookingHTTPTests.site()
        let site = Site(
            id: base.id, name: base.name, services: base.services, counters: base.counters, rules: base.rules, booking: base.booking,
            notices: NoticeRules(channels: [.sms], kinds: [.near, .called, .booked], kindsByService: ["consult": [.called]]))
        let test = try await TestApp(site: site)
        try await test.run { client in
            let page = try await client.get("/s/hall?p=\(test.presence.current(site: "hall"))")
            expectText(page.text, #"value="consult" data-identity="none" data-phone="none" data-sms="短信提醒我：叫到我时发一条""#)
            expectText(page.text, #"data-sms="短信提醒我：快到我时、叫到我时各发一条""#)
            // Before a choice (and without JavaScript): what the hall sends.
            expectText(page.text, #"<span id="notify-label">短信提醒我：快到我时、叫到我时各发一条</span>"#)
            let book = try await client.get("/s/hall/book")
            expectText(book.text, #"<p class="hint">勾选才会发送。手机号只用于本次预约的两条提醒"#)
            expectText(book.text, lacks: #"<p class="hint">勾选才会发送。手机号只用于本次提醒"#)
        }
    }

    @Test func theConsoleShowsTheHeldTicketQueuesAndTodaysRating() async throws {
        let test = try await TestApp.withWindowThreeStaff()
        try await test.run { client in
            let staff = try await client.signIn()
            let code = test.presence.current(site: "hall")
            var tokens: [String] = []
            for identity in ["91350100M000100Y43", "91110000600037341L"] {
                tokens.append(try #require(try await client.take("general", identity: identity, presence: code).json["token"] as? String))
            }
            let idle = try await client.get("/api/v1/counters/hall/3", headers: staff)
            #expect(idle.status == .ok)
            #expect(idle.headers[.cacheControl] == "no-store")
            #expect(idle.json["current"] == nil)
            let queues = try #require(idle.json["queues"] as? [[String: Any]])
            #expect(queues.map { $0["service"] as? String } == ["general", "personal", "consult"], "this window's services, in order")
            #expect(queues.first?["waiting"] as? Int == 2)
            #expect(queues.first?["next"] as? String == "A001")

            // A long-poll with the current ETag is woken by the call.
            let etag = try #require(idle.headers[.eTag])
            test.clock.advance(by: 90)
            async let woken = client.get("/api/v1/counters/hall/3?wait=10", headers: staff.ifNoneMatch(etag))
            try await test.parked()
            _ = try await client.post("/api/v1/counters/hall/3/call-next", json: "", headers: staff)
            let view = try await woken
            #expect(view.status == .ok)
            let current = try #require(view.json["current"] as? [String: Any])
            #expect(current["number"] as? String == "A001")
            #expect(current["identity_masked"] as? String == "9135***********Y43")
            #expect(current["waited_seconds"] as? Int == 90)
            let calls = try #require(view.json["recent_calls"] as? [[String: Any]])
            #expect(calls.map { $0["number"] as? String } == ["A001"])
            let unchanged = try await client.get("/api/v1/counters/hall/3", headers: staff.ifNoneMatch(view.headers[.eTag] ?? ""))
            #expect(unchanged.status == .notModified)

            // Two tickets served and rated 4 and 5: the window's average today is 4.5.
            for (index, token) in tokens.enumerated() {
                if index > 0 { _ = try await client.post("/api/v1/counters/hall/3/call-next", json: "", headers: staff) }
                _ = try await client.post("/api/v1/counters/hall/3/start", json: "", headers: staff)
                _ = try await client.post("/api/v1/counters/hall/3/complete", json: "", headers: staff)
                let rated = try await client.post("/api/v1/tickets/\(token)/rating", json: "{\"score\": \(4 + index)}")
                #expect(rated.status == .ok)
            }
            let after = try await client.get("/api/v1/counters/hall/3", headers: staff)
            let rating = try #require(after.json["rating"] as? [String: Any])
            #expect(rating["average"] as? Double == 4.5)
            #expect(rating["count"] as? Int == 2)
            #expect(after.json["served_today"] as? Int == 2)
            let ratings = try await test.store.audit(AuditQuery(siteID: "hall", action: "complete")).map(\.initiatorName)
            #expect(ratings == ["wang", "wang"], "ratings are kept against the staff member who completed the ticket")
        }
    }

    @Test func everyActionRefusesWithACodeAndAStatus() async throws {
        let test = try await TestApp.withWindowThreeStaff()
        try await test.run { client in
            let staff = try await client.signIn()
            func post(_ action: String, _ body: String = "") async throws -> TestResponse {
                try await client.post("/api/v1/counters/hall/3/\(action)", json: body, headers: staff)
            }
            func expectRefusal(
                _ response: TestResponse, _ status: HTTPResponse.Status, _ code: String, sourceLocation: SourceLocation = #_sourceLocation
            ) {
                #expect(response.status == status, sourceLocation: sourceLocation)
                #expect(response.json["code"] as? String == code, sourceLocation: sourceLocation)
                #expect((response.json["detail"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
            }
            expectRefusal(try await post("call-next"), .conflict, "queue.empty")
            expectRefusal(try await post("recall"), .conflict, "counter.idle")
            expectRefusal(try await post("resume"), .conflict, "counter.not_paused")
            expectRefusal(try await post("transfer", #"{"service": "consult"}"#), .conflict, "counter.idle")
            expectRefusal(try await post("call-next", "{not json"), .badRequest, "request.invalid")
            expectRefusal(
                try await client.post("/api/v1/counters/hall/9/call-next", json: "", headers: try await admin(test, client)), .notFound,
                "counter.not_found")

            let code = test.presence.current(site: "hall")
            for _ in 0..<2 { _ = try await client.take("consult", presence: code) }
            let called = try await post("call-next")
            let id = try #require(called.json["id"] as? Int)
            // No-show only after the recalls and the grace period; the message says what is left.
            let early = try await post("no-show", "{\"expecting\": \(id)}")
            expectRefusal(early, .conflict, "ticket.no_show_too_early")
            #expect(early.json["detail"] as? String == "H001 号还需再呼叫 2 次并等待 60 秒，才能记为过号。")
            // A console that shows another ticket than the window holds is refused, not obeyed.
            expectRefusal(try await post("recall", "{\"expecting\": \(id + 1)}"), .conflict, "ticket.stale")
            expectRefusal(try await post("transfer", #"{"service": "consult"}"#), .conflict, "ticket.transfer_same_service")
            expectRefusal(try await post("transfer", #"{"service": "nowhere"}"#), .notFound, "service.not_found")
            for _ in 0..<2 { #expect(try await post("recall", "{\"expecting\": \(id)}").status == .ok) }
            // Only what is still needed (found by a walk: "再呼叫 0 次").
            let waiting = try await post("no-show", "{\"expecting\": \(id)}")
            expectRefusal(waiting, .conflict, "ticket.no_show_too_early")
            #expect(waiting.json["detail"] as? String == "H001 号还需等待 60 秒，才能记为过号。")
            test.clock.advance(by: 61)
            let gone = try await post("no-show", "{\"expecting\": \(id)}")
            #expect(gone.status == .ok)
            #expect(gone.json["state"] as? String == "no_show")
            expectRefusal(try await post("complete", "{\"expecting\": \(id)}"), .conflict, "ticket.invalid_transition")

            #expect(try await post("pause").status == .ok)
            expectRefusal(try await post("pause"), .conflict, "counter.paused")
            expectRefusal(try await post("call-next"), .conflict, "counter.paused")
            #expect(try await post("resume").json["status"] as? String == "open")
            #expect(try await post("call-next").json["number"] as? String == "H002")
        }
    }

    @Test func callingANumberOutOfTurn() async throws {
        let test = try await TestApp.withWindowThreeStaff()
        try await test.run { client in
            let staff = try await client.signIn()
            let code = test.presence.current(site: "hall")
            for _ in 0..<2 { _ = try await client.take("consult", presence: code) }
            let missing = try await client.post("/api/v1/counters/hall/3/call", json: "{}", headers: staff)
            #expect(missing.status == .badRequest)
            #expect(missing.json["code"] as? String == "request.invalid")
            let called = try await client.post("/api/v1/counters/hall/3/call", json: #"{"number": "h002"}"#, headers: staff)
            #expect(called.status == .ok)
            #expect(called.json["number"] as? String == "H002")
            let busy = try await client.post("/api/v1/counters/hall/3/call", json: #"{"number": "H001"}"#, headers: staff)
            #expect(busy.status == .conflict)
            #expect(busy.json["code"] as? String == "counter.busy")
            #expect(busy.json["detail"] as? String == "3 号窗口正在办理 H002，请先办结或标记过号。")
            let unknown = try await client.post("/api/v1/counters/hall/4/call", json: #"{"number": "H009"}"#, headers: try await admin(test, client))
            #expect(unknown.status == .notFound)
        }
    }

    @Test func staffIssueForAVisitorWithoutAPhoneAndOverridesAreAudited() async throws {
        let test = try await TestApp.withWindowThreeStaff()
        try await test.run { client in
            let staff = try await client.signIn()
            // No presence code needed at the window; a failing check character is refused unless overridden.
            let refused = try await client.post(
                "/api/v1/counters/hall/3/issue", json: #"{"service": "general", "identity": "91350100M000100Y4Z"}"#, headers: staff)
            #expect(refused.status == .badRequest)
            #expect(refused.json["code"] as? String == "identity.checksum")
            let issued = try await client.post(
                "/api/v1/counters/hall/3/issue",
                json: #"{"service": "general", "identity": "91350100M000100Y4Z", "identity_override": true, "priority": "green"}"#, headers: staff)
            #expect(issued.status == .created)
            let ticket = try #require(issued.json["ticket"] as? [String: Any])
            #expect(ticket["number"] as? String == "A001")
            #expect(ticket["channel"] as? String == "staff")
            #expect(ticket["priority"] as? String == "green")
            #expect((issued.json["url"] as? String)?.hasPrefix("https://q.example.cn/t/") == true)
            let booked = try await client.post(
                "/api/v1/counters/hall/3/issue", json: #"{"service": "consult", "priority": "appointment"}"#, headers: staff)
            #expect(booked.status == .badRequest)

            // The override is in the audit with who did it.
            let boss = try await admin(test, client)
            let audit = try await client.get("/api/v1/audit?site=hall&day=2026-11-25&action=issue", headers: boss)
            #expect(audit.status == .ok)
            let entries = try #require(audit.json["entries"] as? [[String: Any]])
            #expect(entries.count == 1)
            #expect(entries.first?["number"] as? String == "A001")
            #expect(entries.first?["initiator_name"] as? String == "wang")
            #expect(entries.first?["detail"] as? String == "identity checksum overridden by staff")
        }
    }

    @Test func theAuditIsForAdminsAndChecksItsFilters() async throws {
        let test = try await TestApp.withWindowThreeStaff()
        try await test.run { client in
            let staff = try await client.signIn()
            let forbidden = try await client.get("/api/v1/audit", headers: staff)
            #expect(forbidden.status == .forbidden)
            #expect(forbidden.json["code"] as? String == "auth.forbidden")
            _ = try await client.post("/api/v1/counters/hall/3/pause", json: "", headers: staff)
            let boss = try await admin(test, client)
            let paused = try await client.get("/api/v1/audit?site=hall&counter=3", headers: boss)
            let entries = try #require(paused.json["entries"] as? [[String: Any]])
            #expect(entries.map { $0["action"] as? String } == ["pause"])
            #expect(entries.first?["kind"] as? String == "counter")
            let logins = try await client.get("/api/v1/audit?staff=wang&action=login", headers: boss)
            #expect((logins.json["entries"] as? [[String: Any]])?.count == 1)
            // `today` as the CLI takes it: the site's today (it was refused as a bad day).
            let today = try await client.get("/api/v1/audit?site=hall&day=today&action=pause", headers: boss)
            #expect(today.status == .ok)
            #expect((today.json["entries"] as? [[String: Any]])?.map { $0["action"] as? String } == ["pause"])
            let yesterday = try await client.get("/api/v1/audit?site=hall&day=2026-11-24&action=pause", headers: boss)
            #expect((yesterday.json["entries"] as? [[String: Any]])?.isEmpty == true)
            for bad in [
                "day=2026-13-01&site=hall", "day=2026-11-25", "day=today", "day=yesterday&site=hall", "counter=three", "limit=0", "site=nowhere",
            ] {
                let refused = try await client.get("/api/v1/audit?\(bad)", headers: boss)
                #expect(refused.status == (bad == "site=nowhere" ? .notFound : .badRequest), "\(bad)")
            }
        }
    }

    @Test func bearerTokensActLikeTheirRoleAndStopWhenRevoked() async throws {
        let test = try await TestApp.withWindowThreeStaff()
        let (token, record) = try await test.store.accounts.createToken(name: "printer", role: .staff, siteID: "hall", counters: [3])
        try await test.run { client in
            let bearer: HTTPFields = [.authorization: "Bearer \(token)"]
            let code = test.presence.current(site: "hall")
            _ = try await client.take("consult", presence: code)
            let me = try await client.get("/api/v1/auth/me", headers: bearer)
            #expect(me.json["name"] as? String == "printer")
            #expect(me.json["login"] == nil)
            // No Origin needed: a browser never sends a bearer token by itself.
            let called = try await client.post("/api/v1/counters/hall/3/call-next", json: "", headers: bearer)
            #expect(called.json["number"] as? String == "H001")
            let log = try await test.store.audit(AuditQuery(siteID: "hall", action: "call"))
            #expect(log.first?.initiator == "token:\(record.id)")
            #expect(log.first?.initiatorName == "printer")
            try await test.store.accounts.revokeToken(id: record.id)
            #expect(try await client.post("/api/v1/counters/hall/3/recall", json: "", headers: bearer).status == .unauthorized)
        }
    }

    @Test func signInFormPickerConsoleAndSignOut() async throws {
        let test = try await TestApp.withWindowThreeStaff()
        try await test.run { client in
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .origin: TestApp.origin, .accept: "text/html"]
            let page = try await client.get("/staff/login?next=%2Fstaff%2Fhall%2F3")
            #expect(page.status == .ok)
            #expect(page.text.contains(#"name="next" value="/staff/hall/3""#))

            let refused = try await client.execute(
                uri: "/staff/login", method: .post, headers: form, body: ByteBuffer(string: "login=wang&password=nope-nope-nope&next=/staff"))
            // Post, redirect, get: Back never sends the password again.
            #expect(refused.status == .seeOther && refused.headers[.setCookie] == nil)
            let wrong = try await client.following(refused)
            #expect(wrong.status == .unauthorized)
            #expect(wrong.text.contains("value=\"wang\"") && !wrong.text.contains("nope-nope-nope"))
            #expect(wrong.text.contains("账号或密码不正确"))
            #expect(wrong.headers[.setCookie] == nil)

            // Only our own staff pages are places to go back to.
            let signedIn = try await client.execute(
                uri: "/staff/login", method: .post, headers: form,
                body: ByteBuffer(string: "login=wang&password=window-three-pass&next=https%3A%2F%2Fevil.example%2F"))
            #expect(signedIn.status == .seeOther)
            #expect(signedIn.headers[.location] == "/staff")
            let cookie = try #require(signedIn.headers[.setCookie])
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Secure"))
            let session: HTTPFields = [.cookie: String(cookie.split(separator: ";")[0]), .accept: "text/html"]

            let picker = try await client.get("/staff", headers: session)
            #expect(picker.status == .seeOther, "one window: straight to it")
            #expect(picker.headers[.location] == "/staff/hall/3")
            let console = try await client.get("/staff/hall/3", headers: session)
            #expect(console.status == .ok)
            #expect(console.text.contains("3 号窗口"))
            #expect(console.text.contains("<kbd>F1</kbd>叫下一位"))
            #expect(try await client.get("/staff/hall/4", headers: session).status == .forbidden)
            #expect(try await client.get("/staff/hall/9", headers: [.cookie: session[.cookie]!, .authorization: ""]).status != .ok)

            var out = session
            out[.origin] = TestApp.origin
            let signedOut = try await client.execute(uri: "/staff/logout", method: .post, headers: out)
            #expect(signedOut.status == .seeOther)
            #expect(signedOut.headers[.setCookie]?.contains("Max-Age=0") == true)
            let after = try await client.get("/staff/hall/3", headers: session)
            #expect(after.status == .seeOther, "the old cookie no longer works")
        }
    }

    @Test func adminsChooseAmongEveryWindow() async throws {
        let test = try await TestApp.withWindowThreeStaff()
        try await test.run { client in
            let boss = try await admin(test, client)
            let picker = try await client.get("/staff?lang=en", headers: [.cookie: boss[.cookie]!, .accept: "text/html"])
            #expect(picker.status == .ok)
            #expect(picker.text.contains(#"href="/staff/hall/3?lang=en""#))
            #expect(picker.text.contains(#"href="/staff/hall/4?lang=en""#))
            #expect(picker.text.contains("Choose your window"))
        }
    }

    func admin(_ test: TestApp, _ client: any TestClientProtocol) async throws -> HTTPFields {
        if try await test.store.accounts.staffAccounts().contains(where: { $0.login == "boss" }) == false {
            _ = try await test.store.accounts.addStaff(Self.admin, cost: 4)
        }
        return try await client.signIn("boss", "administrator-pass")
    }
}
