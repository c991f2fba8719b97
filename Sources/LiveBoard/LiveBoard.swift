import Foundation
import QuhaoCore
import Synchronization

/// Per-site snapshots of the board and of every ticket of the day, kept in memory so that
/// polls never touch the database (DESIGN.md decision 2).
///
/// After each commit the store calls ``invalidate(_:changes:)`` with the tickets it touched;
/// ``run()`` rebuilds the site's snapshot from one read of those rows (merged into the day it
/// holds), encodes only the views that can have changed, bumps its version and wakes the
/// long-poll waiters. Invalidations that arrive while a rebuild runs are coalesced into one more.
public actor LiveBoard {
    /// One site's state as served to polls.
    public struct Snapshot: Sendable {
        /// Rises by one with every rebuild.
        public let version: UInt64
        /// `"<boot>-<version>"`: unique across restarts, so an old ETag never matches new content.
        public let etag: String
        /// The site's definition (rules, services) as of this snapshot.
        public let site: Site
        public let board: BoardView
        public let boardJSON: Data
        /// Today's tickets by token.
        public let tickets: [String: Entry]
        /// The day it was built from: staff views are cut from it without another read.
        public let day: SiteDay
    }

    /// A ticket's encoded view and its ETag (a hash of the bytes: unchanged tickets keep it).
    /// (A class: a long day's table of tickets by token holds a pointer per slot, not the whole
    /// view inline in every slot of a table a third empty, and copying the table on a rebuild
    /// copies pointers.)
    public final class Entry: Sendable {
        public let view: TicketView
        public let json: Data
        public let etag: String

        init(view: TicketView, json: Data, etag: String) {
            self.view = view
            self.json = json
            self.etag = etag
        }
    }

    private let source: Source
    private let bootID: String
    private var snapshots: [String: Snapshot] = [:] {
        // Polls read the latest snapshots from here without waiting for the actor (which may be busy rebuilding).
        didSet { published.withLock { $0 = snapshots } }
    }
    private let published = Mutex<[String: Snapshot]>([:])
    private let changeListeners = Mutex<[@Sendable (String) -> Void]>([])
    private let closing = Mutex(false)
    private var building: [String: (id: UInt64, task: Task<Snapshot, any Error>)] = [:]
    private var nextBuild: UInt64 = 0
    /// Parked long-polls by site.
    private var waiters = WaiterRegistry()
    private var sweeper: Task<Void, Never>?
    private let waiterIDs = Atomic<UInt64>(0)
    /// Changes not yet read, by site.
    private let pending = Mutex<[String: TicketChanges]>([:])
    /// The highest commit sequence announced per site, and the highest one a published snapshot holds.
    private let announced = Mutex<[String: UInt64]>([:])
    private var included: [String: UInt64] = [:]
    /// Handlers waiting for their own commit to be on the board, by site.
    private var catchingUp: [String: [(sequence: UInt64, id: Int, resume: CheckedContinuation<Bool, Never>)]] = [:]
    /// Numbers the waiters of ``holds(_:sequence:within:)``, so a deadline wakes only its own.
    private var nextWaiter = 0
    /// Why the latest build of a site failed (cleared by a good one): catching-up handlers get it.
    private var failures: [String: any Error] = [:]
    private let wakes: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    /// Reads a site's day (one read transaction), given the day as last read and what changed
    /// since (`.all` or no previous day: read it all).
    public typealias Source = @Sendable (_ siteID: String, _ previous: SiteDay?, _ changes: TicketChanges) async throws -> SiteDay

    /// The shortest time between two rebuilds from ``run()``: under a storm of writes the board
    /// is rebuilt at most this often instead of back to back.
    let settle: Duration

    /// Creates a board.
    /// - Parameters:
    ///   - bootID: Distinguishes this process's versions from an earlier one's (random per start).
    ///   - settle: See ``settle``.
    ///   - source: See ``Source``.
    public init(bootID: String, settle: Duration = .milliseconds(50), source: @escaping Source) {
        self.bootID = bootID
        self.settle = settle
        self.source = source
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Marks a site changed; safe to call from any thread (the store's commit hook: the only way
    /// a change reaches the board).
    /// - Parameters:
    ///   - changes: The tickets the change touched; `.all` when not known (another process wrote).
    ///   - sequence: The store's commit sequence for the site, when it is one of the store's commits.
    public nonisolated func invalidate(_ siteID: String, changes: TicketChanges = .all, through sequence: UInt64? = nil) {
        if let sequence { announced.withLock { $0[siteID] = max($0[siteID] ?? 0, sequence) } }
        note(siteID, changes)
        wake.yield()
    }

    /// The site's snapshot once it holds the store's commit `sequence` (and everything before):
    /// a handler that just changed something answers with this, so the page it leads to never
    /// shows the state from before its change. It does not rebuild: it waits for the rebuild the
    /// commit itself asked for.
    /// - Throws: Why the rebuild failed (`site.not_found` for a site removed meanwhile).
    public func snapshot(_ siteID: String, including sequence: UInt64) async throws -> Snapshot {
        while (included[siteID] ?? 0) < sequence {
            nextWaiter += 1
            let id = nextWaiter
            let failed = await withCheckedContinuation { catchingUp[siteID, default: []].append((sequence, id, $0)) }
            if failed, (included[siteID] ?? 0) < sequence, let failure = failures[siteID] { throw failure }
        }
        return try await snapshot(siteID)
    }

    /// Whether the site's snapshot holds the store's commit `sequence`, waiting at most `timeout`
    /// for the rebuild the commit asked for. `false` when the time passed or the rebuild failed:
    /// the caller answers from what its command returned, since the change is committed whatever
    /// the board says (a handler must never report a committed change as failed).
    public func holds(_ siteID: String, sequence: UInt64, within timeout: Duration) async -> Bool {
        if (included[siteID] ?? 0) >= sequence { return true }
        nextWaiter += 1
        let id = nextWaiter
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.expire(siteID, waiter: id)
        }
        defer { timer.cancel() }
        _ = await withCheckedContinuation { catchingUp[siteID, default: []].append((sequence, id, $0)) }
        return (included[siteID] ?? 0) >= sequence
    }

    /// Wakes one waiter of ``holds(_:sequence:within:)`` whose time is up (if it is still waiting).
    private func expire(_ siteID: String, waiter id: Int) {
        guard var waiting = catchingUp[siteID], let index = waiting.firstIndex(where: { $0.id == id }) else { return }
        let waiter = waiting.remove(at: index)
        catchingUp[siteID] = waiting.isEmpty ? nil : waiting
        waiter.resume.resume(returning: true)
    }

    /// Wakes the handlers waiting on a site whose commit is now held, or all of them after a failure.
    private func releaseCatchingUp(_ siteID: String, failed: Bool) {
        guard var waiting = catchingUp[siteID] else { return }
        let held = included[siteID] ?? 0
        let ready = waiting.filter { failed || $0.sequence <= held }
        waiting.removeAll { failed || $0.sequence <= held }
        catchingUp[siteID] = waiting.isEmpty ? nil : waiting
        for waiter in ready { waiter.resume.resume(returning: failed) }
    }

    private nonisolated func note(_ siteID: String, _ changes: TicketChanges) {
        pending.withLock { $0[siteID] = $0[siteID].map { $0.union(changes) } ?? changes }
    }

    /// Rebuilds changed sites until cancelled. Run it as a service.
    public func run() async {
        var woken = wakes.makeAsyncIterator()
        var retrying = false
        while !Task.isCancelled {
            if !retrying {
                guard await woken.next() != nil else { return }
            }
            let sites = pending.withLock { Array($0.keys) }
            let began = ContinuousClock.now
            var failed = false
            for site in sites.sorted() {
                // A failed rebuild keeps the previous snapshot and its changes: tried again in a
                // second (a quiet hall's board must not stay stale until someone else takes a number).
                do { _ = try await rebuild(site) } catch { failed = true }
            }
            retrying = failed
            if failed {
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            // Changes arriving meanwhile are gathered into the next rebuild. On a very long day a
            // rebuild costs more, so the pause grows with it (rebuilds take at most a third of a
            // core from the requests that cause them), but never past a second: boards and
            // phones must not lag further behind than that.
            let pause = min(max(settle, (ContinuousClock.now - began) * 2), .seconds(1))
            if !sites.isEmpty, pause > .zero { try? await Task.sleep(for: pause) }
        }
    }

    /// The current snapshot of a site, built on first use. Once built, answered without entering
    /// the actor: a poll never queues behind a rebuild.
    /// - Throws: What the source throws (`site.not_found`).
    public nonisolated func snapshot(_ siteID: String) async throws -> Snapshot {
        if let snapshot = published.withLock({ $0[siteID] }) { return snapshot }
        return try await firstSnapshot(siteID)
    }

    private func firstSnapshot(_ siteID: String) async throws -> Snapshot {
        if let snapshot = snapshots[siteID] { return snapshot }
        return try await rebuild(siteID)
    }

    /// Waits until the site's snapshot differs from `version` or the timeout passes, then
    /// returns the current snapshot. A cancelled request (client gone) stops waiting at once.
    public func snapshot(_ siteID: String, changedFrom version: UInt64, timeout: Duration) async throws -> Snapshot {
        _ = try await snapshot(siteID)
        await waitForChange(siteID, from: version, timeout: timeout)
        return try await snapshot(siteID)
    }

    /// The version of a site's built snapshot, when `etag` is its ETag (the poller is up to date).
    public nonisolated func version(_ siteID: String, ifETag etag: String) -> UInt64? {
        published.withLock { $0[siteID] }.flatMap { $0.etag == etag ? $0.version : nil }
    }

    /// Waits until the site's version differs from `version`, the timeout passes, the board
    /// closes or the task is cancelled. Holds nothing while it waits but one continuation:
    /// ten thousand parked phones are ten thousand of these.
    public func waitForChange(_ siteID: String, from version: UInt64, timeout: Duration) async {
        guard snapshots[siteID]?.version == version, timeout > .zero, !closing.withLock({ $0 }) else { return }
        let id = waiterID()
        let deadline = ContinuousClock.now + timeout
        await withTaskCancellationHandler {
            await park(siteID, id, version: version, until: deadline)
        } onCancel: {
            Task { await self.unpark(siteID, id) }
        }
        _ = waiters.wasCancelled(id)
    }

    /// The site and board version of a ticket of today whose ETag is `etag` (its poller is up to date).
    public nonisolated func version(ofTicket token: String, ifETag etag: String) -> (site: String, version: UInt64)? {
        guard let (snapshot, entry) = ticket(token), entry.etag == etag else { return nil }
        return (snapshot.board.site.id, snapshot.version)
    }

    /// Whether the daemon is stopping (waits end at once).
    public nonisolated var isClosing: Bool { closing.withLock { $0 } }

    /// A fresh id for ``park(_:id:version:until:then:)`` (taken before parking, so the parker can
    /// cancel it even before the park lands).
    public nonisolated func waiterID() -> UInt64 { waiterIDs.add(1, ordering: .relaxed).newValue }

    /// Parks a callback instead of a task: `then` runs once, when the site's version differs from
    /// `version`, at `deadline`, when the board closes, or at once if one of those already holds
    /// (or `id` was cancelled with ``cancelWaiter(_:site:)``). For long-polls parked below the
    /// router, which hold no task at all while they wait.
    public func park(
        _ siteID: String, id: UInt64, version: UInt64, until deadline: ContinuousClock.Instant, then resume: @escaping @Sendable () -> Void
    ) {
        if waiters.wasCancelled(id) || closing.withLock({ $0 }) || snapshots[siteID]?.version != version {
            resume()
        } else {
            waiters.add(.init(resume: resume, deadline: deadline), id: id, site: siteID)
            startSweeper()
        }
    }

    /// Stops waiting (the client went away): the callback runs now, or never parks.
    public func cancelWaiter(_ id: UInt64, site siteID: String) { unpark(siteID, id) }

    /// Rebuilds a site now. For tests that drive the board without its ``run()`` loop; the daemon's
    /// handlers never call it (they wait with ``snapshot(_:including:)``), so there is one way for
    /// a change to reach the board.
    @discardableResult
    func refresh(_ siteID: String) async throws -> Snapshot {
        try await rebuild(siteID)
    }

    /// The daemon is stopping: every waiting request is answered now, and new ones do not wait.
    public nonisolated func close() {
        let first = closing.withLock { closed in
            defer { closed = true }
            return !closed
        }
        if first { Task { await self.releaseAll() } }
    }

    private func releaseAll() {
        for waiter in waiters.takeAll() { waiter.resume() }
    }

    /// The site's latest snapshot if one is built, without building it (readiness, metrics).
    public nonisolated func builtSnapshot(_ siteID: String) -> Snapshot? { published.withLock { $0[siteID] } }

    /// How many requests are waiting on a site (for metrics and tests).
    public func waiterCount(_ siteID: String) -> Int { waiters.count(siteID) }

    // MARK: - Private

    private func park(_ siteID: String, _ id: UInt64, version: UInt64, until deadline: ContinuousClock.Instant) async {
        await withCheckedContinuation { continuation in
            // Cancelled before parking, or a rebuild already landed: nothing to wait for.
            if waiters.wasCancelled(id) || closing.withLock({ $0 }) || snapshots[siteID]?.version != version {
                continuation.resume()
            } else {
                waiters.add(.init(resume: { continuation.resume() }, deadline: deadline), id: id, site: siteID)
                startSweeper()
            }
        }
    }

    /// One task per board answers the waiters whose time is up, four times a second, while any wait.
    private func startSweeper() {
        guard sweeper == nil else { return }
        sweeper = Task {
            while !waiters.isEmpty {
                try? await Task.sleep(for: .milliseconds(250))
                for waiter in waiters.takeExpired(at: .now) { waiter.resume() }
            }
            sweeper = nil
        }
    }

    /// Drops a site's snapshot and answers its waiters.
    private func forget(_ siteID: String) {
        snapshots[siteID] = nil
        for waiter in waiters.takeAll(site: siteID) { waiter.resume() }
    }

    private func unpark(_ siteID: String, _ id: UInt64) {
        // Not parked yet, the registry makes sure it never parks.
        waiters.cancel(id, site: siteID)?.resume()
    }

    /// Rebuilds a site, one build at a time per site: two overlapping reads could otherwise
    /// finish out of order and put older data over newer. A caller needs a build that started
    /// after it asked (that one has seen its change); callers arriving while one runs share the
    /// next build instead of queueing one each (a rush of takes meant a rebuild per take).
    @discardableResult
    private func rebuild(_ siteID: String) async throws -> Snapshot {
        let askedAfter = nextBuild
        while let running = building[siteID] {
            let result = await running.task.result
            // The finished build is cleared by whoever sees it first.
            if building[siteID]?.id == running.id { building[siteID] = nil }
            if running.id > askedAfter { return try result.get() }
        }
        nextBuild += 1
        let id = nextBuild
        let build = Task { try await self.build(siteID) }
        building[siteID] = (id, build)
        defer { if building[siteID]?.id == id { building[siteID] = nil } }
        return try await build.value
    }

    private func build(_ siteID: String) async throws -> Snapshot {
        // Taken now, so a change landing during the read is left for the next build. The commits
        // announced so far are all in what this build reads (each was announced after it committed).
        let changes = pending.withLock { $0.removeValue(forKey: siteID) } ?? .none
        let through = announced.withLock { $0[siteID] ?? 0 }
        let previous = snapshots[siteID]
        let day: SiteDay
        do {
            day = try await source(siteID, previous?.day, changes)
        } catch let error as QuhaoError where error.code == .siteNotFound {
            // The site is gone (a reload removed it): its board goes too, and whoever waits on
            // it is answered now (with 404), not when its wait runs out.
            forget(siteID)
            failures[siteID] = error
            releaseCatchingUp(siteID, failed: true)
            throw error
        } catch {
            note(siteID, changes)  // not read: keep them for the next try
            failures[siteID] = error
            releaseCatchingUp(siteID, failed: true)
            throw error
        }
        failures[siteID] = nil
        let (snapshot, changed) = try await SnapshotBuilder(bootID: bootID).build(day, previous: previous, changes: changes)
        snapshots[siteID] = snapshot
        included[siteID] = max(included[siteID] ?? 0, through)
        releaseCatchingUp(siteID, failed: false)
        if changed {
            for waiter in waiters.takeAll(site: siteID) { waiter.resume() }
            for listener in changeListeners.withLock({ $0 }) { listener(siteID) }
        }
        return snapshot
    }

    /// Calls `listener` with a site's id after each rebuild that changed what the site shows,
    /// whoever made the change (this daemon, the command line, another daemon): the messages'
    /// planner follows the queue from here. Called on the board's actor: keep it short.
    public nonisolated func onChange(_ listener: @escaping @Sendable (String) -> Void) {
        changeListeners.withLock { $0.append(listener) }
    }
}

extension LiveBoard {
    /// A ticket of today at any site whose snapshot is built, by token.
    public nonisolated func ticket(_ token: String) -> (Snapshot, Entry)? {
        for snapshot in published.withLock({ $0.values }) {
            if let entry = snapshot.tickets[token] { return (snapshot, entry) }
        }
        return nil
    }
}

extension JSONEncoder {
    /// The encoder of every public JSON document: snake_case keys, ISO 8601 dates, sorted keys, plain slashes.
    public static var quhao: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

extension JSONDecoder {
    /// Reads what ``JSONEncoder/quhao`` wrote (a display reading the board over HTTP).
    public static var quhao: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
