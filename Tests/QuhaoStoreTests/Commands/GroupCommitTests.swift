import Foundation
import QuhaoCore
import Synchronization
import Testing

@testable import QuhaoStore

/// Numbers taken together are committed together, each in its own savepoint.
@Suite struct GroupCommitTests {
    /// Keeps the writer busy for a moment, as a slow commit would, so that what comes meanwhile
    /// queues. Returns once the writer is held (not after a guessed pause).
    static func holdWriter(_ store: TicketStore, for seconds: Double) async -> Task<Void, any Error> {
        let (entered, signal) = AsyncStream.makeStream(of: Void.self)
        let task = Task {
            try await store.writer.write { _ in
                signal.yield()
                Thread.sleep(forTimeInterval: seconds)
            }
        }
        for await _ in entered { break }
        return task
    }

    @Test func issuesArrivingTogetherShareACommitAndKeepTheirOrderAndNumbers() async throws {
        try await Fixture.withStoredStore { store, _ in
            let commits = Atomic<Int>(0)
            store.onCommit { _, _, _ in commits.add(1, ordering: .relaxed) }
            let held = await Self.holdWriter(store, for: 0.3)
            let numbers = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<100 { group.addTask { try await store.take("general").number.description } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            try await held.value
            #expect(Set(numbers).count == 100, "no number twice")
            #expect(numbers.sorted() == (1...100).map { "A\($0.zeroPadded(3))" }, "none skipped")
            #expect(commits.load(ordering: .relaxed) <= 3, "100 issues in a couple of transactions, not 100")
            // Each is really stored, with its event.
            let day = try await store.siteDay(site: "hall")
            #expect(day.tickets.count == 100)
            #expect(try await store.events(site: "hall").filter { $0.action == "issue" }.count == 100)
        }
    }

    /// The code a command is refused with (`nil` when it succeeds).
    static func refusal(_ command: () async throws -> Ticket) async -> QuhaoError.Code? {
        do {
            _ = try await command()
            return nil
        } catch {
            return (error as? QuhaoError)?.code
        }
    }

    @Test func aRefusalInABatchUndoesOnlyItself() async throws {
        let (store, _) = try await Fixture.store()
        try await store.take("invoice", identity: "91350100M000100Y43")
        let held = await Self.holdWriter(store, for: 0.2)
        async let first = store.take("general")
        async let duplicate = Self.refusal { try await store.take("invoice", identity: "91350100M000100Y43") }
        async let closed = Self.refusal { try await store.take("mondays") }
        async let second = store.take("general")
        let numbers = [try await first.number.description, try await second.number.description].sorted()
        #expect([await duplicate, await closed] == [.identityDuplicate, .serviceClosed])
        try await held.value
        #expect(numbers == ["A001", "A002"], "the refused ones took no number and left no row")
        let day = try await store.siteDay(site: "hall")
        #expect(day.tickets.map(\.number.description).sorted() == ["A001", "A002", "B001"])
        #expect(try await store.events(site: "hall").count == 3)
    }
}
