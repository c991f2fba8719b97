import Crypto
import Foundation
import GRDB
import QuhaoCore

/// A signed-in staff member.
public struct StaffSession: Sendable, Hashable {
    public let account: StaffAccount
    public let expiresAt: Date
}

extension TicketStore {
    /// How long a session lives at most, and how long it survives without use. A window PC is
    /// left open all day: every poll counts as use.
    public static let sessionLifetime: TimeInterval = 14 * 3600
    public static let sessionIdleTimeout: TimeInterval = 2 * 3600

    /// Opens a session for an account; returns the token for the cookie (kept only hashed here).
    public func openSession(for account: StaffAccount) async throws -> (token: String, session: StaffSession) {
        let token = random.token()
        let now = clock.now()
        let expires = now.addingTimeInterval(Self.sessionLifetime)
        try await guarded {
            try await writer.write { db in
                try db.execute(
                    sql: "INSERT INTO sessions (token_hash, staff_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [Self.tokenHash(token), account.id, now, now, expires])
                try db.execute(sql: "DELETE FROM sessions WHERE expires_at < ?", arguments: [now])
                try Self.logStaff(db, id: account.id, action: "login", at: now, by: .staff(String(account.id)))
            }
        }
        return (token, StaffSession(account: account, expiresAt: expires))
    }

    /// The session of a token, if it is live and its account enabled; using it keeps it alive.
    public func session(token: String) async throws -> StaffSession? {
        let now = clock.now()
        let hash = Self.tokenHash(token)
        return try await guarded {
            try await writer.write { db -> StaffSession? in
                guard
                    let row = try Row.fetchOne(
                        db, sql: "SELECT staff_id, last_seen_at, expires_at FROM sessions WHERE token_hash = ?", arguments: [hash])
                else { return nil }
                let lastSeen: Date = row["last_seen_at"]
                let expires: Date = row["expires_at"]
                guard now < expires, now.timeIntervalSince(lastSeen) < Self.sessionIdleTimeout,
                    let account = try Self.account(db, id: row["staff_id"]), !account.disabled
                else {
                    try db.execute(sql: "DELETE FROM sessions WHERE token_hash = ?", arguments: [hash])
                    return nil
                }
                // Touch at most once a minute: polls must not turn into a write each.
                if now.timeIntervalSince(lastSeen) > 60 {
                    try db.execute(sql: "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?", arguments: [now, hash])
                }
                return StaffSession(account: account, expiresAt: expires)
            }
        }
    }

    /// Ends a session (logout).
    public func closeSession(token: String) async throws {
        let hash = Self.tokenHash(token)
        let now = clock.now()
        try await guarded {
            try await writer.write { db in
                if let id = try Int64.fetchOne(db, sql: "SELECT staff_id FROM sessions WHERE token_hash = ?", arguments: [hash]) {
                    try db.execute(sql: "DELETE FROM sessions WHERE token_hash = ?", arguments: [hash])
                    try Self.logStaff(db, id: id, action: "logout", at: now, by: .staff(String(id)))
                }
            }
        }
    }

    static func tokenHash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
