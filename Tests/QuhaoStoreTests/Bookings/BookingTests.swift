import Foundation
import QuhaoCore
import Testing

@testable import QuhaoStore

/// Booked slots: places under concurrency, the check-in window, the no-show bar, cancelling.
@Suite struct BookingTests {
    /// Tuesday 2026-12-01 in Shanghai.
    static func at(_ hour: Int, _ minute: Int = 0, _ second: Int = 0, day: Int = 1) -> Date {
        Fixture.date(day, hour, minute, second, month: 12)
    }

    static let site = Site(
        id: "hall", name: LocalizedText(zh: "办税服务厅", en: "Tax hall"),
        services: [
            Service(
                id: "general", prefix: "A", name: LocalizedText(zh: "综合业务", en: "General"),
                appointments: AppointmentRules(
                    slotMinutes: 30, capacity: 10, daysAhead: 7, cutoffMinutes: 60,
                    hours: OpeningHours(days: Set(Weekday.allCases), periods: [.init(start: TimeOfDay("09:00")!, end: TimeOfDay("17:00")!)]))),
            Service(id: "invoice", prefix: "B", name: LocalizedText(zh: "发票业务", en: "Invoices"), identity: .uscc),
            Service(
                id: "company", prefix: "C", name: LocalizedText(zh: "企业业务", en: "Companies"), identity: .uscc,
                appointments: AppointmentRules(
                    capacity: 2,
                    hours: OpeningHours(days: Set(Weekday.allCases), periods: [.init(start: TimeOfDay("09:00")!, end: TimeOfDay("17:00")!)]))),
        ],
        counters: [Counter(id: 1, services: ["general", "invoice", "company"])],
        booking: BookingRules(checkInEarlyMinutes: 15, noShowLimit: 3, noShowWindowDays: 30, barDays: 30))

    static func store(at start: Date) async throws -> (TicketStore, ManualClock) {
        let clock = ManualClock(start)
        let store = try await TestEngine.store(clock: clock, random: .seeded(7))
        try await store.sync(sites: [site])
        return (store, clock)
    }

    static func phone(_ n: Int) -> String { "139\(String(format: "%08d", n))" }

