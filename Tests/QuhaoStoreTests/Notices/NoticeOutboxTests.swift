import Foundation
import QuhaoCore
import Testing

@testable import QuhaoStore

/// Messages to visitors who chose them: queued in the transaction of the change they tell of,
/// "almost your turn" once, the clear phone kept only while the ticket lives.
@Suite struct NoticeOutboxTests {
    static var site: Site {
        let base = Fixture.site
        return Site(
            id: base.id, name: base.name, services: base.services, counters: base.counters, rules: base.rules,
            notices: NoticeRules(channels: [.sms], nearPlaces: 2, nearMinutes: 0, maxPerTicket: 4))
    }

    static func store(sites: [Site] = [site]) async throws -> (TicketStore, ManualClock) {
        let clock = ManualClock(Fixture.morning)
        let store = try await TestEngine.store(clock: clock, random: .seeded(7))
        try await store.sync(sites: sites)
        return (store, clock)
    }

    static func take(_ store: TicketStore, phone: String?, notify: Set<NoticeChannel> = [.sms], service: String = "general") async throws -> Ticket {
        try await store.issue(IssueRequest(siteID: "hall", service: service, phone: phone, notify: notify))
    }

    static func rows(_ store: TicketStore) async throws -> [(ticket: Int64, kind: String, outcome: String?)] {
        try await store.read { db in
            try db.rows("SELECT ticket_id, kind, outcome FROM notices ORDER BY id").map { (try $0["ticket_id"], try $0["kind"], try $0["outcome"]) }
        }
    }

    static func contacts(_ store: TicketStore) async throws -> [String] {
        try await store.read { db in try db.values(String.self, "SELECT address FROM notice_contacts ORDER BY ticket_id") }
    }

    @Test func aVisitorWhoChoseTextsGetsTheLinkThenTheCallAndNothingAfterTheTicketEnds() async throws {
        let (store, _) = try await Self.store()
        let ticket = try await Self.take(store, phone: "138 1234 5678")
        #expect(try await Self.contacts(store) == ["13812345678"])
        #expect(try await Self.rows(store).map(\.kind) == ["taken"])
        #expect(try await store.call(1) == ticket.number.description)
        _ = try await store.recall(site: "hall", counter: 1)
        #expect(try await Self.rows(store).map(\.kind) == ["taken", "called", "recalled"])
        _ = try await store.start(site: "hall", counter: 1)
        _ = try await store.complete(site: "hall", counter: 1)
        // Ended: the number in clear is gone, and what was still queued is dropped as ended.
        #expect(try await Self.contacts(store).isEmpty)
        #expect(try await Self.rows(store).map(\.outcome) == ["ended", "ended", "ended"])
        let status = try await store.notices.status(ticket: ticket.id)
        #expect(status.count == 3 && status.allSatisfy { $0.outcome == .ended })
    }

    @Test func nothingIsKeptOrQueuedForAVisitorWhoDidNotChoose() async throws {
        let (store, _) = try await Self.store()
        let ticket = try await store.issue(
            IssueRequest(siteID: "hall", service: "invoice", identity: "91350100M000100Y43", phone: "13812345678"))
        #expect(ticket.phoneMasked == "138****5678")
        #expect(try await Self.contacts(store).isEmpty)
        #expect(try await Self.rows(store).isEmpty)
        _ = try await store.call(1)
        #expect(try await Self.rows(store).isEmpty)
    }

    @Test func choosingTextsNeedsAPhoneAndAHallThatSendsThem() async throws {
        let (store, _) = try await Self.store()
        let missing = await #expect(throws: QuhaoError.self) { try await Self.take(store, phone: nil) }
        #expect(missing?.code == .phoneRequired)
        // The reminder asks for it, not the business type (found by a walk: "办理「短信提醒」需要…").
        #expect(missing.map(Catalogue.of(.zhCN).message(for:)) == "短信提醒需要填写手机号码。")
        let malformed = await #expect(throws: QuhaoError.self) { try await Self.take(store, phone: "1381234") }
        #expect(malformed?.code == .phoneFormat)
        let (silent, _) = try await Self.store(sites: [Fixture.site])
        let unavailable = await #expect(throws: QuhaoError.self) { try await Self.take(silent, phone: "13812345678") }
        #expect(unavailable?.code == .noticeUnavailable)
        #expect(try await Self.contacts(store).isEmpty)
        #expect(try await Self.contacts(silent).isEmpty)
    }

