import Foundation
import QuhaoCore
import QuhaoStore
import Testing

@Suite struct LifecycleTests {
    @Test func theWholeHappyPathIsLogged() async throws {
        let (store, clock) = try await Fixture.store()
        let ticket = try await store.take("general")
        _ = try await store.call(2)
        clock.advance(by: 10)
        let recalled = try await store.recall(site: "hall", counter: 2)
        #expect(recalled.recallCount == 1)
        _ = try await store.start(site: "hall", counter: 2)
        clock.advance(by: 300)
        let done = try await store.complete(site: "hall", counter: 2, by: .staff("12"))
        #expect(done.state == .done)
        let events = try await store.events(site: "hall", ticket: ticket.id)
        #expect(events.map(\.action) == ["issue", "call", "recall", "start", "complete"])
        #expect(events.map(\.toState) == [.waiting, .called, .called, .serving, .done])
        #expect(events.last?.initiator == "staff:12")
        #expect(events.last?.counterID == 2)
        #expect(events.dropFirst().allSatisfy { $0.fromState != nil })
    }

    @Test func illegalStepsAreRefusedWithTheirCodes() async throws {
        let (store, _) = try await Fixture.store()
        let ticket = try await store.take("general")
        await #expect(throws: QuhaoError(.counterIdle, ["counter": "2"])) { try await store.complete(site: "hall", counter: 2) }
        _ = try await store.call(2)
        await #expect(throws: QuhaoError(.ticketInvalidTransition, ["number": "A001", "state": "called", "action": "complete"])) {
            try await store.complete(site: "hall", counter: 2)
        }
        _ = try await store.start(site: "hall", counter: 2)
        await #expect(throws: QuhaoError(.ticketInvalidTransition, ["number": "A001", "state": "serving", "action": "recall"])) {
            try await store.recall(site: "hall", counter: 2)
        }
        await #expect(throws: QuhaoError(.ticketInvalidTransition, ["number": "A001", "state": "serving", "action": "cancel"])) {
            try await store.cancel(.token(ticket.token))
        }
        await #expect(throws: QuhaoError(.ticketInvalidTransition, ["number": "A001", "state": "serving", "action": "check_in"])) {
            try await store.checkIn(.token(ticket.token))
        }
        _ = try await store.complete(site: "hall", counter: 2)
        // The console retried "complete" for the ticket it already finished: say so, do nothing.
        await #expect(throws: QuhaoError(.ticketInvalidTransition, ["number": "A001", "state": "done", "action": "complete"])) {
            try await store.complete(site: "hall", counter: 2, expecting: ticket.id)
        }
        await #expect(throws: QuhaoError(.ticketInvalidTransition, ["number": "A001", "state": "done", "action": "reactivate"])) {
            try await store.reactivate(.token(ticket.token))
        }
        await #expect(throws: QuhaoError(.ticketNotFound, ["ticket": "token"])) { try await store.cancel(.token("nope")) }
    }

    @Test func actingOnAStaleTicketIsRefused() async throws {
        let (store, _) = try await Fixture.store()
        let first = try await store.take("general")
        try await store.take("general")
        try await store.serveNext(2)
        _ = try await store.call(2)  // now holds A002
        await #expect(throws: QuhaoError(.ticketStale, ["counter": "2", "expected": "A001"])) {
            try await store.start(site: "hall", counter: 2, expecting: first.id)
        }
    }

    @Test func noShowOnlyAfterTwoRecallsAndTheGracePeriod() async throws {
        let (store, clock) = try await Fixture.store()
        try await store.take("general")
        _ = try await store.call(2)
        await #expect(throws: QuhaoError(.ticketNoShowTooEarly, ["number": "A001", "recalls": "2", "seconds": "30"])) {
            try await store.markNoShow(site: "hall", counter: 2)
        }
        _ = try await store.recall(site: "hall", counter: 2)
        _ = try await store.recall(site: "hall", counter: 2)
        clock.advance(by: 29)
        await #expect(throws: QuhaoError(.ticketNoShowTooEarly, ["number": "A001", "recalls": "0", "seconds": "1", "form": "seconds"])) {
            try await store.markNoShow(site: "hall", counter: 2)
        }
        clock.advance(by: 1)
        let missed = try await store.markNoShow(site: "hall", counter: 2)
        #expect(missed.state == .noShow)
        #expect(missed.counterID == nil)
        #expect(try await store.counters(site: "hall").first { $0.counter.id == 2 }?.current == nil, "the window is free again")
    }

    @Test func reactivationLandsThreePlacesBehindTheHeadOnce() async throws {
        let (store, clock) = try await Fixture.store()
        for _ in 0..<7 { try await store.take("general") }  // A001–A007
        let missed = try await store.noShow(at: 2, clock: clock)  // A001
        #expect(missed == "A001")
        _ = try await store.reactivate(.number(site: "hall", "A001"))
        let position = try await store.position(of: .number(site: "hall", "A001"))
        #expect(position.peopleAhead == 3)
        var order: [String] = []
        for _ in 0..<6 { order.append(try await store.serveNext(2)) }
        #expect(order == ["A002", "A003", "A004", "A001", "A005", "A006"])
        // Once only.
        try await store.take("general")  // A008
        _ = try await store.noShow(at: 2, clock: clock)  // A007
        _ = try await store.reactivate(.number(site: "hall", "A007"))  // behind A008: fewer than 3 wait
        #expect(try await store.serveNext(2) == "A008")
        #expect(try await store.noShow(at: 2, clock: clock) == "A007")
        await #expect(throws: QuhaoError(.ticketAlreadyReactivated, ["number": "A007"])) {
            try await store.reactivate(.number(site: "hall", "A007"))
        }
    }

    @Test func reactivationIsForTheSameDayOnly() async throws {
        let (store, clock) = try await Fixture.store()
        let ticket = try await store.take("general")
        _ = try await store.noShow(at: 2, clock: clock)
        clock.set(Fixture.date(26, 9))
        await #expect(throws: QuhaoError(.ticketReactivationExpired, ["number": "A001"])) {
            try await store.reactivate(.token(ticket.token))
        }
    }

    @Test func reactivationRenumbersWhenNeighboursLeaveNoRoom() async throws {
        let (store, clock) = try await Fixture.store()
        for _ in 0..<30 { try await store.take("general") }
        for _ in 0..<24 { _ = try await store.noShow(at: 2, clock: clock) }  // A001–A024
        // Each goes 3 behind the head, into the same gap, halving it: 2^20 is used up after 20.
        for n in 1...24 { _ = try await store.reactivate(.number(site: "hall", TicketNumber(prefix: "A", sequence: n).description)) }
        var order: [String] = []
        for _ in 0..<30 { order.append(try await store.serveNext(2)) }
        let reactivated = (1...24).reversed().map { TicketNumber(prefix: "A", sequence: $0).description }
        #expect(order == ["A025", "A026", "A027"] + reactivated + ["A028", "A029", "A030"])
    }

    @Test func transferKeepsTheNumberAndGoesToTheFrontOfTheTargetQueue() async throws {
        let (store, _) = try await Fixture.store()
        try await store.take("general")  // A001
        for identity in ["91350100M000100Y43", "91110000600037341L"] { try await store.take("invoice", identity: identity) }  // B001, B002
        _ = try await store.call(2)
        _ = try await store.start(site: "hall", counter: 2)
        await #expect(throws: QuhaoError(.ticketTransferSameService, ["number": "A001", "service": "综合业务", "service@en": "General"])) {
            try await store.transfer(site: "hall", counter: 2, to: "general")
        }
        await #expect(throws: QuhaoError(.serviceNotFound, ["service": "nope"])) {
            try await store.transfer(site: "hall", counter: 2, to: "nope")
        }
        let moved = try await store.transfer(site: "hall", counter: 2, to: "B")
        #expect(moved.number.description == "A001")
        #expect(moved.serviceID == "invoice")
        #expect(moved.state == .waiting)
        #expect(moved.transferCount == 1)
        #expect(try await store.position(of: .id(moved.id)).peopleAhead == 0)
        let window3 = try await store.callNext(site: "hall", counter: 3)
        #expect(window3.ticket.number.description == "A001")
    }

    @Test func cancelFromEveryQueuedState() async throws {
        let (store, _) = try await Fixture.store()
        let remote = try await store.take("general", remote: true)
        let waiting = try await store.take("general")
        #expect(try await store.cancel(.token(remote.token)).state == .cancelled)
        _ = try await store.call(2)
        #expect(try await store.cancel(.token(waiting.token)).state == .cancelled)
        #expect(try await store.counters(site: "hall").first { $0.counter.id == 2 }?.current == nil)
    }

    @Test func expireClosedClearsYesterdayAndServicesPastClosing() async throws {
        let (store, clock) = try await Fixture.store(at: Fixture.date(25, 16, 0))
        try await store.take("general")
        try await store.take("daytime")  // E001, open 08:30–17:00
        _ = try await store.call(2)  // A001 called
        #expect(try await store.expireClosed() == 0)
        clock.set(Fixture.date(25, 17, 1))
        #expect(try await store.expireClosed() == 1, "E001: its service closed for the day")
        clock.set(Fixture.date(26, 0, 1))
        #expect(try await store.expireClosed() == 1, "A001 from yesterday, still called")
        let tickets = try await store.tickets(site: "hall", day: BusinessDay(iso: "2026-11-25")!)
        #expect(tickets.allSatisfy { $0.state == .expired })
        #expect(try await store.take("general").number.description == "A001")
        #expect(try await store.call(2) == "A001", "window 2 is free on the new day")
    }

    /// Found across a real midnight: a ticket in service stayed `serving` for ever, holding its window.
    @Test func theDaysEndCompletesTicketsInServiceLateAndFreesEveryWindow() async throws {
        let (store, clock) = try await Fixture.store(at: Fixture.date(25, 23, 50))
        for _ in 0..<3 { try await store.take("general") }
        _ = try await store.call(1)  // A001 called at window 1
        _ = try await store.call(2)  // A002 …
        _ = try await store.start(site: "hall", counter: 2)  // … in service at window 2
        clock.set(Fixture.date(25, 23, 59, 59))
        #expect(try await store.expireClosed() == 0, "not before midnight")
        clock.set(Fixture.date(26, 0, 0, 0))
        #expect(try await store.expireClosed() == 3)
        let yesterday = try await store.tickets(site: "hall", day: BusinessDay(iso: "2026-11-25")!)
        #expect(yesterday.map(\.state) == [.expired, .done, .expired])
        let served = try #require(yesterday.first { $0.number.description == "A002" })
        let events = try await store.events(site: "hall", ticket: served.id)
        #expect(events.last?.action == "complete")
        #expect(events.last?.detail == "day_end")
        #expect(events.last?.initiator == "system")
        #expect(try await store.counters(site: "hall").allSatisfy { $0.current == nil }, "every window free")
        #expect(try await store.expireClosed() == 0, "done once")
    }

    @Test func housekeepingWakesAtTheNextMidnightToTheSecond() {
        let shanghai = Fixture.shanghai
        let utc = TimeZone(identifier: "UTC")!
        #expect(TicketStore.nextHousekeeping(after: Fixture.date(25, 10, 0), zones: [shanghai]) == Fixture.date(25, 10, 1))
        #expect(TicketStore.nextHousekeeping(after: Fixture.date(25, 23, 59, 30), zones: [shanghai]) == Fixture.date(26, 0, 0))
        // Midnight in London comes at 08:00 in Shanghai.
        let london = TimeZone(identifier: "Europe/London")!
        #expect(TicketStore.nextHousekeeping(after: Fixture.date(26, 7, 59, 50), zones: [shanghai, london]) == Fixture.date(26, 8, 0))
        #expect(TicketStore.nextHousekeeping(after: Fixture.date(26, 7, 59, 50), zones: [shanghai, utc]) == Fixture.date(26, 8, 0))
        #expect(BusinessDay(iso: "2026-11-26")!.start(in: shanghai) == Fixture.date(26, 0, 0))
    }

    @Test func estimatedWaitUsesTheDaysServiceTimes() async throws {
        let (store, clock) = try await Fixture.store()
        for _ in 0..<7 { try await store.take("general") }
        // Default 5 minutes; three windows serve general; 6 ahead of A007.
        #expect(try await store.position(of: .number(site: "hall", "A007")).estimatedWait == 6.0 / 3.0 * 300)
        _ = try await store.call(2)
        _ = try await store.start(site: "hall", counter: 2)
        clock.advance(by: 120)
        _ = try await store.complete(site: "hall", counter: 2)
        let position = try await store.position(of: .number(site: "hall", "A007"))
        #expect(position.peopleAhead == 5)
        #expect(abs(position.estimatedWait! - 5.0 / 3.0 * 120) < 0.01)
    }
}

extension TicketStore {
    /// Calls the next ticket at a window and runs it to a no-show (two recalls, grace).
    func noShow(at counter: Int, clock: ManualClock) async throws -> String {
        let number = try await call(counter)
        _ = try await recall(site: "hall", counter: counter)
        _ = try await recall(site: "hall", counter: counter)
        clock.advance(by: 30)
        _ = try await markNoShow(site: "hall", counter: counter)
        return number
    }
}
