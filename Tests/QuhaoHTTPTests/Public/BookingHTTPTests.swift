import Foundation
import Hummingbird
import HummingbirdTesting
import Presence
import QuhaoCore
import QuhaoHTTP
import QuhaoStore
import Testing

/// Booking over HTTP: the slots API, the JSON routes with their refusals, and the pages without
/// JavaScript from booking to the priority ticket.
@Suite struct BookingHTTPTests {
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// The test hall with bookable general business (every day 09:00–17:00, 30 min, 2 places,
    /// cut-off 30 min). The clock stands at Wednesday 2026-11-25 10:00 in Shanghai.
    static func site() -> Site {
        let base = TestApp.site()
        let hours = OpeningHours(days: Set(Weekday.allCases), periods: [.init(start: TimeOfDay("09:00")!, end: TimeOfDay("17:00")!)])
        let general = Service(
            id: "general", prefix: "A", name: LocalizedText(zh: "综合业务", en: "General"), identity: .uscc,
            appointments: AppointmentRules(slotMinutes: 30, capacity: 2, daysAhead: 3, cutoffMinutes: 30, hours: hours))
        return Site(
            id: base.id, name: base.name, services: [general] + base.services.dropFirst(), counters: base.counters, rules: base.rules,
            booking: BookingRules(checkInEarlyMinutes: 15, noShowLimit: 3))
    }

    /// 2026-11-25 in Shanghai at a time, as the API writes it.
    static func start(_ hour: Int, _ minute: Int = 0) -> String {
        let date = Calendar.gregorian(in: TimeZone(identifier: "Asia/Shanghai")!).date(
            from: DateComponents(year: 2026, month: 11, day: 25, hour: hour, minute: minute))!
        return ISO8601DateFormatter().string(from: date)
    }

