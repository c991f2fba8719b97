import Foundation
import QuhaoCore
import Synchronization
import Testing

@testable import LiveBoard

@Suite struct LiveBoardTests {
    static let site = Site(
        id: "hall", name: LocalizedText(zh: "大厅"),
        services: [Service(id: "general", prefix: "A", name: LocalizedText(zh: "综合业务", en: "General"))],
        counters: [Counter(id: 1, services: ["general"]), Counter(id: 2, services: ["general"])])

    /// A source whose tickets the test sets, counting reads.
    final class Source: Sendable {
        let tickets = Mutex<[Ticket]>([])
        let reads = Atomic<Int>(0)
        let now = Date(timeIntervalSince1970: 1_795_600_000)

        func day(_ siteID: String) throws -> SiteDay {
            reads.add(1, ordering: .relaxed)
            guard siteID == "hall" else { throw QuhaoError(.siteNotFound, ["site": siteID]) }
            let tickets = self.tickets.withLock { $0 }
            let held = Dictionary(tickets.filter { $0.state == .called }.map { ($0.counterID!, $0) }, uniquingKeysWith: { a, _ in a })
            return SiteDay(
                site: site, day: BusinessDay(now, in: site.zone), now: now, tickets: tickets,
                counters: site.counters.map { CounterStatus(counter: $0, paused: false, current: held[$0.id]) },
                averageServiceSeconds: ["general": 300], recentCalls: [])
        }

        func add(_ sequence: Int, state: TicketState = .waiting, counter: Int? = nil) {
            let ticket = Ticket(
                id: Int64(sequence), token: "token\(sequence)", siteID: "hall", day: BusinessDay(now, in: site.zone),
                number: TicketNumber(prefix: "A", sequence: sequence), serviceID: "general", state: state, queueKey: Int64(sequence),
                counterID: counter, issuedAt: now)
            tickets.withLock {
                $0.removeAll { $0.id == ticket.id }
                $0.append(ticket)
            }
        }
    }

    func makeBoard() -> (LiveBoard, Source) {
        let source = Source()
        return (LiveBoard(bootID: "boot", source: { site, _, _ in try source.day(site) }), source)
    }

    @Test func snapshotCarriesBoardAndTicketsWithoutIds() async throws {
        let (board, source) = makeBoard()
        source.add(1)
        source.add(2)
        let snapshot = try await board.snapshot("hall")
        #expect(snapshot.version == 1)
        #expect(snapshot.etag == "\"boot-1\"")
        #expect(snapshot.board.services.first?.waiting == 2)
        #expect(snapshot.board.services.first?.estimatedWaitSeconds == 300, "2 waiting ÷ 2 windows × 5 min")
        let second = try #require(snapshot.tickets["token2"])
        #expect(second.view.peopleAhead == 1)
        #expect(second.view.estimatedWaitSeconds == 150)
        let json = String(decoding: second.json, as: UTF8.self)
        #expect(json.contains(#""people_ahead":1"#))
        #expect(!json.contains("\"id\""), "ids never leave staff routes")
        #expect(!json.contains("token"))
    }

