import Foundation
import QuhaoCore
import Synchronization

extension StoreOperations {
    // MARK: - Leases: one daemon at a time

    /// Takes or keeps the lease `name` (`printer:hall`, `webhook:hall:crm`) for `holder` until
    /// `lease` seconds from now: when nobody holds it, its holder's time has run out, or `holder`
    /// has it already. Two daemons asking at once: the second's write finds it held and takes nothing.
    /// - Returns: Whether `holder` holds it now.
    public func hold(_ name: String, holder: String, for lease: TimeInterval) async throws -> Bool {
        let now = clock.now()
        return try await guarded {
            try await writer.write { db in
                try db.execute(
                    """
                    INSERT INTO leases (name, holder, held_until) VALUES (?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, held_until = excluded.held_until
                    WHERE leases.holder = excluded.holder OR leases.held_until < ?
                    """, [name, holder, now.addingTimeInterval(lease), now]) == 1
            }
        }
    }

    /// Who holds the lease `name` now (`nil`: nobody, or its time has run out). A look only.
    public func holder(of name: String) async throws -> String? {
        let now = clock.now()
        return try await read { db in try db.value(String.self, "SELECT holder FROM leases WHERE name = ? AND held_until >= ?", [name, now]) }
    }

    /// Lets the lease go, if `holder` has it: another daemon takes it at its next look.
    public func release(_ name: String, holder: String) async throws {
        try await guarded {
            _ = try await writer.write { db in try db.execute("DELETE FROM leases WHERE name = ? AND holder = ?", [name, holder]) }
        }
    }

    /// Lets every lease go, whoever held it: for the one daemon on an SQLite file at its start (its
    /// file lock says no other daemon is there; a lease left by its previous run, killed before it
    /// let go, must not hold its printer and its webhooks up). Never on a shared database.
    public func forgetLeases() async throws {
        try await guarded { _ = try await writer.write { db in try db.execute("DELETE FROM leases") } }
    }
}

/// This process's name in leases and in what it did (`printed_by`, `delivered_by`): host, process
/// id and a random part (a process id is used again after a restart).
public enum LeaseHolder {
    public static let thisDaemon =
        "\(ProcessInfo.processInfo.hostName) pid \(ProcessInfo.processInfo.processIdentifier) \(UUID().uuidString.prefix(8).lowercased())"
}

/// One lease kept by one of this daemon's workers: taken, renewed once a third of it has passed,
/// let go. Another daemon's valid lease is looked at before any write, so a daemon that does not
/// hold it only reads.
public final class KeptLease: Sendable {
    public let name: String
    public let holder: String
    /// Seconds the lease lasts unless renewed: a daemon that dies leaves it to the others after this.
    public let lease: TimeInterval
    private let operations: StoreOperations
    private let renewed = Mutex<ContinuousClock.Instant?>(nil)

    public init(_ name: String, holder: String, lease: TimeInterval, operations: StoreOperations) {
        self.name = name
        self.holder = holder
        self.lease = lease
        self.operations = operations
    }

    /// Takes the lease, or renews it when a third of it has passed.
    /// - Returns: Whether this worker holds it (false: another daemon does, or the database does not answer).
    public func keep() async -> Bool {
        if let at = renewed.withLock({ $0 }), ContinuousClock.now - at < .seconds(lease / 3) { return true }
        if renewed.withLock({ $0 }) == nil, let other = try? await operations.holder(of: name), other != holder { return false }
        guard (try? await operations.hold(name, holder: holder, for: lease)) == true else {
            renewed.withLock { $0 = nil }
            return false
        }
        renewed.withLock { $0 = .now }
        return true
    }

    /// Lets it go (in a task of its own: a cancelled worker, the daemon stopping, would not get its write through).
    public func release() async {
        guard renewed.withLock({ $0 }) != nil else { return }
        renewed.withLock { $0 = nil }
        let (operations, name, holder) = (operations, name, holder)
        await Task { try? await operations.release(name, holder: holder) }.value
    }
}
