import Foundation
import Hummingbird
import HummingbirdTesting
import Presence
import QuhaoCore
import QuhaoHTTP
import QuhaoStore
import Testing

/// The kiosk: the display key, one-touch and keypad numbers, the green channel's staff code,
/// nothing of a visitor left for the next, and the paper ticket.
@Suite struct KioskTests {
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    static func site(printer: PrinterSettings? = nil) -> Site {
        let base = TestApp.site()
        return Site(
            id: base.id, name: base.name, services: base.services, counters: base.counters, rules: base.rules, printer: printer,
            kiosk: KioskSettings(greenPIN: "2468", idleSeconds: 30, resultSeconds: 15))
    }

    @Test func theDisplayKeyIsNeeded() async throws {
        let test = try await TestApp(site: Self.site())
        try await test.run { client in
            for uri in ["/kiosk/hall", "/kiosk/hall?key=", "/kiosk/hall?key=000000000000000000000000", "/kiosk/hall/take?service=general"] {
                let page = try await client.get(uri)
                #expect(page.status == .forbidden, "\(uri)")
                expectText(page.text, "此自助终端地址缺少或带有错误的密钥")
            }
            let posed = try await client.execute(
                uri: "/kiosk/hall/take", method: .post, headers: Self.form, body: ByteBuffer(string: "service=consult&key=000000000000000000000000"))
            #expect(posed.status == .forbidden)
            #expect(try await test.store.siteDay(site: "hall").tickets.isEmpty, "nothing issued")
        }
    }

