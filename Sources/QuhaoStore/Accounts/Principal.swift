import Foundation
import QuhaoCore

/// Whoever a staff request acts for: a signed-in staff member (cookie session) or an
/// integration's bearer token. Both carry a role bound to a site and windows; what they may do
/// is decided from these alone.
public struct Principal: Sendable, Hashable {
    public enum Credential: Sendable, Hashable {
        /// A browser session of a staff account.
        case session(StaffAccount)
        /// An API token, by id.
        case token(id: Int64)
    }

    public let credential: Credential
    /// The account's display name, or the token's name.
    public let name: String
    public let role: StaffRole
    public let siteID: String?
    /// Windows a `staff` principal may act at.
    public let counters: [Int]
    /// When the session or token stops working (`nil`: a token without expiry).
    public let expiresAt: Date?

    /// How its actions are recorded in the logs: `staff:12` or `token:3`.
    public var initiator: Initiator {
        switch credential {
        case .session(let account): .staff(String(account.id))
        case .token(let id): Initiator(.token, id: String(id))
        }
    }

    /// The staff account behind a session.
    public var account: StaffAccount? {
        if case .session(let account) = credential { return account }
        return nil
    }

    /// Whether it administers a site: an admin of every site (bound to none), or of that one.
    public func administers(_ site: String) -> Bool { role == .admin && (siteID == nil || siteID == site) }

    /// Whether it works at a site at all: its admins, and the staff and inspectors bound to it.
    public func worksAt(_ site: String) -> Bool { role == .admin ? administers(site) : siteID == site }

    /// Whether it may act at a site's window: its admins, staff at their site's listed windows,
    /// inspectors at their own office's.
    public func mayAct(site: String, counter: Int) -> Bool {
        switch role {
        case .admin: administers(site)
        case .staff: siteID == site && counters.contains(counter)
        case .inspector: siteID == site
        }
    }

    public init(session: StaffSession) {
        credential = .session(session.account)
        name = session.account.name
        role = session.account.role
        siteID = session.account.siteID
        counters = session.account.counters
        expiresAt = session.expiresAt
    }

    init(token: APIToken) {
        credential = .token(id: token.id)
        name = token.name
        role = token.role
        siteID = token.siteID
        counters = token.counters
        expiresAt = token.expiresAt
    }
}
