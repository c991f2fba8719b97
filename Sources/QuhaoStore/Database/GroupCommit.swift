import CoreMetrics
import Foundation
import GRDB
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

    private let writer: any DatabaseWriter
    private let clock: any QuhaoClock
    private let observers: CommitObservers
    private let activity: TicketActivity
    private let metrics: StoreMetrics
    private let state = Mutex<(queue: [Job], draining: Bool)>(([], false))

    init(writer: any DatabaseWriter, clock: any QuhaoClock, observers: CommitObservers, activity: TicketActivity, metrics: StoreMetrics) {
        self.writer = writer
        self.clock = clock
        self.observers = observers
        self.activity = activity
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

    /// Queues the next batch on the writer's own queue. The batch is taken and committed there,
    /// and the one after is queued from there too: never a hop back to the task pool between two
    /// batches (on a busy pool that hop, not the commit, was what made issuing slow). One batch
    /// per turn, so other writes queued meanwhile are not starved by a long storm of issues.
    private func scheduleBatch() {
        writer.asyncWriteWithoutTransaction { db in
            let batch = self.state.withLock { state -> [Job] in
                let batch = Array(state.queue.prefix(Self.largestBatch))
                state.queue.removeFirst(batch.count)
                return batch
            }
            self.commit(batch, db)
            let more = self.state.withLock { state in
                if state.queue.isEmpty { state.draining = false }
                return state.draining
            }
            if more { self.scheduleBatch() }
        }
    }

    private func commit(_ batch: [Job], _ db: Database) {
        guard !batch.isEmpty else { return }
        let now = clock.now()
        let journal = CommitJournal()
        let session = GRDBDatabase(db: db, journal: journal)
        let began = ContinuousClock.now
        do {
            try db.inTransaction(.immediate) {
                for job in batch {
                    do {
                        try session.savepoint { try job.run(session, now) }
                    } catch {
                        // A full disk or an I/O error can make SQLite roll back the whole
                        // transaction: then nothing of this batch stands, and nothing more may
                        // run outside it (it would commit on its own, unannounced).
                        guard db.isInsideTransaction else { throw error }
                    }
                }
                return .commit
            }
        } catch {
            let failure = TicketStore.storageFailure(error)
            for job in batch { job.finish(failure) }
            return
        }
        metrics.writeTransaction.recordInterval(since: began)
        metrics.batchSize.record(batch.count)
        activity.committed(journal)
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
