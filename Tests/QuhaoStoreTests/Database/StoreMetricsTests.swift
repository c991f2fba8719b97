import Foundation
import MetricsTestKit
import QuhaoCore
import Synchronization
import Testing

@testable import QuhaoStore

/// The store counts the ticket events that were committed, and only those.
@Suite struct StoreMetricsTests {
    /// Runs `body` with a store on the engine under test that reports to `TestMetrics`.
    static func withStore(_ body: (TicketStore, TestMetrics) async throws -> Void) async throws {
        let metrics = TestMetrics()
        try await Fixture.withStoredStore(metrics: StoreMetrics(factory: metrics)) { store, _ in try await body(store, metrics) }
    }

    static func count(_ metrics: TestMetrics, _ service: String, _ event: String) -> Int64 {
        metrics.counterTotal(
            label: StoreMetrics.Name.ticketEvents, dimensions: [("site", "hall"), ("service", service), ("event", event)])
    }

    @Test func aMorningOfTicketsCountsEachEventOnce() async throws {
        try await Self.withStore { store, metrics in
            for _ in 0..<5 { try await store.take("general") }
            try await store.take("invoice", identity: "91350100M000100Y43")
            #expect(try await store.call(1) == "A001")
            _ = try await store.start(site: "hall", counter: 1)
            _ = try await store.complete(site: "hall", counter: 1)
            #expect(try await store.call(2) == "A002")
            _ = try await store.recall(site: "hall", counter: 2)
            #expect(Self.count(metrics, "general", "issued") == 5)
            #expect(Self.count(metrics, "invoice", "issued") == 1)
            #expect(Self.count(metrics, "general", "called") == 2)
            #expect(Self.count(metrics, "general", "recalled") == 1)
            #expect(Self.count(metrics, "general", "started") == 1)
            #expect(Self.count(metrics, "general", "completed") == 1)
            #expect(Self.count(metrics, "invoice", "called") == 0)
            // Every write transaction was timed; the issues went through group commits of 1 … 6.
            let timer = try metrics.expectTimer(StoreMetrics.Name.writeTransaction)
            #expect(timer.values.count >= 11)
            #expect(timer.values.allSatisfy { $0 > 0 && $0 < 60_000_000_000 })
            let batches = try metrics.expectRecorder(StoreMetrics.Name.batchSize)
            #expect(batches.values.reduce(0, +) == 6)
        }
    }

    @Test func refusedAndRolledBackCommandsCountNothing() async throws {
        try await Self.withStore { store, metrics in
            // Issued together in one group commit: the refused ones' savepoints roll back, the others stand.
            let held = await GroupCommitTests.holdWriter(store, for: 0.3)
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        // Every odd one lacks the identity its business type needs.
                        (try? await store.take("invoice", identity: index.isMultiple(of: 2) ? "91350100M000100Y43" : nil)) != nil
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            try await held.value
            // One identity, one number per business type and day: only the first even one is issued.
            #expect(outcomes.filter { $0 }.count == 1)
            #expect(Self.count(metrics, "invoice", "issued") == 1)
            // A savepoint rolled back after appending an event leaves no count; the rest of its transaction does.
            let ticket = try await store.ticket(.number(site: "hall", "B001"))
            let record = try await store.writer.read { try TicketRecord.fetchOne($0, id: ticket.id)! }
            struct Refused: Error {}
            @Sendable func event(_ action: String, _ context: TicketStore.Context) -> TicketEvent {
                TicketEvent(
                    id: nil, ticketID: ticket.id, siteID: "hall", at: context.now, action: action, fromState: .waiting, toState: .waiting,
                    counterID: nil, serviceID: "invoice", initiator: "system", detail: nil)
            }
            try await store.writer.write { db in
                let context = TicketStore.Context(db: db, now: Fixture.morning, site: Fixture.site, random: .seeded(1))
                try? db.savepoint { () throws -> Void in
                    var refused = event("cancel", context)
                    try context.append(&refused, ticket: record)
                    throw Refused()
                }
                var kept = event("check_in", context)
                try context.append(&kept, ticket: record)
            }
            #expect(Self.count(metrics, "invoice", "cancelled") == 0)
            #expect(Self.count(metrics, "invoice", "checked_in") == 1)
            // A transaction that appends an event and then fails leaves no count.
            await #expect(throws: QuhaoError.self) {
                try await store.write(site: "hall") { context in
                    var called = event("call", context)
                    try context.append(&called, ticket: record)
                    throw QuhaoError(.queueEmpty)
                }
            }
            #expect(Self.count(metrics, "invoice", "called") == 0)
            #expect(try await store.call(1) == "B001")
            #expect(Self.count(metrics, "invoice", "called") == 1)
        }
    }
}
