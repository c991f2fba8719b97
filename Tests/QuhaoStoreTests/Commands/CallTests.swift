import Foundation
import QuhaoCore
import QuhaoStore
import Testing

@Suite struct CallTests {
    @Test func firstComeFirstServed() async throws {
        let (store, _) = try await Fixture.store()
        for _ in 0..<3 { try await store.take("general") }
        #expect(try await store.serveNext(2) == "A001")
        #expect(try await store.serveNext(2) == "A002")
        #expect(try await store.serveNext(2) == "A003")
        await #expect(throws: QuhaoError(.queueEmpty, ["counter": "2"])) { try await store.call(2) }
    }

    @Test func doubleTapGivesTheSameTicketBackNeverASecond() async throws {
        let (store, _) = try await Fixture.store()
        try await store.take("general")
        try await store.take("general")
        let first = try await store.callNext(site: "hall", counter: 2)
        let again = try await store.callNext(site: "hall", counter: 2)
        #expect(!first.alreadyHeld)
        #expect(again.alreadyHeld)
        #expect(again.ticket.id == first.ticket.id)
        _ = try await store.start(site: "hall", counter: 2)
        #expect(try await store.callNext(site: "hall", counter: 2).ticket.id == first.ticket.id, "also while serving")
        let waiting = try await store.tickets(site: "hall", day: BusinessDay(iso: "2026-11-25")!).filter { $0.state == .waiting }
        #expect(waiting.map(\.number.description) == ["A002"])
    }

    @Test func serviceOrderPrefersTheFirstListedService() async throws {
        let (store, _) = try await Fixture.store()
        try await store.take("general")
        try await store.take("invoice", identity: "91350100M000100Y43")
        #expect(try await store.serveNext(1) == "A001", "window 1 lists general first")
        try await store.take("general")
        #expect(try await store.serveNext(1) == "A002")
        #expect(try await store.serveNext(1) == "B001")
    }

    @Test func oldestFirstTakesWhoeverWaitedLongest() async throws {
        let (store, _) = try await Fixture.store()
        try await store.take("general")
        try await store.take("invoice", identity: "91350100M000100Y43")
        try await store.take("general")
        #expect(try await store.serveNext(3) == "A001", "window 3 lists invoice first but calls oldest first")
        #expect(try await store.serveNext(3) == "B001")
        #expect(try await store.serveNext(3) == "A002")
    }

    @Test func antiStarvationAfterTwoPriorityCalls() async throws {
        let (store, _) = try await Fixture.store()
        try await store.take("general")  // A001 normal
        try await store.take("general")  // A002 normal
        for _ in 0..<4 { try await store.take("general", priority: .green) }  // A003–A006 green
        var order: [String] = []
        for _ in 0..<6 { order.append(try await store.serveNext(2)) }
        #expect(order == ["A003", "A004", "A001", "A005", "A006", "A002"])
    }

    @Test func appointmentsArePriorityOnlyInsideTheirSlot() async throws {
        let (store, clock) = try await Fixture.store()
        try await store.take("general")  // A001
        let slot = try AppointmentSlot(start: Fixture.date(25, 10, 30), end: Fixture.date(25, 11, 0))
        _ = try await store.issue(IssueRequest(siteID: "hall", service: "general", priority: .appointment, appointment: slot))  // A002
        try await store.take("general")  // A003
        #expect(try await store.serveNext(2) == "A001", "10:00: the slot has not begun, so A002 waits its turn")
        clock.set(Fixture.date(25, 10, 40))
        try await store.take("general")  // A004
        #expect(try await store.serveNext(2) == "A002", "inside the slot it goes first")
        #expect(try await store.serveNext(2) == "A003")
    }

    @Test func remoteTicketsArePassedOverUntilCheckIn() async throws {
        let (store, _) = try await Fixture.store()
        let remote = try await store.take("general", remote: true)  // A001
        try await store.take("general")  // A002
        try await store.take("general")  // A003
        #expect(remote.state == .remote)
        #expect(try await store.serveNext(2) == "A002")
        let checkedIn = try await store.checkIn(.token(remote.token))
        #expect(checkedIn.state == .waiting)
        #expect(try await store.serveNext(2) == "A001", "it kept its place")
        #expect(try await store.serveNext(2) == "A003")
    }

