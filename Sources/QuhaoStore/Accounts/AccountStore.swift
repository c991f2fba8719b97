import Foundation
import GRDB
import QuhaoCore

/// Staff accounts, their sessions and the API tokens of integrations: who may act, kept in the
/// same database as the queue (one file, one writer) but apart from the queue's commands.
/// Passwords are kept only as bcrypt hashes, sessions and tokens only as SHA-256 hashes.
public struct AccountStore: Sendable {
    let writer: any DatabaseWriter
    let clock: any QuhaoClock
    let random: RandomSource
    /// The sites an account is bound to are checked against the configured ones.
    let sites: SiteDefinitions

    /// Runs a read.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await guarded { try await writer.read(body) }
    }

    /// Turns storage failures (disk full, I/O errors, read-only file) into `storage.unavailable`.
    func guarded<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw TicketStore.storageFailure(error)
        }
    }
}

extension TicketStore {
    /// The accounts, sessions and tokens kept in this store's database.
    public var accounts: AccountStore { AccountStore(writer: writer, clock: clock, random: random, sites: sites) }
}