    /// Found by a walk: "almost your turn" was planned after this daemon's commits only, so a call
    /// from the command line sent nothing. The planner follows the board, which sees every change.
    @Test func listenersAreToldOfEachRebuildThatChangedTheBoardWhoeverMadeIt() async throws {
        let (board, source) = makeBoard()
        source.add(1)
        let told = Mutex<[String]>([])
        board.onChange { site in told.withLock { $0.append(site) } }
        _ = try await board.snapshot("hall")
        #expect(told.withLock { $0 } == ["hall"], "the first build")
        // A change made elsewhere (invalidated without a commit sequence of this daemon's).
        source.add(1, state: .called, counter: 2)
        board.invalidate("hall")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await board.run() }
            _ = try await board.snapshot("hall", changedFrom: 1, timeout: .seconds(10))
            group.cancelAll()
        }
        #expect(told.withLock { $0 } == ["hall", "hall"])
        // A rebuild that changed nothing shown tells nobody.
        // (Announced as commit 1: waiting for the board to hold it is waiting for that rebuild to end.)
        board.invalidate("hall", through: 1)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await board.run() }
            _ = try await board.snapshot("hall", including: 1)
            group.cancelAll()
        }
        #expect(source.reads.load(ordering: .relaxed) == 3, "the third read was that rebuild's")
        #expect(told.withLock { $0 } == ["hall", "hall"])
    }

    @Test func aWaiterIsReleasedSoonAfterAChange() async throws {
        let (board, source) = makeBoard()
        source.add(1)
        let first = try await board.snapshot("hall")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await board.run() }
            let clock = ContinuousClock()
            let started = clock.now
            async let changed = board.snapshot("hall", changedFrom: first.version, timeout: .seconds(10))
            while await board.waiterCount("hall") == 0 { try await Task.sleep(for: .milliseconds(1)) }
            source.add(1, state: .called, counter: 2)
            board.invalidate("hall")
            let snapshot = try await changed
            #expect(snapshot.version == 2)
            #expect(snapshot.tickets["token1"]?.view.counter == 2)
            // Released by the change, not by the 10 s timeout (how fast is measured by bench/, not asserted here).
            #expect(clock.now - started < .seconds(9))
            group.cancelAll()
        }
    }

    @Test func aWaiterWithoutChangeTimesOutWithTheSameVersion() async throws {
        let (board, _) = makeBoard()
        let first = try await board.snapshot("hall")
        let clock = ContinuousClock()
        let started = clock.now
        let again = try await board.snapshot("hall", changedFrom: first.version, timeout: .milliseconds(200))
        #expect(again.version == first.version)
        #expect(clock.now - started >= .milliseconds(200))
        #expect(await board.waiterCount("hall") == 0)
    }

    @Test func anOldVersionReturnsAtOnce() async throws {
        let (board, _) = makeBoard()
        _ = try await board.snapshot("hall")
        let snapshot = try await board.snapshot("hall", changedFrom: 0, timeout: .seconds(30))
        #expect(snapshot.version == 1)
    }

    @Test func cancelledWaitersLeave() async throws {
        let (board, _) = makeBoard()
        let first = try await board.snapshot("hall")
        let waiter = Task { try await board.snapshot("hall", changedFrom: first.version, timeout: .seconds(30)) }
        while await board.waiterCount("hall") == 0 { try await Task.sleep(for: .milliseconds(1)) }
        waiter.cancel()
        _ = try await waiter.value
        #expect(await board.waiterCount("hall") == 0)
    }

    @Test func manyInvalidationsCoalesce() async throws {
        let (board, source) = makeBoard()
        _ = try await board.snapshot("hall")
        source.add(1)
        for sequence in 1...1000 { board.invalidate("hall", changes: .all, through: UInt64(sequence)) }
        let loop = Task { await board.run() }
        defer { loop.cancel() }
        // Waits for the build that holds the last of them, not for a guessed time.
        let snapshot = try await board.snapshot("hall", including: 1000)
        #expect(snapshot.board.services.first?.waiting == 1, "the change is on the board")
        let reads = source.reads.load(ordering: .relaxed)
        #expect(reads >= 2, "at least one rebuild after the first build")
        #expect(reads <= 3, "1000 invalidations, a couple of rebuilds (\(reads) reads)")
    }

    /// One way for a change to reach the board: a handler that just committed waits for the
    /// build its commit asked for (through the commit hook and ``LiveBoard/run()``), never builds
    /// itself; twenty handlers at once share one or two builds and each sees its own change.
    @Test func handlersWaitForTheBuildTheirCommitAskedForAndShareIt() async throws {
        let source = Source()
        source.add(1)
        let board = LiveBoard(bootID: "boot", settle: .zero) { site, _, _ in
            try await Task.sleep(for: .milliseconds(20))  // a long day takes a while to read
            return try source.day(site)
        }
        _ = try await board.snapshot("hall")
        #expect(source.reads.load(ordering: .relaxed) == 1)
        for sequence in 2...21 { source.add(sequence) }
        // Twenty requests committed (sequences 1…20), each announced by the hook before it returned.
        for sequence in 1...20 { board.invalidate("hall", changes: .all, through: UInt64(sequence)) }
        let waiting = Task {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for sequence in 1...20 {
                    group.addTask { try await board.snapshot("hall", including: UInt64(sequence)).board.services[0].waiting }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        // Nothing builds for them until the board's own loop runs.
        for _ in 0..<50 { await Task.yield() }
        #expect(source.reads.load(ordering: .relaxed) == 1, "a waiting handler built the board itself")
        let loop = Task { await board.run() }
        defer { loop.cancel() }
        let seen = try await waiting.value
        #expect(seen.count == 20)
        #expect(seen.allSatisfy { $0 == 21 }, "every handler sees its change: \(seen)")
        #expect((2...3).contains(source.reads.load(ordering: .relaxed)), "one shared build (or two), not one per handler")
    }

    @Test func aHandlerWaitingOnARemovedSiteIsAnsweredWithTheFailure() async throws {
        let (board, _) = makeBoard()
        let loop = Task { await board.run() }
        defer { loop.cancel() }
        board.invalidate("annex", changes: .all, through: 1)
        let error = await #expect(throws: QuhaoError.self) { try await board.snapshot("annex", including: 1) }
        #expect(error?.code == .siteNotFound)
    }

    @Test func unchangedTicketsKeepTheirETag() async throws {
        let (board, source) = makeBoard()
        source.add(1)
        source.add(2)
        let first = try await board.snapshot("hall")
        source.add(3)
        board.invalidate("hall")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await board.run() }
            let second = try await board.snapshot("hall", changedFrom: first.version, timeout: .seconds(5))
            #expect(second.tickets["token1"]?.etag == first.tickets["token1"]?.etag)
            #expect(second.etag != first.etag)
            group.cancelAll()
        }
    }

    @Test func theConsoleCountsInOnePassAndNamesTheHeadOfTheQueue() throws {
        let source = Source()
        source.add(1)
        source.add(2, state: .done, counter: 1)
        source.add(3, state: .remote)
        source.tickets.withLock { tickets in
            var green = tickets[0]
            green = Ticket(
                id: 4, token: "token4", siteID: "hall", day: green.day, number: TicketNumber(prefix: "A", sequence: 4), serviceID: "general",
                state: .waiting, priority: .green, queueKey: 4, issuedAt: green.issuedAt)
            tickets.append(green)
        }
        let console = try #require(CounterConsoleView(try source.day("hall"), counter: 1))
        #expect(console.queues.first?.waiting == 2)
        #expect(console.queues.first?.remote == 1)
        #expect(console.queues.first?.next == "A004", "the green channel is called first")
        #expect(console.servedToday == 1)
        #expect(CounterConsoleView(try source.day("hall"), counter: 9) == nil)
    }

    @Test func unknownSiteThrows() async {
        let (board, _) = makeBoard()
        await #expect(throws: QuhaoError(.siteNotFound, ["site": "x"])) { try await board.snapshot("x") }
    }
}