    @Test func pausedWindowCannotCallButMayFinish() async throws {
        let (store, _) = try await Fixture.store()
        try await store.take("general")
        try await store.take("general")
        _ = try await store.call(2)
        try await store.pause(site: "hall", counter: 2)
        await #expect(throws: QuhaoError(.counterPaused, ["counter": "2"])) { try await store.pause(site: "hall", counter: 2) }
        _ = try await store.start(site: "hall", counter: 2)
        _ = try await store.complete(site: "hall", counter: 2)
        await #expect(throws: QuhaoError(.counterPaused, ["counter": "2"])) { try await store.call(2) }
        let queues = try await store.queues(site: "hall")
        #expect(queues.first { $0.service.id == "general" }?.estimatedWait != nil, "windows 1 and 3 still serve general")
        try await store.resume(site: "hall", counter: 2)
        await #expect(throws: QuhaoError(.counterNotPaused, ["counter": "2"])) { try await store.resume(site: "hall", counter: 2) }
        #expect(try await store.call(2) == "A002")
    }

    @Test func unknownWindowIsRefused() async throws {
        let (store, _) = try await Fixture.store()
        await #expect(throws: QuhaoError(.counterNotFound, ["counter": "9"])) { try await store.call(9) }
    }
}

@Suite struct CallByNumberTests {
    @Test func callsTheNumberOutOfTurnOnlyWhenFree() async throws {
        let (store, _) = try await Fixture.store()
        for _ in 0..<3 { try await store.take("general") }
        let called = try await store.callTicket(site: "hall", counter: 2, number: "a003", by: .staff("7"))
        #expect(called.ticket.number.description == "A003")
        #expect(called.ticket.state == .called)
        #expect(!called.alreadyHeld)
        // A retry of the same request answers with the same ticket; another number is refused.
        #expect(try await store.callTicket(site: "hall", counter: 2, number: "A003").alreadyHeld)
        await #expect(throws: QuhaoError(.counterBusy, ["counter": "2", "number": "A003"])) {
            try await store.callTicket(site: "hall", counter: 2, number: "A001")
        }
        // Window 1 may not take the ticket window 2 holds, nor a number that does not exist.
        await #expect(throws: QuhaoError(.ticketInvalidTransition, ["number": "A003", "state": "called", "action": "call"])) {
            try await store.callTicket(site: "hall", counter: 1, number: "A003")
        }
        await #expect(throws: QuhaoError(.ticketNotFound, ["ticket": "A404"])) {
            try await store.callTicket(site: "hall", counter: 1, number: "A404")
        }
        await #expect(throws: QuhaoError(.ticketNumberInvalid, ["number": "??"])) {
            try await store.callTicket(site: "hall", counter: 1, number: "??")
        }
        // The queue goes on in order without the number called out of turn.
        _ = try await store.start(site: "hall", counter: 2)
        _ = try await store.complete(site: "hall", counter: 2)
        #expect(try await store.serveNext(2) == "A001")
        #expect(try await store.serveNext(2) == "A002")
        await #expect(throws: QuhaoError(.queueEmpty, ["counter": "2"])) { try await store.call(2) }
        let log = try await store.audit(AuditQuery(siteID: "hall", number: "A003", action: "call"))
        #expect(log.map(\.initiator) == ["staff:7"])
        #expect(log.first?.detail == "by number")
    }

    @Test func refusesPausedWindowsAndOtherBusinessTypes() async throws {
        let (store, _) = try await Fixture.store()
        try await store.take("invoice", identity: "91350100M000100Y43")
        await #expect(throws: QuhaoError(.counterDoesNotServe, ["counter": "2", "service": "发票业务", "service@en": "Invoices"])) {
            try await store.callTicket(site: "hall", counter: 2, number: "B001")
        }
        try await store.pause(site: "hall", counter: 1)
        await #expect(throws: QuhaoError(.counterPaused, ["counter": "1"])) {
            try await store.callTicket(site: "hall", counter: 1, number: "B001")
        }
        #expect(try await store.callTicket(site: "hall", counter: 3, number: "B001").ticket.counterID == 3)
    }
}