    @Test func almostYourTurnOnceForEachTicketWhenTwoOrFewerAreAhead() async throws {
        let (store, _) = try await Self.store()
        var tickets: [Ticket] = []
        for index in 0..<5 { tickets.append(try await Self.take(store, phone: "1381234567\(index)")) }
        #expect(try await store.notices.planNear(site: "hall") == 3, "0, 1 and 2 ahead")
        #expect(try await store.notices.planNear(site: "hall") == 0, "never twice")
        _ = try await store.call(1)
        // The fourth now has two ahead: its turn for the message; the called one gets "called".
        // Planned from a day already read (the live board's), as the daemon does after a commit.
        let day = try await store.siteDay(site: "hall")
        #expect(try await store.notices.planNear(today: day) == 1)
        #expect(try await store.notices.planNear(today: day) == 0, "never twice, whichever way it is planned")
        let near = try await Self.rows(store).filter { $0.kind == "near" }.map(\.ticket)
        #expect(near == tickets.prefix(4).map(\.id))
        #expect(try await Self.rows(store).filter { $0.kind == "called" }.map(\.ticket) == [tickets[0].id])
        // A cancelled ticket's number is erased at once, and it is sent nothing more.
        _ = try await store.cancel(.token(tickets[4].token))
        #expect(try await !Self.contacts(store).contains("13812345674"))
        _ = try await store.call(2)
        _ = try await store.call(3)
        #expect(try await store.notices.planNear(site: "hall") == 0)
        #expect(try await Self.rows(store).filter { $0.ticket == tickets[4].id }.map(\.kind) == ["taken"])
    }

    /// Found by a walk: the first in line was told "前面还有 0 人", and the call named the window by
    /// a name the hall's displays do not show. Now "下一位就是您", and "1 号窗口" as the board says it.
    @Test func theNextInLineIsToldSoAndTheWindowIsNamedAsTheBoardSaysIt() async throws {
        let base = Self.site
        let site = Site(
            id: base.id, name: base.name, services: base.services,
            counters: base.counters.map { Counter(id: $0.id, name: LocalizedText(zh: "综合咨询窗口"), services: $0.services) }, rules: base.rules,
            notices: NoticeRules(channels: [.sms], kinds: [.near, .called], nearPlaces: 2, nearMinutes: 0))
        let (store, _) = try await Self.store(sites: [site])
        _ = try await Self.take(store, phone: "13812345670")
        _ = try await Self.take(store, phone: "13812345671")
        #expect(try await store.notices.planNear(site: "hall") == 2)
        let near = try await store.notices.claim(site: "hall", channel: .sms, limit: 10, lease: 15, publicURL: "")
        #expect(near.map(\.notice.ahead) == [0, 1])
        #expect(near[0].text.contains("下一位就是您") && !near[0].text.contains("0 人"), "\(near[0].text)")
        #expect(near[1].text.contains("前面还有 1 人"), "\(near[1].text)")
        for dispatch in near { try await store.notices.settle(dispatch.notice.id, .sent, attempted: true) }
        _ = try await store.call(1)
        let called = try await store.notices.claim(site: "hall", channel: .sms, limit: 10, lease: 15, publicURL: "")
        #expect(called.map(\.notice.kind) == [.called])
        #expect(called[0].text.contains("请 A001 号到 1 号窗口办理") && called[0].window == "1 号窗口", "\(called[0].text)")
    }

    @Test func aMessageWhoseMomentPassedIsDroppedWhenItsTurnComes() async throws {
        let (store, clock) = try await Self.store()
        let first = try await Self.take(store, phone: "13812345678")
        _ = try await Self.take(store, phone: "13912345678")
        try await store.notices.planNear(site: "hall")
        _ = try await store.call(1)
        // The provider was down: the first ticket's "near" and "taken" are now behind its call.
        var claimed = try await store.notices.claim(site: "hall", channel: .sms, limit: 10, lease: 15, publicURL: "https://q.example")
        #expect(claimed.map(\.notice.kind) == [.taken, .taken], "one per ticket at a time, in order")
        #expect(claimed.allSatisfy { $0.verdict == .send })
        #expect(claimed[0].address == "13812345678" && claimed[0].link == "https://q.example/t/\(first.token)")
        #expect(claimed[0].text.contains(first.number.description) && claimed[0].text.contains("https://q.example/t/"))
        for dispatch in claimed { try await store.notices.settle(dispatch.notice.id, .sent, attempted: true) }
        claimed = try await store.notices.claim(site: "hall", channel: .sms, limit: 10, lease: 15, publicURL: "https://q.example")
        #expect(claimed.map(\.notice.kind) == [.near, .near])
        #expect(claimed[0].verdict == .drop(.overtaken), "called already")
        #expect(claimed[1].verdict == .send)
        try await store.notices.settle(claimed[0].notice.id, .overtaken, attempted: false)
        try await store.notices.settle(claimed[1].notice.id, .sent, attempted: true)
        clock.advance(by: 181)
        claimed = try await store.notices.claim(site: "hall", channel: .sms, limit: 10, lease: 15, publicURL: "https://q.example")
        #expect(claimed.map(\.notice.kind) == [.called])
        #expect(claimed[0].verdict == .drop(.stale), "a call three minutes old is not sent")
        #expect(claimed[0].text.contains("1 号窗口"))
    }