    /// 100 people book the same 10 places at once: exactly 10 get one, 90 hear `slot.full`.
    @Test func aSlotIsNeverOverbooked() async throws {
        let (store, _) = try await Self.store(at: Self.at(8))
        let start = Self.at(10)
        let outcomes = await withTaskGroup(of: Result<Booking, QuhaoError>.self) { group in
            for n in 0..<100 {
                group.addTask {
                    do {
                        return .success(
                            try await store.bookings.book(BookingRequest(siteID: "hall", service: "general", slotStart: start, phone: Self.phone(n))))
                    } catch let error as QuhaoError { return .failure(error) } catch { return .failure(QuhaoError(.internalError)) }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let booked = outcomes.compactMap { try? $0.get() }
        let refusals = outcomes.compactMap { if case .failure(let error) = $0 { error.code } else { nil } }
        #expect(booked.count == 10)
        #expect(refusals.count == 90 && refusals.allSatisfy { $0 == .slotFull })
        #expect(Set(booked.map(\.token)).count == 10)
        let slots = try await store.bookings.slots(site: "hall", service: "general", day: BusinessDay(iso: "2026-12-01")!)
        let ten = try #require(slots.first { $0.slot.start == start })
        #expect(ten.booked == 10 && ten.left == 0 && !ten.isBookable)
        #expect(slots.first { $0.slot.start == Self.at(10, 30) }?.left == 10)
        // A cancelled place is free again.
        _ = try await store.bookings.cancel(token: booked[0].token)
        #expect(
            try await store.bookings.slots(site: "hall", service: "general", day: BusinessDay(iso: "2026-12-01")!).first { $0.slot.start == start }?
                .left == 1)
    }

    /// The edges of `[start − 15 min, end]`, the injected clock set to each: before it the visitor
    /// hears when check-in opens; inside it the ticket has the slot's priority; after it a normal ticket.
    @Test func checkInWindowEdges() async throws {
        let (store, clock) = try await Self.store(at: Self.at(8))
        func booked(_ n: Int) async throws -> Booking {
            try await store.bookings.book(BookingRequest(siteID: "hall", service: "general", slotStart: Self.at(10), phone: Self.phone(n)))
        }
        let early = try await booked(1)
        let almost = try await booked(2)
        let last = try await booked(3)
        let late = try await booked(4)
        let missed = try await store.bookings.book(
            BookingRequest(siteID: "hall", service: "general", slotStart: Self.at(16, 30), phone: Self.phone(5)))
        clock.set(Self.at(9, 44, 59))
        let refused = await #expect(throws: QuhaoError.self) { try await store.bookings.checkIn(token: early.token) }
        #expect(refused?.code == .bookingTooEarly)
        #expect(refused?.parameters["opens"] == "09:45")
        #expect(refused?.message.contains("09:45") == true)
        #expect(try await store.bookings.booking(token: early.token).state == .booked, "nothing changed")

        clock.set(Self.at(9, 45))
        let opening = try await store.bookings.checkIn(token: early.token)
        #expect(!opening.late && opening.ticket.priority == .appointment)
        #expect(opening.ticket.appointment == (try AppointmentSlot(start: Self.at(10), end: Self.at(10, 30))))
        #expect(opening.booking.state == .checkedIn && opening.booking.ticketNumber == opening.ticket.number.description)

        clock.set(Self.at(9, 45, 1))
        #expect(try await store.bookings.checkIn(token: almost.token).ticket.priority == .appointment, "14 min 59 s early")

        clock.set(Self.at(10, 30))
        #expect(try await store.bookings.checkIn(token: last.token).ticket.priority == .appointment, "at the slot's end")

        clock.set(Self.at(10, 30, 1))
        let normal = try await store.bookings.checkIn(token: late.token)
        #expect(normal.late && normal.ticket.priority == .normal && normal.ticket.appointment == nil, "1 s late")

        // Checked in once only; the tickets carry the masked phone of the booking.
        let twice = await #expect(throws: QuhaoError.self) { try await store.bookings.checkIn(token: late.token) }
        #expect(twice?.code == .bookingInvalidState)
        #expect(normal.ticket.phoneMasked == "139****0004")

        // A booking not used on its day cannot be used the next day.
        clock.set(Self.at(9, 50, day: 2))
        let stale = await #expect(throws: QuhaoError.self) { try await store.bookings.checkIn(token: missed.token) }
        #expect(stale?.code == .bookingInvalidState && stale?.parameters["state"] == "missed")
    }

    /// On time, the booked ticket is called before people who came earlier without booking.
    @Test func aCheckedInBookingIsCalledFirstInItsSlot() async throws {
        let (store, clock) = try await Self.store(at: Self.at(8))
        let booking = try await store.bookings.book(BookingRequest(siteID: "hall", service: "general", slotStart: Self.at(10), phone: Self.phone(1)))
        clock.set(Self.at(9, 50))
        _ = try await store.issue(IssueRequest(siteID: "hall", service: "general"))
        let ticket = try await store.bookings.checkIn(token: booking.token).ticket
        #expect(ticket.number.description == "A002")
        clock.set(Self.at(10, 1))
        #expect(try await store.callNext(site: "hall", counter: 1).ticket.number.description == "A002")
    }

    @Test func cancellingClosesAtTheCutoff() async throws {
        let (store, clock) = try await Self.store(at: Self.at(8))
        let first = try await store.bookings.book(BookingRequest(siteID: "hall", service: "general", slotStart: Self.at(10), phone: Self.phone(1)))
        let second = try await store.bookings.book(
            BookingRequest(siteID: "hall", service: "general", slotStart: Self.at(10, 30), phone: Self.phone(2)))
        clock.set(Self.at(9))
        #expect(try await store.bookings.cancel(token: first.token).state == .cancelled, "exactly at the cut-off")
        let again = await #expect(throws: QuhaoError.self) { try await store.bookings.cancel(token: first.token) }
        #expect(again?.code == .bookingInvalidState)
        clock.set(Self.at(9, 30, 1))
        let late = await #expect(throws: QuhaoError.self) { try await store.bookings.cancel(token: second.token) }
        #expect(late?.code == .bookingCancelTooLate)
        #expect(late?.parameters["cutoff"] == "09:30")
        #expect(try await store.bookings.booking(token: second.token).state == .booked)
        // Booking closes at the same cut-off.
        let closed = await #expect(throws: QuhaoError.self) {
            try await store.bookings.book(BookingRequest(siteID: "hall", service: "general", slotStart: Self.at(10, 30), phone: Self.phone(3)))
        }
        #expect(closed?.code == .slotClosed)
    }

    /// Three slots missed within 30 days: booking is barred for 30 days after the last, for that
    /// identity only; a fourth booking the day the bar ends goes through.
    @Test func repeatedNoShowsBarBooking() async throws {
        let (store, clock) = try await Self.store(at: Self.at(8))
        let uscc = "91350100M000100Y43"
        let other = "91110000600037341L"
        func book(_ identity: String, day: Int, _ phone: Int = 1) async throws -> Booking {
            try await store.bookings.book(
                BookingRequest(siteID: "hall", service: "company", slotStart: Self.at(10, day: day), identity: identity, phone: Self.phone(phone)))
        }
        for day in [1, 2, 3] {
            clock.set(Self.at(8, day: day))
            _ = try await book(uscc, day: day)
        }
        clock.set(Self.at(8, day: 4))
        let barred = await #expect(throws: QuhaoError.self) { try await book(uscc, day: 4) }
        #expect(barred?.code == .bookingBarred)
        #expect(barred?.parameters["until"] == "2027-01-02", "30 days after the slot of 12-03 ended")
        #expect(barred?.parameters["count"] == "3")
        #expect(Catalogue.of(.zhCN).message(for: barred!).contains("暂停预约至 2027-01-02"))
        // The same phone with another identity is someone else.
        _ = try await book(other, day: 4)
        // Checked-in or cancelled bookings are not misses; the bar ends 30 days after the last miss.
        clock.set(Self.at(8, day: 2).addingTimeInterval(31 * 86_400))
        let after = try await store.bookings.book(
            BookingRequest(
                siteID: "hall", service: "company", slotStart: Self.at(10, day: 2).addingTimeInterval(31 * 86_400), identity: uscc,
                phone: Self.phone(1)))
        #expect(after.state == .booked)
    }

    @Test func oneBookingPerPersonTypeAndDayAndTheFieldsAreChecked() async throws {
        let (store, _) = try await Self.store(at: Self.at(8))
        _ = try await store.bookings.book(BookingRequest(siteID: "hall", service: "general", slotStart: Self.at(10), phone: Self.phone(1)))
        let twice = await #expect(throws: QuhaoError.self) {
            try await store.bookings.book(BookingRequest(siteID: "hall", service: "general", slotStart: Self.at(15), phone: "+86 139-0000-0001"))
        }
        #expect(twice?.code == .bookingDuplicate)
        #expect(twice?.message.contains("10:00–10:30") == true)
        let cases: [(BookingRequest, QuhaoError.Code)] = [
            (BookingRequest(siteID: "hall", service: "general", slotStart: Self.at(10)), .phoneRequired),
            (BookingRequest(siteID: "hall", service: "general", slotStart: Self.at(10), phone: "12345"), .phoneFormat),
            (BookingRequest(siteID: "hall", service: "company", slotStart: Self.at(10), phone: Self.phone(2)), .identityRequired),
            (
                BookingRequest(siteID: "hall", service: "company", slotStart: Self.at(10), identity: "91350100M000100Y4Z", phone: Self.phone(2)),
                .identityChecksum
            ),
            (BookingRequest(siteID: "hall", service: "invoice", slotStart: Self.at(10), phone: Self.phone(2)), .bookingNotOffered),
            (BookingRequest(siteID: "hall", service: "nothing", slotStart: Self.at(10), phone: Self.phone(2)), .serviceNotFound),
            (BookingRequest(siteID: "hall", service: "general", slotStart: Self.at(10, 10), phone: Self.phone(2)), .slotNotOffered),
            (BookingRequest(siteID: "hall", service: "general", slotStart: Self.at(17), phone: Self.phone(2)), .slotNotOffered),
            (BookingRequest(siteID: "hall", service: "general", slotStart: Self.at(10, day: 9), phone: Self.phone(2)), .slotTooFarAhead),
            (BookingRequest(siteID: "hall", service: "general", slotStart: Self.at(8, 30), phone: Self.phone(2)), .slotNotOffered),
        ]
        for (request, code) in cases {
            let error = await #expect(throws: QuhaoError.self) { try await store.bookings.book(request) }
            #expect(error?.code == code, "\(request)")
        }
        let unknown = await #expect(throws: QuhaoError.self) { try await store.bookings.booking(token: "nope") }
        #expect(unknown?.code == .bookingNotFound)
    }

