import Foundation
import QuhaoCore
import Testing

@testable import QuhaoStore

@Suite struct DurabilityTests {
    static let bigHall = Site(
        id: "hall", name: LocalizedText(zh: "大厅"),
        services: [Service(id: "general", prefix: "A", name: LocalizedText(zh: "综合业务"))],
        counters: (1...8).map { Counter(id: $0, services: ["general"]) })

    @Test func eightWindowsCallingAtOnceCallEveryTicketExactlyOnce() async throws {
        // Fewer on PostgreSQL: every command is a few round trips there, and the point is the same.
        let count = TestEngine.isPostgres ? 1_000 : 10_000
        try await Fixture.withStoredStore(sites: [Self.bigHall]) { store, _ in
            for _ in 0..<count { _ = try await store.issue(IssueRequest(siteID: "hall", service: "general")) }

            let perWindow = try await withThrowingTaskGroup(of: [Ticket.ID].self) { group in
                for counter in 1...8 {
                    group.addTask {
                        var called: [Ticket.ID] = []
                        while true {
                            let result: CallResult
                            do {
                                result = try await store.callNext(site: "hall", counter: counter)
                            } catch let error as QuhaoError where error.code == .queueEmpty {
                                return called
                            }
                            #expect(!result.alreadyHeld)
                            called.append(result.ticket.id)
                            _ = try await store.start(site: "hall", counter: counter, expecting: result.ticket.id)
                            _ = try await store.complete(site: "hall", counter: counter, expecting: result.ticket.id)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let called = perWindow.flatMap { $0 }
            #expect(called.count == count)
            #expect(Set(called).count == count, "no ticket called twice")
            #expect(perWindow.filter { !$0.isEmpty }.count == 8, "every window took part")
            // Each window called in queue order: its own calls are increasing.
            #expect(perWindow.allSatisfy { $0 == $0.sorted() })

            let tickets = try await store.tickets(site: "hall", day: BusinessDay(iso: "2026-11-25")!)
            #expect(tickets.count == count)
            #expect(tickets.allSatisfy { $0.state == .done }, "none skipped")
            let calls = try await store.events(site: "hall").filter { $0.action == "call" }
            #expect(calls.count == count)
            #expect(Set(calls.map(\.ticketID)) == Set(tickets.map(\.id)), "the events log agrees")
        }
    }

    @Test(.sqliteOnly) func numbersContinueAfterReopeningTheFile() async throws {
        try await Fixture.withDatabaseFile { path in
            let clock = ManualClock(Fixture.morning)
            var tokens: [String] = []
            do {
                let store = try await Fixture.fileStore(path)
                for _ in 0..<5 { tokens.append(try await store.take("general").token) }
                _ = try await store.call(2)
                _ = try await store.start(site: "hall", counter: 2)
            }
            let reopened = try TicketStore.open(path: path, clock: clock)
            #expect(try await reopened.siteIDs() == ["hall"], "the synced sites are in the file")
            #expect(try await reopened.take("general").number.description == "A006")
            let tickets = try await reopened.tickets(site: "hall", day: BusinessDay(iso: "2026-11-25")!)
            #expect(tickets.prefix(5).map(\.token) == tokens)
            #expect(tickets.map(\.state) == [.serving, .waiting, .waiting, .waiting, .waiting, .waiting])
            #expect(try await reopened.callNext(site: "hall", counter: 2).alreadyHeld, "window 2 still holds A001")
        }
    }

    @Test func identitiesNeverReachTheFileInClear() async throws {
        try await Fixture.withStoredStore { store, stored in
            _ = try await store.issue(IssueRequest(siteID: "hall", service: "invoice", identity: "91350100M000100Y43", phone: "13812345678"))
            let bytes = try await stored()
            #expect(!bytes.isEmpty)
            #expect(bytes.range(of: Data("91350100M000100Y43".utf8)) == nil)
            #expect(bytes.range(of: Data("13812345678".utf8)) == nil)
            #expect(bytes.range(of: Data("9135***********Y43".utf8)) != nil, "the masked form is stored")
        }
    }

    @Test func theEventLogIsAppendOnlyAndOneCounterHoldsOneTicket() async throws {
        try await Fixture.withStoredStore { store, _ in
            try await store.take("general")
            try await store.take("general")
            _ = try await store.call(2)
            // The schema refuses, whoever writes: a trigger on either engine, a unique index.
            await #expect(throws: (any Error).self) { try await store.writer.write { try $0.execute("UPDATE ticket_events SET action = 'x'") } }
            await #expect(throws: (any Error).self) { try await store.writer.write { try $0.execute("DELETE FROM ticket_events") } }
            // Even a buggy writer cannot give window 2 a second ticket.
            await #expect(throws: (any Error).self) {
                try await store.writer.write { try $0.execute("UPDATE tickets SET state = 'called', counter_id = 2 WHERE number = 'A002'") }
            }
            #expect(try await store.events(site: "hall").count == 3, "the log as it was")
        }
    }
}
