import Foundation
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
                    "INSERT INTO operations (name, at, detail) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET at = excluded.at, detail = excluded.detail",
                    [name, now, detail])
            }
        }
    }

    /// Takes a chore (expiring what the day left open, clearing personal data) for this daemon
    /// when nobody has taken it since `notDoneSince`: of the daemons sharing a database, one takes
    /// it and the others are told it is done. On one SQLite file there is one daemon, which always takes it.
    /// - Returns: Whether this daemon is to do it now.
    public func claim(_ name: String, notDoneSince: Date) async throws -> Bool {
        let now = clock.now()
        return try await guarded {
            try await writer.write { db in
                try db.execute(
                    """
                    INSERT INTO operations (name, at, detail) VALUES (?, ?, NULL)
                    ON CONFLICT (name) DO UPDATE SET at = excluded.at WHERE operations.at < ?
                    """, [name, now, notDoneSince]) == 1
            }
        }
    }

    /// When a chore was last done, if ever.
    public func last(_ name: String) async throws -> OperationRecord? {
        try await read { db in
            try db.row("SELECT at, detail FROM operations WHERE name = ?", [name]).map {
                OperationRecord(name: name, at: try $0["at"], detail: try $0["detail"])
            }
        }
    }

    /// Bytes the database takes on disk: the file and its write-ahead log (0 in memory).
    public func databaseBytes() -> Int64 { writer.bytesOnDisk() }
}
