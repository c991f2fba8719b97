import Foundation
import GRDB
import QuhaoCore
import QuhaoStore
import Testing

@Suite(.sqliteOnly) struct DurabilityTests {
    static let bigHall = Site(
        id: "hall", name: LocalizedText(zh: "大厅"),
        services: [Service(id: "general", prefix: "A", name: LocalizedText(zh: "综合业务"))],
        counters: (1...8).map { Counter(id: $0, services: ["general"]) })

    @Test func eightWindowsCallingAtOnceCallEveryTicketExactlyOnce() async throws {
        try await Fixture.withDatabaseFile { path in
            let store = try await Fixture.fileStore(path, sites: [Self.bigHall], durability: .normal)
            for _ in 0..<10_000 { _ = try await store.issue(IssueRequest(siteID: "hall", service: "general")) }

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
            #expect(called.count == 10_000)
            #expect(Set(called).count == 10_000, "no ticket called twice")
            #expect(perWindow.filter { !$0.isEmpty }.count == 8, "every window took part")
            // Each window called in queue order: its own calls are increasing.
            #expect(perWindow.allSatisfy { $0 == $0.sorted() })

            let tickets = try await store.tickets(site: "hall", day: BusinessDay(iso: "2026-11-25")!)
            #expect(tickets.count == 10_000)
            #expect(tickets.allSatisfy { $0.state == .done }, "none skipped")
            let calls = try await store.events(site: "hall").filter { $0.action == "call" }
            #expect(calls.count == 10_000)
            #expect(Set(calls.map(\.ticketID)) == Set(tickets.map(\.id)), "the events log agrees")
        }
    }

    @Test func numbersContinueAfterReopeningTheFile() async throws {
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
        try await Fixture.withDatabaseFile { path in
            let store = try await Fixture.fileStore(path)
            _ = try await store.issue(IssueRequest(siteID: "hall", service: "invoice", identity: "91350100M000100Y43", phone: "13812345678"))
            let bytes = Fixture.fileBytes(path)
            #expect(!bytes.isEmpty)
            #expect(bytes.range(of: Data("91350100M000100Y43".utf8)) == nil)
            #expect(bytes.range(of: Data("13812345678".utf8)) == nil)
            #expect(bytes.range(of: Data("9135***********Y43".utf8)) != nil, "the masked form is stored")
        }
    }

    @Test func theEventLogIsAppendOnlyAndOneCounterHoldsOneTicket() async throws {
        try await Fixture.withDatabaseFile { path in
            let store = try await Fixture.fileStore(path)
            try await store.take("general")
            try await store.take("general")
            _ = try await store.call(2)
            let pool = try DatabasePool(path: path)
            #expect(throws: DatabaseError.self) { try pool.write { try $0.execute(sql: "UPDATE ticket_events SET action = 'x'") } }
            #expect(throws: DatabaseError.self) { try pool.write { try $0.execute(sql: "DELETE FROM ticket_events") } }
            // Even a buggy writer cannot give window 2 a second ticket: the schema refuses.
            #expect(throws: DatabaseError.self) {
                try pool.write { try $0.execute(sql: "UPDATE tickets SET state = 'called', counter_id = 2 WHERE number = 'A002'") }
            }
        }
    }
}