    /// The console's list and the phone's pending booking.
    @Test func theDayListAndThePhonesBooking() async throws {
        let (store, clock) = try await Self.store(at: Self.at(8))
        let mine = try await store.bookings.book(
            BookingRequest(siteID: "hall", service: "general", slotStart: Self.at(11), phone: Self.phone(1), device: "device-0000000001"))
        _ = try await store.bookings.book(BookingRequest(siteID: "hall", service: "general", slotStart: Self.at(10), phone: Self.phone(2)))
        _ = try await store.bookings.book(BookingRequest(siteID: "hall", service: "general", slotStart: Self.at(10, day: 2), phone: Self.phone(3)))
        let today = try await store.bookings.all(site: "hall", day: BusinessDay(iso: "2026-12-01")!)
        #expect(today.map { $0.slot.start } == [Self.at(10), Self.at(11)])
        #expect(try await store.bookings.pending(site: "hall", device: "device-0000000001")?.token == mine.token)
        #expect(try await store.bookings.pending(site: "hall", device: "device-0000000002") == nil)
        clock.set(Self.at(10, 50))
        let ticket = try await store.bookings.checkIn(token: mine.token).ticket
        #expect(try await store.bookings.pending(site: "hall", device: "device-0000000001") == nil)
        let after = try await store.bookings.all(site: "hall", day: BusinessDay(iso: "2026-12-01")!)
        #expect(after.last?.ticketToken == ticket.token)
        clock.set(Self.at(12))
        #expect(after.first?.status(at: clock.now()) == "missed")
    }

    /// After the retention period a booking keeps its slot and state, nothing about the person.
    @Test func personalDataIsClearedAfterTheRetentionPeriod() async throws {
        let (store, clock) = try await Self.store(at: Self.at(8))
        let booking = try await store.bookings.book(
            BookingRequest(
                siteID: "hall", service: "company", slotStart: Self.at(10), identity: "91350100M000100Y43", phone: Self.phone(1),
                device: "device-0000000001"))
        clock.set(Self.at(8).addingTimeInterval(30 * 86_400))
        _ = try await store.operations.purgePersonalData(olderThanDays: 30)
        #expect(try await store.bookings.booking(token: booking.token).phoneMasked == "139****0001", "30 days: kept")
        clock.set(Self.at(8).addingTimeInterval(31 * 86_400))
        #expect(try await store.operations.purgePersonalData(olderThanDays: 30) >= 1)
        let left = try await store.read { db in
            try db.values(
                String.self,
                "SELECT COALESCE(person_hash, identity_hash, identity_kind || identity_masked, phone_masked, device_hash, '') FROM bookings")
        }
        #expect(left == [""])
        #expect(try await store.bookings.booking(token: booking.token).state == .booked)
    }
}