    @Test func oneTouchThenTheKeypadAndNothingLeftForTheNext() async throws {
        let test = try await TestApp(site: Self.site())
        let key = test.presence.displayKey(site: "hall")
        try await test.run { client in
            let home = try await client.get("/kiosk/hall?key=\(key)")
            #expect(home.status == .ok && home.headers[.cacheControl] == "no-store")
            // Enquiries need nothing: a form posting at once; general needs a USCC: a link to the keypad.
            expectText(home.text, #"<input type="hidden" name="service" value="consult">"#)
            expectText(home.text, #"href="/kiosk/hall/take?key=\#(key)&amp;service=general""#)
            // Mondays only: closed on this Wednesday.
            expectText(home.text, #"<span class="tile closed" data-service="mondays">"#)

            let first = try await client.execute(
                uri: "/kiosk/hall/take", method: .post, headers: Self.form, body: ByteBuffer(string: "service=consult&key=\(key)"))
            #expect(first.status == .ok && first.headers[.cacheControl] == "no-store")
            expectText(first.text, #"<p class="number" id="number">H001</p>"#)
            expectText(first.text, #"<meta http-equiv="refresh" content="15;url=/kiosk/hall?key=\#(key)">"#)
            expectText(first.text, "<svg")
            #expect(first.headers[.location] == nil, "the number is in no address")
            let ticket = try #require(try await test.store.siteDay(site: "hall").tickets.first)
            #expect(ticket.channel == .kiosk && ticket.priority == .normal && ticket.state == .waiting)

            // The next visitor's screens hold nothing of the first.
            let keypad = try await client.get("/kiosk/hall/take?key=\(key)&service=general")
            expectText(keypad.text, #"id="keypad""#)
            expectText(keypad.text, #"data-key="X""#)
            expectText(keypad.text, lacks: #"data-key="O""#)
            for page in [try await client.get("/kiosk/hall?key=\(key)"), keypad] { expectText(page.text, lacks: "H001") }

            let wrong = try await client.execute(
                uri: "/kiosk/hall/take", method: .post, headers: Self.form,
                body: ByteBuffer(string: "service=general&identity=91350100M000100Y4Z&key=\(key)"))
            #expect(wrong.status == .badRequest)
            expectText(wrong.text, "校验位不正确")
            expectText(wrong.text, #"value="91350100M000100Y4Z""#)
            let second = try await client.execute(
                uri: "/kiosk/hall/take", method: .post, headers: Self.form,
                body: ByteBuffer(string: "service=general&identity=91350100M000100Y43&key=\(key)"))
            expectText(second.text, #"id="number">A001<"#)
            expectText(second.text, lacks: "H001")
        }
    }

    /// Whoever holds a kiosk's key cannot empty the day's numbers through it: ten at once (a queue
    /// at the screen), then one every 3 s (it issued without any limit before).
    @Test func aKioskIssuesAtAPersonsPace() async throws {
        let base = Self.site()
        let site = Site(
            id: base.id, name: base.name,
            services: base.services + [Service(id: "walkin", prefix: "W", name: LocalizedText(zh: "现场业务", en: "Walk-in"))],
            counters: base.counters, rules: base.rules, kiosk: base.kiosk)
        let test = try await TestApp(site: site)
        let key = test.presence.displayKey(site: "hall")
        try await test.run { client in
            func take() async throws -> TestResponse {
                try await client.execute(
                    uri: "/kiosk/hall/take", method: .post, headers: Self.form, body: ByteBuffer(string: "service=walkin&key=\(key)"))
            }
            for number in 1...10 { #expect(try await take().status == .ok, "number \(number)") }
            let refused = try await take()
            #expect(refused.status == .tooManyRequests)
            #expect(try await test.store.siteDay(site: "hall").tickets.count == 10)
            test.clock.advance(by: 3)
            #expect(try await take().status == .ok)
        }
    }

    @Test func aGreenNumberNeedsTheStaffCode() async throws {
        let test = try await TestApp(site: Self.site())
        let key = test.presence.displayKey(site: "hall")
        try await test.run { client in
            _ = try await client.execute(
                uri: "/kiosk/hall/take", method: .post, headers: Self.form, body: ByteBuffer(string: "service=consult&key=\(key)"))
            let form = try await client.get("/kiosk/hall/take?key=\(key)&service=consult&green=1")
            expectText(form.text, #"name="pin""#)
            func green(_ pin: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/kiosk/hall/take", method: .post, headers: Self.form,
                    body: ByteBuffer(string: "service=consult&green=1&pin=\(pin)&key=\(key)"))
            }
            let refused = try await green("1111")
            #expect(refused.status == .forbidden)
            expectText(refused.text, "确认码不正确")
            let missing = try await green("")
            #expect(missing.status == .forbidden)
            let confirmed = try await green("2468")
            #expect(confirmed.status == .ok)
            expectText(confirmed.text, #"id="number">H002<"#)
            expectText(confirmed.text, "您是下一位")
            let tickets = try await test.store.siteDay(site: "hall").tickets
            #expect(tickets.filter { $0.priority == .green }.map(\.number.description) == ["H002"])
            // Guessing is slow: after five tries in a row, a sixth (even right) waits.
            for _ in 0..<2 { _ = try await green("0000") }
            let limited = try await green("2468")
            #expect(limited.status == .tooManyRequests)
            test.clock.advance(by: 31)
            // The code is taken again; the number is not: the test hall gives two enquiry numbers a day.
            let again = try await green("2468")
            #expect(again.status == .conflict)
            expectText(again.text, "「咨询」今日号源已取完")
        }
    }

    @Test func theKioskPrintsItsNumbers() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("quhao-kiosk-\(UUID().uuidString).bin").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let test = try await TestApp(site: Self.site(printer: PrinterSettings(target: path)))
        let key = test.presence.displayKey(site: "hall")
        try await test.run { client in
            let taken = try await client.execute(
                uri: "/kiosk/hall/take", method: .post, headers: Self.form, body: ByteBuffer(string: "service=consult&key=\(key)"))
            expectText(taken.text, "号票正在打印，请取走")
            try await waitUntil("the slip is written") { (try? Data(contentsOf: URL(fileURLWithPath: path)).count) ?? 0 > 0 }
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(bytes.range(of: Data("H001".utf8)) != nil)
        }
    }
}
