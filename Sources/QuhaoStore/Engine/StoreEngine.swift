import Foundation
import GRDB

/// Where the store's transactions run: one writer (commands, one at a time) and readers.
/// Bodies are synchronous and run on the engine's own threads, never on the task pool.
protocol StoreEngine: Sendable {
    /// Runs `body` in one write transaction; committed if it returns, rolled back if it throws.
    /// After the commit the engine's listener is told what the body noted in its ``SQLDatabase/journal``.
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) throws -> T) async throws -> T
    /// Queues `body` as one write transaction on the writer's own thread and returns at once;
    /// `done` is called there, after the commit (`nil`) or the rollback (the error), before the
    /// writer takes its next transaction. What the body noted is told to the listener before `done`.
    func writeInBackground(_ body: @escaping @Sendable (any SQLDatabase) throws -> Void, done: @escaping @Sendable ((any Error)?) -> Void)
    /// Runs `body` against a consistent view of the committed data.
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) throws -> T) async throws -> T
    /// Makes what was deleted or overwritten leave the files now (retention), where the engine keeps it apart.
    func dropFreedPages() async throws
    /// Bytes the data takes on disk (0 when not known here).
    func bytesOnDisk() -> Int64
}

/// SQLite through GRDB: a pool (one writer, concurrent readers in WAL mode) or an in-memory queue.
struct SQLiteEngine: StoreEngine {
    let database: any DatabaseWriter
    /// Told what each committed write did.
    let committed: @Sendable (CommitJournal) -> Void

    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) throws -> T) async throws -> T {
        let journal = CommitJournal()
        let value = try await database.write { try body(GRDBDatabase(db: $0, journal: journal)) }
        committed(journal)
        return value
    }

    func writeInBackground(_ body: @escaping @Sendable (any SQLDatabase) throws -> Void, done: @escaping @Sendable ((any Error)?) -> Void) {
        database.asyncWriteWithoutTransaction { db in
            let journal = CommitJournal()
            do {
                try db.inTransaction(.immediate) {
                    try body(GRDBDatabase(db: db, journal: journal))
                    return .commit
                }
            } catch {
                done(error)
                return
            }
            committed(journal)
            done(nil)
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) throws -> T) async throws -> T {
        try await database.read { try body(GRDBDatabase(db: $0)) }
    }

    /// The write-ahead log checkpointed and truncated: the old values are in neither file
    /// (`secure_delete` zeroes what is freed in the database file).
    func dropFreedPages() async throws {
        try await database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    /// The file and its write-ahead log (0 in memory).
    func bytesOnDisk() -> Int64 {
        let path = database.path
        guard path != ":memory:", !path.isEmpty else { return 0 }
        return [path, path + "-wal"].reduce(0) { total, file in
            total + ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value ?? 0)
        }
    }
}
