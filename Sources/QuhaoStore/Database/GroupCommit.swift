import CoreMetrics
import Foundation
import QuhaoCore
import Synchronization

/// Commands that arrive while the writer is busy wait and are committed together: one
/// transaction, one `fsync`, for as many as came. Each runs in its own savepoint, so one
/// refused command never undoes another, and each caller is answered only after the commit
/// (durability is unchanged: an acknowledged ticket is on disk).
///
/// Taking numbers is the storm this is for: a hall opening at 8:30 with a hundred phones
/// scanning at once. With one transaction per ticket the writer spent most of its time
/// beginning, committing and syncing.
final class GroupCommit: Sendable {
    /// One queued command: `run` does its work inside the batch's transaction and keeps its
    /// own result; `finish` answers the caller once the batch is over.
    struct Job: Sendable {
        let site: String
        let run: @Sendable (any SQLDatabase, Date) throws -> Void
        let finish: @Sendable (_ commitFailure: (any Error)?) -> Void
    }

    /// At most this many commands in one transaction.
    static let largestBatch = 128

    private let engine: any StoreEngine
    private let clock: any QuhaoClock
    private let observers: CommitObservers
    private let metrics: StoreMetrics
    private let state = Mutex<(queue: [Job], draining: Bool)>(([], false))

    init(engine: any StoreEngine, clock: any QuhaoClock, observers: CommitObservers, metrics: StoreMetrics) {
        self.engine = engine
        self.clock = clock
        self.observers = observers
        self.metrics = metrics
    }

    /// Runs `body` in the next batch's transaction and returns its result once that is committed.
    /// - Throws: What `body` throws (its savepoint rolled back, the batch goes on), or
    ///   `storage.unavailable` when the batch cannot be committed.
    func submit<T: Sendable>(_ siteID: String, _ body: @escaping @Sendable (any SQLDatabase, Date) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let slot = Slot<T>()
            enqueue(
                Job(
                    site: siteID,
                    run: { db, now in
                        do {
                            slot.set(.success(try body(db, now)))
                        } catch {
                            slot.set(.failure(error))
                            throw error
                        }
                    },
                    finish: { commitFailure in
                        if let commitFailure {
                            continuation.resume(throwing: commitFailure)
                        } else {
                            // A job always ran before its batch committed; a missing result would be a bug of ours.
                            continuation.resume(with: (slot.result ?? .failure(CancellationError())).mapError(TicketStore.storageFailure))
                        }
                    }))
        }
    }

    private func enqueue(_ job: Job) {
        let start = state.withLock { state in
            state.queue.append(job)
            defer { state.draining = true }
            return !state.draining
        }
        if start { scheduleBatch() }
    }

    /// Queues the next batch on the writer's own thread. The batch is taken and committed there,
    /// and the one after is queued from there too: never a hop back to the task pool between two
    /// batches (on a busy pool that hop, not the commit, was what made issuing slow). One batch
    /// per turn, so other writes queued meanwhile are not starved by a long storm of issues.
    ///
    /// The batch runs its jobs site by site (in arrival order within a site): on PostgreSQL each
    /// job locks its site's row until the commit, and two daemons taking the same sites' locks in
    /// different orders would deadlock.
    private func scheduleBatch() {
        let taken = Mutex<(batch: [Job], journal: CommitJournal?, began: ContinuousClock.Instant)>(([], nil, .now))
        engine.writeInBackground(
            { db in
                let batch = self.state.withLock { state -> [Job] in
                    let batch = Array(state.queue.prefix(Self.largestBatch))
                    state.queue.removeFirst(batch.count)
                    return batch
                }
                taken.withLock { $0 = (batch, db.journal, .now) }
                let now = self.clock.now()
                let ordered = batch.enumerated().sorted { ($0.element.site, $0.offset) < ($1.element.site, $1.offset) }.map(\.element)
                for job in ordered {
                    do {
                        try db.savepoint { try job.run(db, now) }
                    } catch {
                        // A full disk or an I/O error can make SQLite roll back the whole
                        // transaction, a lost connection ends it on PostgreSQL: then nothing of
                        // this batch stands, and nothing more may run as part of it.
                        guard db.isTransactionOpen else { throw error }
                    }
                }
            },
            done: { failure in
                var (batch, journal, began) = taken.withLock { $0 }
                if failure != nil, journal == nil {
                    // The transaction never began (no connection to PostgreSQL): what waits now is
                    // refused at once, not retried until the server is back (its callers gone by then).
                    batch = self.state.withLock { state in
                        defer { state.queue.removeAll() }
                        return state.queue
                    }
                }
                self.finish(batch, journal: journal, began: began, failure: failure)
                let more = self.state.withLock { state in
                    if state.queue.isEmpty { state.draining = false }
                    return state.draining
                }
                if more { self.scheduleBatch() }
            })
    }

    private func finish(_ batch: [Job], journal: CommitJournal?, began: ContinuousClock.Instant, failure: (any Error)?) {
        if let failure {
            let failure = TicketStore.storageFailure(failure)
            for job in batch { job.finish(failure) }
            return
        }
        guard !batch.isEmpty, let journal else { return }
        metrics.writeTransaction.recordInterval(since: began)
        metrics.batchSize.record(batch.count)
        for site in Set(batch.map(\.site)) { observers.notify(site, .only(journal.entries.tickets)) }
        for job in batch { job.finish(nil) }
    }
}

/// Where a job keeps its result until the commit: written on the writer, read after the commit
/// by `finish`, never at the same time.
private final class Slot<T: Sendable>: Sendable {
    private let value = Mutex<Result<T, any Error>?>(nil)

    func set(_ result: Result<T, any Error>) { value.withLock { $0 = result } }
    var result: Result<T, any Error>? { value.withLock { $0 } }
}
