import Foundation
import GRDB
import QuhaoCore

/// One of the daemon's chores, as last done.
public struct OperationRecord: Sendable, Hashable {
    public let name: String
    public let at: Date
    public let detail: String?
}

extension StoreOperations {
    /// The operation name under which the last good nightly backup is kept.
    public static let nightlyBackupOperation = "nightly_backup"

    // MARK: - Operations

    /// Proves the database takes writes now: commits a one-row write (a full disk, a read-only
    /// file or a lock held too long fail it). For `/readyz`.
    /// - Throws: `storage.unavailable` (or the lock timeout) when it does not.
    public func probeWritable() async throws {
        try await record("readyz", detail: nil)
    }

    /// Records that a chore was done now (the latest of each name is kept).
    public func record(_ name: String, detail: String?) async throws {
        let now = clock.now()
        try await guarded {
            try await writer.write { db in
                try db.execute(
                    sql:
                        "INSERT INTO operations (name, at, detail) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET at = excluded.at, detail = excluded.detail",
                    arguments: [name, now, detail])
            }
        }
    }

    /// When a chore was last done, if ever.
    public func last(_ name: String) async throws -> OperationRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT at, detail FROM operations WHERE name = ?", arguments: [name]).map {
                OperationRecord(name: name, at: $0["at"], detail: $0["detail"])
            }
        }
    }

    /// Bytes the database takes on disk: the file and its write-ahead log (0 in memory).
    public func databaseBytes() -> Int64 {
        let path = writer.path
        guard path != ":memory:", !path.isEmpty else { return 0 }
        return [path, path + "-wal"].reduce(0) { total, file in
            total + ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value ?? 0)
        }
    }
}