    @Test func aFailedSendIsRetriedLaterThenGivenUp() async throws {
        let (store, clock) = try await Self.store()
        _ = try await Self.take(store, phone: "13812345678")
        var claimed = try await store.notices.claim(site: "hall", channel: .sms, limit: 10, lease: 15, publicURL: "")
        #expect(try await !store.notices.failed(claimed[0].notice, .busy, error: "HTTP 503"))
        #expect(try await store.read { db in try db.value(String.self, "SELECT failure FROM notices") } == "busy", "the class kept for the pages")
        #expect(try await store.notices.claim(site: "hall", channel: .sms, limit: 10, lease: 15, publicURL: "").isEmpty, "not before its pause")
        clock.advance(by: 2)
        claimed = try await store.notices.claim(site: "hall", channel: .sms, limit: 10, lease: 15, publicURL: "")
        #expect(claimed.first?.notice.attempts == 1)
        #expect(claimed.first?.notice.key == (try await store.read { db in try db.value(String.self, "SELECT key FROM notices") }), "the same key")
        var notice = try #require(claimed.first?.notice)
        for _ in 1..<NoticeRetry.attempts {
            _ = try await store.notices.failed(notice, .busy, error: "HTTP 503")
            clock.advance(by: 30)
            guard let next = try await store.notices.claim(site: "hall", channel: .sms, limit: 10, lease: 15, publicURL: "").first else { break }
            notice = next.notice
        }
        #expect(try await Self.rows(store).map(\.outcome) == ["given_up"])
        #expect(try await store.notices.counts(site: "hall")[NoticeCount(channel: "sms", outcome: "given_up")] == 1)
    }

    @Test(.sqliteOnly) func theClearNumberIsGoneFromTheFileAndItsLogOnceTheTicketEnds() async throws {
        try await Fixture.withStoredStore(sites: [Self.site]) { store, stored in
            let ticket = try await store.issue(IssueRequest(siteID: "hall", service: "general", phone: "13987654321", notify: [.sms]))
            let number = Data("13987654321".utf8)
            #expect(try await stored().range(of: number) != nil, "kept while the ticket lives")
            _ = try await store.cancel(.token(ticket.token))
            try await store.notices.dropErasedPages()
            let bytes = try await stored()
            #expect(bytes.count > 0)
            #expect(bytes.range(of: number) == nil, "erased from the database file and its WAL")
            #expect(bytes.range(of: Data("139****4321".utf8)) != nil, "the masked form stays, as before")
        }
    }

    @Test func aWeChatConsentIsOneMessageOfItsKind() async throws {
        let base = Self.site
        let site = Site(
            id: base.id, name: base.name, services: base.services, counters: base.counters, rules: base.rules,
            notices: NoticeRules(channels: [.sms, .wechat], kinds: [.near, .called, .recalled], nearPlaces: 0, nearMinutes: 0))
        let (store, _) = try await Self.store(sites: [site])
        let ticket = try await store.issue(IssueRequest(siteID: "hall", service: "general"))
        try await store.subscribeWeChat(ticket: ticket.token, openID: "o-visitor", kind: .called, language: .zhCN)
        try await store.subscribeWeChat(ticket: ticket.token, openID: "o-visitor", kind: .called, language: .zhCN)
        #expect(try await store.notices.channels(ticket: ticket.id) == [.wechat])
        // No consent to "near": none planned, though it is first in line.
        #expect(try await store.notices.planNear(site: "hall") == 0)
        _ = try await store.call(1)
        _ = try await store.recall(site: "hall", counter: 1)
        // One "called" for the one consent (twice the same kind is still one), no recall without one.
        #expect(try await Self.rows(store).map(\.kind) == ["called"])
        try await store.subscribeWeChat(ticket: ticket.token, openID: "o-visitor", kind: .recalled, language: .zhCN)
        _ = try await store.recall(site: "hall", counter: 1)
        _ = try await store.recall(site: "hall", counter: 1)
        #expect(try await Self.rows(store).map(\.kind) == ["called", "recalled"])
        _ = try await store.start(site: "hall", counter: 1)
        _ = try await store.complete(site: "hall", counter: 1)
        #expect(try await Self.contacts(store).isEmpty, "the openid is erased with the ticket too")
        let ended = await #expect(throws: QuhaoError.self) {
            try await store.subscribeWeChat(ticket: ticket.token, openID: "o-visitor", kind: .called, language: .zhCN)
        }
        #expect(ended?.code == .ticketInvalidTransition)
    }
}

