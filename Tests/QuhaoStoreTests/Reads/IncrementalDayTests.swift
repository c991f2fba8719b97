import Foundation
import QuhaoCore
import Synchronization
import Testing

@testable import LiveBoard
@testable import QuhaoStore

/// The live board re-reads only the tickets a commit touched, merges them into the day it holds
/// and encodes again only the views that can have changed. Whatever happens, the merged day must
/// equal a full read and the board must serve what a board built from scratch serves.
@Suite struct IncrementalDayTests {
    /// Collects what the store announces after each commit, as the board does.
    final class Changes: Sendable {
        private let pending = Mutex<TicketChanges?>(nil)
        init(_ store: TicketStore) {
            store.onCommit { [self] site, changes, _ in
                guard site == "hall" else { return }
                pending.withLock { $0 = $0.map { $0.union(changes) } ?? changes }
            }
        }
        func take() -> TicketChanges {
            pending.withLock { pending in
                defer { pending = nil }
                return pending ?? .none
            }
        }
    }

    /// Re-reads incrementally and checks the result against a full read.
    static func expectSameAsFullRead(_ store: TicketStore, _ day: inout SiteDay, _ changes: Changes, _ step: String) async throws {
        let merged = try await store.siteDay(site: "hall", updating: day, changes: changes.take())
        let full = try await store.siteDay(site: "hall")
        #expect(merged.tickets == full.tickets, "tickets differ after \(step)")
        #expect(merged.counters == full.counters, "windows differ after \(step)")
        #expect(merged.ratings == full.ratings, "ratings differ after \(step)")
        day = merged
    }

    /// A board kept up to date by the store's commits, as in the daemon.
    static func liveBoard(_ store: TicketStore) -> LiveBoard {
        let board = LiveBoard(bootID: "live", settle: .zero) { try await store.siteDay(site: $0, updating: $1, changes: $2) }
        store.onCommit { board.invalidate($0, changes: $1, through: $2) }
        return board
    }

    /// The live board after a refresh serves the same bytes as a board built from scratch.
    static func expectSameAsFreshBoard(_ store: TicketStore, _ board: LiveBoard, _ step: String) async throws {
        let live = try await board.refresh("hall")
        let fresh = try await LiveBoard(bootID: "fresh") { site, _, _ in try await store.siteDay(site: site) }.snapshot("hall")
        #expect(live.boardJSON == fresh.boardJSON, "board differs after \(step)")
        #expect(live.tickets.keys.sorted() == fresh.tickets.keys.sorted(), "tickets differ after \(step)")
        for (token, entry) in fresh.tickets where live.tickets[token]?.json != entry.json {
            Issue.record("ticket \(entry.view.number) differs after \(step)")
        }
    }

    @Test func everyKindOfChangeMergesToWhatAFullReadSees() async throws {
        let (store, clock) = try await Fixture.store()
        let changes = Changes(store)
        let board = Self.liveBoard(store)
        var day = try await store.siteDay(site: "hall")
        _ = changes.take()
        // A fixed pseudo-random walk through every command (failures are part of it: a refused
        // command must not leave a trace either).
        var seed: UInt64 = 20_261_125
        func next(_ bound: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(bound))
        }
        var tokens: [String] = []
        var steps: [String: Int] = [:]
        for _ in 0..<400 {
            let counter = 1 + next(3)
            let step: String
            switch next(12) {
            case 0, 1, 2:
                step = "issue"
                let remote = next(4) == 0
                if let ticket = try? await store.take(next(3) == 0 ? "capped" : "general", priority: next(5) == 0 ? .green : .normal, remote: remote)
                {
                    tokens.append(ticket.token)
                }
            case 3:
                step = "call"
                _ = try? await store.callNext(site: "hall", counter: counter)
            case 4:
                step = "start+complete"
                _ = try? await store.start(site: "hall", counter: counter)
                _ = try? await store.complete(site: "hall", counter: counter)
            case 5:
                step = "recall"
                _ = try? await store.recall(site: "hall", counter: counter)
            case 6:
                step = "no-show"
                clock.advance(by: 31)
                _ = try? await store.recall(site: "hall", counter: counter)
                _ = try? await store.recall(site: "hall", counter: counter)
                _ = try? await store.markNoShow(site: "hall", counter: counter)
            case 7:
                step = "transfer"
                _ = try? await store.transfer(site: "hall", counter: counter, to: next(2) == 0 ? "general" : "capped")
            case 8:
                step = "cancel / check in / reactivate"
                if !tokens.isEmpty {
                    let token = tokens[next(tokens.count)]
                    _ = try? await store.cancel(.token(token))
                    _ = try? await store.checkIn(.token(token))
                    _ = try? await store.reactivate(.token(token))
                }
            case 9:
                step = "pause / resume"
                if next(2) == 0 {
                    try? await store.pause(site: "hall", counter: counter)
                } else {
                    try? await store.resume(site: "hall", counter: counter)
                }
            case 10:
                step = "rate"
                if !tokens.isEmpty { _ = try? await store.rate(.token(tokens[next(tokens.count)]), score: 1 + next(5)) }
            default:
                step = "renumber"
                try await store.write(site: "hall") { context in try TicketStore.renumberQueue(context.db, site: "hall", day: context.day) }
            }
            steps[step, default: 0] += 1
            clock.advance(by: Double(next(90)))
            try await Self.expectSameAsFullRead(store, &day, changes, step)
            try await Self.expectSameAsFreshBoard(store, board, step)
        }
        #expect(day.tickets.count > 50)
        #expect(Set(day.tickets.map(\.state)).count >= 5, "the walk reached most states")
        #expect(steps.count == 10, "every kind of step ran")
    }

    @Test func aNewDayIsReadWhole() async throws {
        let (store, clock) = try await Fixture.store()
        let changes = Changes(store)
        try await store.take("general")
        var day = try await store.siteDay(site: "hall")
        _ = changes.take()
        clock.advance(by: 86_400)
        try await store.take("general")
        try await Self.expectSameAsFullRead(store, &day, changes, "midnight")
        #expect(day.tickets.map(\.number.description) == ["A001"], "only the new day's ticket")
    }

    @Test func aCommitAnnouncesExactlyTheRowsItTouched() async throws {
        let (store, _) = try await Fixture.store()
        let changes = Changes(store)
        let first = try await store.take("general")
        #expect(changes.take() == .only([first.id]))
        let second = try await store.take("general")
        _ = changes.take()
        _ = try await store.callNext(site: "hall", counter: 2)
        #expect(changes.take() == .only([first.id]))
        try await store.pause(site: "hall", counter: 1)
        #expect(changes.take() == .none, "a pause touches no ticket")
        await #expect(throws: QuhaoError.self) { try await store.take("mondays") }
        #expect(changes.take() == .none, "a refused command announces nothing")
        _ = second
    }
}
