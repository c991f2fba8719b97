import Foundation
import QuhaoCore

/// Staff accounts, their sessions and the API tokens of integrations: who may act, kept in the
/// same database as the queue (one file, one writer) but apart from the queue's commands.
/// Passwords are kept only as bcrypt hashes, sessions and tokens only as SHA-256 hashes.
public struct AccountStore: StorageAccess {
    let writer: any StoreEngine
    let clock: any QuhaoClock
    let random: RandomSource
    /// The sites an account is bound to are checked against the configured ones.
    let sites: SiteDefinitions
}

extension TicketStore {
    /// The accounts, sessions and tokens kept in this store's database.
    public var accounts: AccountStore { AccountStore(writer: writer, clock: clock, random: random, sites: sites) }
}