/// Messages about bookings go through the same outbox.
@Suite struct BookingNoticeTests {
    @Test func aBookingIsConfirmedRemindedBeforeItsSlotAndForgottenWhenCancelled() async throws {
        let base = BookingTests.site
        let site = Site(
            id: base.id, name: base.name, services: base.services, counters: base.counters, rules: base.rules, booking: base.booking,
            notices: NoticeRules(channels: [.sms], bookingReminderMinutes: 60))
        let clock = ManualClock(BookingTests.at(8))
        let store = try await TestEngine.store(clock: clock, random: .seeded(7))
        try await store.sync(sites: [site])
        let slot = BookingTests.at(11)
        let booking = try await store.bookings.book(
            BookingRequest(siteID: "hall", service: "general", slotStart: slot, phone: "13812345678", notify: [.sms]))
        var claimed = try await store.notices.claim(site: "hall", channel: .sms, limit: 10, lease: 15, publicURL: "https://q.example")
        #expect(claimed.map(\.notice.kind) == [.booked], "the reminder waits for its time")
        #expect(claimed[0].address == "13812345678" && claimed[0].link == "https://q.example/b/\(booking.token)")
        #expect(claimed[0].text.contains("2026-12-01 11:00") && claimed[0].text.contains("扫码签到"), "a rotating hall QR is scanned")
        try await store.notices.settle(claimed[0].notice.id, .sent, attempted: true)
        clock.set(BookingTests.at(9, 59))
        #expect(try await store.notices.claim(site: "hall", channel: .sms, limit: 10, lease: 15, publicURL: "").isEmpty)
        clock.set(BookingTests.at(10))
        claimed = try await store.notices.claim(site: "hall", channel: .sms, limit: 10, lease: 15, publicURL: "https://q.example")
        #expect(claimed.map(\.notice.kind) == [.bookingReminder])
        #expect(claimed[0].verdict == .send && claimed[0].text.contains("提醒"))
        // Another booking, cancelled: its reminder is ended and its phone erased.
        let again = try await store.bookings.book(
            BookingRequest(siteID: "hall", service: "general", slotStart: BookingTests.at(15), phone: "13912345678", notify: [.sms]))
        _ = try await store.bookings.cancel(token: again.token)
        let kept = try await store.read { db in
            try db.values(String.self, "SELECT address FROM notices WHERE address IS NOT NULL AND outcome IS NULL")
        }
        #expect(kept == ["13812345678"], "only the first booking's reminder, still being sent, holds a phone")
    }

    /// Found by the walk: at a hall whose QR proves nothing (presence none), the texts told the
    /// visitor to scan it; check-in there is the booking page's own button.
    @Test func aHallWithoutPresenceChecksTellsToCheckInOnTheBookingsPage() async throws {
        let base = BookingTests.site
        var rules = base.rules
        rules.presence = .none
        let site = Site(
            id: base.id, name: base.name, services: base.services, counters: base.counters, rules: rules, booking: base.booking,
            notices: NoticeRules(channels: [.sms], bookingReminderMinutes: 60))
        let store = try await TestEngine.store(clock: ManualClock(BookingTests.at(8)), random: .seeded(7))
        try await store.sync(sites: [site])
        _ = try await store.bookings.book(
            BookingRequest(siteID: "hall", service: "general", slotStart: BookingTests.at(11), phone: "13812345678", notify: [.sms]))
        let claimed = try await store.notices.claim(site: "hall", channel: .sms, limit: 10, lease: 15, publicURL: "https://q.example")
        #expect(claimed.map(\.notice.kind) == [.booked])
        #expect(claimed[0].text.contains("打开链接签到") && !claimed[0].text.contains("扫码"), "\(claimed[0].text)")
    }
}