    @Test func slotsAndBookingsOverJSON() async throws {
        let test = try await TestApp(site: Self.site())
        try await test.run { client in
            let slots = try await client.get("/api/v1/sites/hall/slots?service=A")
            #expect(slots.status == .ok)
            let list = try #require(slots.json["slots"] as? [[String: Any]])
            #expect(list.count == 16)
            #expect(slots.json["days"] as? [String] == ["2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28"])
            // 10:00 has passed its cut-off (09:30); 10:30 closed at 10:00 exactly: bookable; 11:00 too.
            #expect(list[2]["time"] as? String == "10:00–10:30" && list[2]["reason"] as? String == "slot.closed")
            #expect(list[3]["bookable"] as? Bool == true && list[3]["left"] as? Int == 2)

            let body = #"{"service": "general", "start": "\#(Self.start(11))", "identity": "91350100M000100Y43", "phone": "13912345678"}"#
            let booked = try await client.post("/api/v1/sites/hall/bookings", json: body)
            #expect(booked.status == .created)
            let token = try #require(booked.json["token"] as? String)
            #expect(booked.headers[.location] == "/api/v1/bookings/\(token)")
            let view = try #require(booked.json["booking"] as? [String: Any])
            #expect(view["status"] as? String == "booked" && view["time"] as? String == "11:00–11:30")
            #expect(view["identity"] as? String == "9135***********Y43" && view["phone"] as? String == "139****5678")
            #expect(view["url"] as? String == "\(TestApp.origin)/b/\(token)")
            // The same person again that day: refused, and the slot shows one place left.
            let again = try await client.post(
                "/api/v1/sites/hall/bookings", json: body.replacingOccurrences(of: Self.start(11), with: Self.start(12)))
            #expect(again.status == .conflict && again.json["code"] as? String == "booking.duplicate")
            let after = try #require(
                try await client.get("/api/v1/sites/hall/slots?service=general&day=2026-11-25").json["slots"] as? [[String: Any]])
            #expect(after[4]["left"] as? Int == 1 && after[4]["booked"] as? Int == 1)

            // Refusals, each with its code and status.
            let refusals: [(String, String?, HTTPResponse.Status, String)] = [
                ("/api/v1/sites/hall/slots", nil, .badRequest, "request.invalid"),
                ("/api/v1/sites/hall/slots?service=", nil, .badRequest, "request.invalid"),
                ("/api/v1/sites/hall/slots?service=A&day=tomorrow", nil, .badRequest, "request.invalid"),
                ("/api/v1/sites/hall/slots?service=A&day=", nil, .badRequest, "request.invalid"),
                ("/api/v1/sites/hall/slots?service=consult", nil, .conflict, "booking.not_offered"),
                ("/api/v1/sites/nowhere/slots?service=A", nil, .notFound, "site.not_found"),
                (
                    "/api/v1/sites/hall/bookings", #"{"service": "general", "start": "\#(Self.start(11))", "identity": "91350100M000100Y43"}"#,
                    .badRequest, "phone.required"
                ),
                ("/api/v1/sites/hall/bookings", #"{"service": "general", "start": "soon", "phone": "13912345678"}"#, .badRequest, "request.invalid"),
                (
                    "/api/v1/sites/hall/bookings",
                    #"{"service": "general", "start": "\#(Self.start(11, 10))", "identity": "91350100M000100Y43", "phone": "13912345678"}"#,
                    .badRequest, "slot.not_offered"
                ),
                (
                    "/api/v1/sites/hall/bookings",
                    #"{"service": "general", "start": "\#(Self.start(10))", "identity": "91110000600037341L", "phone": "13912345670"}"#, .conflict,
                    "slot.closed"
                ),
                ("/api/v1/bookings/unknown/cancel", "{}", .notFound, "booking.not_found"),
            ]
            for (uri, json, status, code) in refusals {
                let response = json == nil ? try await client.get(uri) : try await client.post(uri, json: json!)
                #expect(response.status == status && response.json["code"] as? String == code, "\(uri): \(response.text)")
            }
            let other = #"{"service": "general", "start": "\#(Self.start(11))", "identity": "91110000600037341L", "phone": "13912345670"}"#
            #expect(try await client.post("/api/v1/sites/hall/bookings", json: other).status == .created)
            let full = try await client.post(
                "/api/v1/sites/hall/bookings",
                json: #"{"service": "general", "start": "\#(Self.start(11))", "identity": "92340602MA2PBMEM24", "phone": "13912345671"}"#)
            #expect(full.status == .conflict && full.json["code"] as? String == "slot.full")

            // Check-in: too early, then without a hall code, then on time with one.
            let early = try await client.post("/api/v1/bookings/\(token)/checkin", json: #"{"presence": "\#(test.presence.current(site: "hall"))"}"#)
            #expect(early.status == .conflict && early.json["code"] as? String == "booking.too_early")
            #expect((early.json["detail"] as? String)?.contains("10:45") == true)
            test.clock.advance(by: 50 * 60)
            let away = try await client.post("/api/v1/bookings/\(token)/checkin", json: "{}")
            #expect(away.status == .forbidden && away.json["code"] as? String == "presence.required")
            let here = try await client.post("/api/v1/bookings/\(token)/checkin", json: #"{"presence": "\#(test.presence.current(site: "hall"))"}"#)
            #expect(here.status == .created)
            #expect(here.json["late"] as? Bool == false)
            let ticket = try #require(here.json["ticket"] as? [String: Any])
            #expect(ticket["number"] as? String == "A001")
            let ticketView = try await client.get("/api/v1/tickets/\(ticket["token"] as! String)")
            #expect(ticketView.json["priority"] as? String == "appointment")
            #expect((try await client.get("/api/v1/bookings/\(token)")).json["status"] as? String == "checked_in")
        }
    }

    @Test func bookingPagesWorkWithoutJavaScript() async throws {
        let test = try await TestApp(site: Self.site())
        try await test.run { client in
            let take = try await client.get("/s/hall")
            expectText(take.text, #"href="/s/hall/book""#)
            let page = try await client.get("/s/hall/book")
            #expect(page.status == .ok)
            // One bookable business type: chosen at once; today's slots from 10:30 on can be taken.
            expectText(page.text, "综合业务")
            expectText(page.text, #"value="\#(Self.start(10, 30))""#)
            expectText(page.text, #"<input type="radio" name="start" value="\#(Self.start(10))" disabled"#)
            expectText(page.text, "11-26 周四")

            let refused = try await client.execute(
                uri: "/s/hall/book", method: .post, headers: Self.form,
                body: ByteBuffer(string: "service=general&start=\(Self.start(11))&identity=91350100M000100Y4Z&phone=13912345678"))
            #expect(refused.status == .badRequest)
            expectText(refused.text, "校验位不正确")
            expectText(refused.text, #"value="91350100M000100Y4Z""#)
            expectText(refused.text, #"value="\#(Self.start(11))" checked"#)

            let booked = try await client.execute(
                uri: "/s/hall/book", method: .post, headers: Self.form,
                body: ByteBuffer(string: "service=general&start=\(Self.start(11))&identity=91350100M000100Y43&phone=13912345678"))
            #expect(booked.status == .seeOther)
            let location = try #require(booked.headers[.location])
            let cookie = try #require(booked.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            let token = String(location.dropFirst(3))
            let bookingPage = try await client.get(location)
            expectText(bookingPage.text, "2026-11-25（周三）11:00–11:30")
            expectText(bookingPage.text, "10:45 起可签到")
            expectText(bookingPage.text, lacks: "check-in-form")
            expectText(bookingPage.text, #"href="/b/\#(token)/calendar.ics""#)
            expectText(bookingPage.text, #"src="/qr/bookings/\#(token).svg""#)

            let calendar = try await client.get("/b/\(token)/calendar.ics")
            #expect(calendar.headers[.contentType] == "text/calendar; charset=utf-8")
            expectText(calendar.text, "DTSTART:20261125T030000Z\r\n")
            expectText(calendar.text, "UID:\(token)@quhao")
            #expect(calendar.text.split(separator: "\r\n").allSatisfy { $0.utf8.count <= 75 })
            let qr = try await client.get("/qr/bookings/\(token).svg")
            #expect(qr.status == .ok && qr.headers[.contentType] == "image/svg+xml; charset=utf-8")

            // In the hall (the code of the hall QR), on time: the take page offers this phone's booking.
            test.clock.advance(by: 50 * 60)
            let code = test.presence.current(site: "hall")
            let arrived = try await client.get("/s/hall?p=\(code)", headers: [.cookie: cookie])
            expectText(arrived.text, "您预约了今天 11:00–11:30「综合业务」")
            expectText(arrived.text, #"action="/b/\#(token)/checkin""#)
            let checkedIn = try await client.execute(
                uri: "/b/\(token)/checkin", method: .post, headers: Self.form, body: ByteBuffer(string: "presence=\(code)"))
            #expect(checkedIn.status == .seeOther)
            let ticketLocation = try #require(checkedIn.headers[.location])
            #expect(!ticketLocation.contains("late"))
            let ticket = try await client.get(ticketLocation)
            expectText(ticket.text, "A001")
            expectText(ticket.text, "预约号：在您预约的时段内优先叫号。")
            let done = try await client.get(location)
            expectText(done.text, "已签到")
            expectText(done.text, "查看我的号 A001")
        }
    }

    /// Found by a walk: at a hall whose QR proves nothing (presence none), the booking pages told
    /// the visitor to scan it; there check-in is the booking page's own button.
    @Test func aHallWithoutPresenceChecksSaysToCheckInOnTheBookingPage() async throws {
        let base = Self.site()
        var rules = base.rules
        rules.presence = .none
        let site = Site(
            id: base.id, name: base.name, services: base.services, counters: base.counters, rules: rules, booking: base.booking)
        let test = try await TestApp(site: site)
        try await test.run { client in
            let page = try await client.get("/s/hall/book")
            expectText(page.text, "到厅后打开本预约页")
            // (The page's script strings hold the remote ticket's words; the rules said are the hall's.)
            expectText(page.text, lacks: "到厅后扫描大厅二维码签到")
            let booked = try await client.execute(
                uri: "/s/hall/book", method: .post, headers: Self.form,
                body: ByteBuffer(string: "service=general&start=\(Self.start(11))&identity=91350100M000100Y43&phone=13912345678"))
            let bookingPage = try await client.get(try #require(booked.headers[.location]))
            expectText(bookingPage.text, "到达大厅后，在本页点“我已到达，签到取号”")
            expectText(bookingPage.text, lacks: "用手机扫描大厅屏幕上的二维码签到取号")
            expectText(bookingPage.text, "check-in-form")
        }
    }

    @Test func lateEarlyAndCancelOnThePages() async throws {
        let test = try await TestApp(site: Self.site())
        try await test.run { client in
            func book(_ hour: Int, _ identity: String, _ phone: String) async throws -> String {
                let response = try await client.execute(
                    uri: "/s/hall/book", method: .post, headers: Self.form,
                    body: ByteBuffer(string: "service=general&start=\(Self.start(hour))&identity=\(identity)&phone=\(phone)"))
                return String(try #require(response.headers[.location]).dropFirst(3))
            }
            let first = try await book(11, "91350100M000100Y43", "13912345678")
            let second = try await book(12, "91110000600037341L", "13912345679")
            let code = test.presence.current(site: "hall")
            // Early: the page says when check-in opens and nothing changes.
            let early = try await client.execute(
                uri: "/b/\(first)/checkin", method: .post, headers: Self.form, body: ByteBuffer(string: "presence=\(code)"))
            #expect(early.status == .conflict)
            expectText(early.text, "还没到签到时间：10:45 起可签到")
            // Cancel asks first, then cancels (before the cut-off).
            let ask = try await client.execute(uri: "/b/\(second)/cancel", method: .post, headers: Self.form, body: ByteBuffer(string: ""))
            #expect(ask.status == .seeOther && ask.headers[.location] == "/b/\(second)?confirm=cancel")
            expectText(try await client.get("/b/\(second)?confirm=cancel").text, "确定取消 2026-11-25（周三）12:00–12:30 的预约吗？")
            let cancelled = try await client.execute(
                uri: "/b/\(second)/cancel", method: .post, headers: Self.form, body: ByteBuffer(string: "confirmed=yes"))
            #expect(cancelled.status == .seeOther)
            expectText(try await client.get("/b/\(second)").text, "已取消")
            // Late: a normal ticket and the page says so.
            test.clock.advance(by: 91 * 60)
            let late = try await client.execute(
                uri: "/b/\(first)/checkin", method: .post, headers: Self.form,
                body: ByteBuffer(string: "presence=\(test.presence.current(site: "hall"))"))
            let location = try #require(late.headers[.location])
            #expect(location.hasSuffix("?late=1"))
            let ticket = try await client.get(location)
            expectText(ticket.text, "您在预约时段结束后签到，已按普通号排队。")
            expectText(ticket.text, lacks: #"id="appointment""#)
        }
    }

    /// The window's console lists today's bookings per slot, and a new booking changes its ETag.
    @Test func theConsoleShowsTodaysBookings() async throws {
        let test = try await TestApp(site: Self.site())
        _ = try await test.store.accounts.addStaff(
            NewStaff(login: "wang", name: "王芳", role: .staff, siteID: "hall", counters: [3], password: "window-three-pass"), cost: 4)
        try await test.run { client in
            let session = try await client.signIn()
            let before = try await client.get("/api/v1/counters/hall/3", headers: session)
            #expect(before.json["bookings"] == nil)
            let etag = try #require(before.headers[.eTag])
            for (identity, phone) in [("91350100M000100Y43", "13912345678"), ("91110000600037341L", "13912345679")] {
                let body = #"{"service": "general", "start": "\#(Self.start(11))", "identity": "\#(identity)", "phone": "\#(phone)"}"#
                #expect(try await client.post("/api/v1/sites/hall/bookings", json: body).status == .created)
            }
            let after = try await client.get("/api/v1/counters/hall/3", headers: session.ifNoneMatch(etag))
            #expect(after.status == .ok, "a booking changes the console")
            let slots = try #require(after.json["bookings"] as? [[String: Any]])
            #expect(slots.count == 1)
            #expect(slots[0]["time"] as? String == "11:00–11:30" && slots[0]["booked"] as? Int == 2 && slots[0]["capacity"] as? Int == 2)
            #expect(slots[0]["arrived"] as? Int == 0 && slots[0]["missed"] as? Int == 0)
            let same = try await client.get("/api/v1/counters/hall/3", headers: session.ifNoneMatch(try #require(after.headers[.eTag])))
            #expect(same.status == .notModified)
            let page = try await client.get("/staff/hall/3", headers: session)
            expectText(page.text, #"id="bookings""#)
        }
    }

    /// Booked on a computer; in the hall the phone scans the hall QR, then opens the booking's link
    /// (from a message or the calendar): the take page's code, remembered two minutes, lets it check in.
    @Test func aBookingMadeElsewhereChecksInFromItsLinkInTheHall() async throws {
        let test = try await TestApp(site: Self.site())
        try await test.run { client in
            let body = #"{"service": "general", "start": "\#(Self.start(11))", "identity": "91350100M000100Y43", "phone": "13912345678"}"#
            let token = try #require(try await client.post("/api/v1/sites/hall/bookings", json: body).json["token"] as? String)
            test.clock.advance(by: 50 * 60)
            expectText(try await client.get("/b/\(token)").text, lacks: "check-in-form")
            let code = test.presence.current(site: "hall")
            let hall = try await client.get("/s/hall?p=\(code)")
            expectText(hall.text, "在其他设备上预约过？")
            let cookie = try #require(hall.headers[values: .setCookie].first { $0.hasPrefix("qh_hall=") })
            #expect(cookie.contains("Max-Age=120") && cookie.contains("HttpOnly"))
            let remembered: HTTPFields = [.cookie: String(cookie.split(separator: ";")[0])]
            let page = try await client.get("/b/\(token)", headers: remembered)
            expectText(page.text, #"id="check-in-form""#)
            expectText(page.text, #"<input type="hidden" name="presence" value="\#(code)">"#)
            // A cookie of another hall proves nothing; nor does a code that has rotated out.
            let foreign = try await client.get("/b/\(token)", headers: [.cookie: "qh_hall=elsewhere.\(code)"])
            expectText(foreign.text, lacks: "check-in-form")
            test.clock.advance(by: 180)
            expectText(try await client.get("/b/\(token)", headers: remembered).text, lacks: "check-in-form")
            test.clock.advance(by: -180)
            let checkedIn = try await client.execute(
                uri: "/b/\(token)/checkin", method: .post, headers: Self.form, body: ByteBuffer(string: "presence=\(code)"))
            #expect(checkedIn.status == .seeOther)
            expectText(try await client.get("/b/\(token)").text, "已签到")
        }
    }
}
