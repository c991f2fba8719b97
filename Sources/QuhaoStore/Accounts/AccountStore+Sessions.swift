import Crypto
import Foundation
import QuhaoCore

/// A signed-in staff member.
public struct StaffSession: Sendable, Hashable {
    public let account: StaffAccount
    public let expiresAt: Date
}

extension AccountStore {
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
                    "INSERT INTO sessions (token_hash, staff_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                    [Self.tokenHash(token), account.id, now, now, expires])
                try db.execute("DELETE FROM sessions WHERE expires_at < ?", [now])
                try Self.logStaff(db, id: account.id, action: "login", at: now, by: .staff(String(account.id)))
            }
        }
        return (token, StaffSession(account: account, expiresAt: expires))
    }

    /// The session of a token, if it is live and its account enabled; using it keeps it alive.
    ///
    /// A read, as every staff request asks: it writes only to note use (at most once a minute)
    /// or to delete a session found dead.
    public func session(token: String) async throws -> StaffSession? {
        let now = clock.now()
        let hash = Self.tokenHash(token)
        let found = try await read { db -> (lastSeen: Date, expires: Date, account: StaffAccount?)? in
            try db.row("SELECT staff_id, last_seen_at, expires_at FROM sessions WHERE token_hash = ?", [hash]).map {
                (try $0["last_seen_at"], try $0["expires_at"], try Self.account(db, id: try $0["staff_id"]))
            }
        }
        guard let found else { return nil }
        guard now < found.expires, now.timeIntervalSince(found.lastSeen) < Self.sessionIdleTimeout, let account = found.account,
            !account.disabled
        else {
            try await guarded { try await writer.write { db in try db.execute("DELETE FROM sessions WHERE token_hash = ?", [hash]) } }
            return nil
        }
        // Touch at most once a minute: polls must not turn into a write each.
        if now.timeIntervalSince(found.lastSeen) > 60 {
            try await guarded {
                try await writer.write { db in
                    try db.execute("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?", [now, hash])
                }
            }
        }
        return StaffSession(account: account, expiresAt: found.expires)
    }

    /// Ends a session (logout).
    public func closeSession(token: String) async throws {
        let hash = Self.tokenHash(token)
        let now = clock.now()
        try await guarded {
            try await writer.write { db in
                if let id = try db.value(Int64.self, "SELECT staff_id FROM sessions WHERE token_hash = ?", [hash]) {
                    try db.execute("DELETE FROM sessions WHERE token_hash = ?", [hash])
                    try Self.logStaff(db, id: id, action: "logout", at: now, by: .staff(String(id)))
                }
            }
        }
    }

    static func tokenHash(_ token: String) -> String {
        Array(SHA256.hash(data: Data(token.utf8))).hex
    }
}