/// A canteen unit is texted at its registered phone: what an inspection found, a reminder before a
/// due day, a rectification sent back with its reason.
@Suite struct FindingNoticeTests {
    @Test func aUnitIsToldItsFindingsRemindedBeforeTheDueDayAndToldOfARejection() async throws {
        let base = InspectionFixture.office()
        let office = Site(
            id: base.id, name: base.name, kind: .inspection, services: base.services, counters: base.counters, rules: base.rules,
            inspection: base.inspection, notices: NoticeRules(channels: [.sms], findingDueDays: 1))
        let (store, clock) = try await InspectionFixture.store(office: office)
        let inspections = store.inspections
        let unit = try await inspections.createUnit(site: "office", InspectionFixture.draft(1), by: .cli)
        let requested = try await inspections.request(.routine, unitToken: unit.privateToken)
        _ = try await store.callNext(site: "office", counter: 2, by: InspectionLoopTests.inspector.initiator)
        _ = try await inspections.checkIn(posterToken: unit.posterToken, team: 2, by: InspectionLoopTests.inspector)
        _ = try await inspections.join(posterToken: unit.posterToken, by: InspectionLoopTests.partner)
        _ = try await inspections.record(
            requested.id,
            items: InspectionLoopTests.sheet([
                "2.1": ItemEntry(.no, note: "两名员工健康证过期"), "2.2": ItemEntry(.no, note: "未戴帽"),
                "3.1": ItemEntry(.no, note: "地面积水", correctedOnSite: true),
            ]), summary: nil, by: InspectionLoopTests.inspector)
        var claimed = try await store.notices.claim(site: "office", channel: .sms, limit: 10, lease: 15, publicURL: "https://q.example")
        // One message for the visit (two problems still open; the one corrected on site is not counted), to the unit's phone.
        #expect(claimed.map(\.notice.kind) == [.finding])
        #expect(claimed[0].address == "13812345678" && claimed[0].text.contains("2 项问题") && claimed[0].text.contains("2026-11-28"))
        #expect(claimed[0].link == "https://q.example/u/\(unit.privateToken)")
        try await store.notices.settle(claimed[0].notice.id, .sent, attempted: true)
        // The key item is due 2026-11-28: reminded at 09:00 the day before.
        clock.set(Fixture.date(27, 8, 59))
        #expect(try await store.notices.claim(site: "office", channel: .sms, limit: 10, lease: 15, publicURL: "").isEmpty)
        clock.set(Fixture.date(27, 9))
        claimed = try await store.notices.claim(site: "office", channel: .sms, limit: 10, lease: 15, publicURL: "")
        #expect(claimed.map(\.notice.kind) == [.findingDue])
        #expect(claimed[0].verdict == .send && claimed[0].text.contains("两名员工健康证过期"))
        try await store.notices.settle(claimed[0].notice.id, .sent, attempted: true)
        // A rectification sent, then sent back: the reason reaches the unit.
        let key = try #require(try await inspections.details(requested.id).findings.first { $0.itemCode == "2.1" })
        _ = try await inspections.submitRectification(unitToken: unit.privateToken, finding: key.id, text: "已补办一人", photos: [])
        _ = try await inspections.rejectRectification(key.id, reason: "另一人的健康证仍未补办", by: InspectionLoopTests.inspector)
        claimed = try await store.notices.claim(site: "office", channel: .sms, limit: 10, lease: 15, publicURL: "")
        #expect(claimed.map(\.notice.kind) == [.findingRejected])
        #expect(claimed[0].text.contains("另一人的健康证仍未补办"))
        // The general item's reminder (due 2026-12-10) is dropped once it is verified.
        let general = try #require(try await inspections.details(requested.id).findings.first { $0.itemCode == "2.2" })
        _ = try await inspections.submitRectification(unitToken: unit.privateToken, finding: general.id, text: "已整改", photos: [])
        _ = try await inspections.verifyRectification(general.id, by: InspectionLoopTests.inspector)
        let pending = try await store.read { db in
            try db.value(Int.self, "SELECT COUNT(*) FROM notices WHERE finding_id = ? AND finished_at IS NULL", [general.id])
        }
        #expect(pending == 0)
    }
}
