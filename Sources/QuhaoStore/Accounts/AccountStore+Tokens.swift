import Foundation
import QuhaoCore

/// A bearer token for an integration (a ticket printer, a hall system). The token itself is
/// shown once, at creation; only its SHA-256 hash is stored.
public struct APIToken: Sendable, Hashable {
    public let id: Int64
    public let name: String
    public let role: StaffRole
    public let siteID: String?
    public let counters: [Int]
    public let createdAt: Date
    public let expiresAt: Date?
    public let revokedAt: Date?
    public let lastUsedAt: Date?
}

extension AccountStore {
    /// Every API token starts with this, so a leaked one is easy to recognise in a scan.
    public static let apiTokenPrefix = "qh_"

    /// Creates a token; returns it in clear (the only time) and its record.
    /// - Throws: `staff.site_required`, `site.not_found`, `counter.not_found`, `request.invalid` (empty name).
    public func createToken(
        name: String, role: StaffRole, siteID: String? = nil, counters: [Int] = [], validFor: TimeInterval? = nil,
        by initiator: Initiator = .cli
    ) async throws -> (token: String, record: APIToken) {
        let name = name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw QuhaoError(.requestInvalid, ["reason": "令牌需要一个名称", "reason@en": "a token needs a name"]) }
        try Self.checkBinding(role: role, siteID: siteID, counters: counters)
        let token = Self.apiTokenPrefix + random.token(byteCount: 32)
        let now = clock.now()
        let record = try await guarded {
            try await writer.write { db in
                try checkBinding(db, siteID: siteID, counters: counters)
                let insertedID = try db.insert(
                    """
                    INSERT INTO api_tokens (token_hash, name, role, site_id, counters, created_at, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        Self.tokenHash(token), name, role.rawValue, siteID,
                        Self.counterText(counters), now, validFor.map { now.addingTimeInterval($0) },
                    ])
                return try Self.apiToken(db, id: insertedID)!
            }
        }
        return (token, record)
    }

    /// Every token, revoked ones included, newest first.
    public func apiTokens() async throws -> [APIToken] {
        try await read { db in
            try db.values(Int64.self, "SELECT id FROM api_tokens ORDER BY id DESC").compactMap { try Self.apiToken(db, id: $0) }
        }
    }

    /// Revokes a token at once.
    /// - Throws: `token.not_found`.
    public func revokeToken(id: Int64) async throws {
        let now = clock.now()
        try await guarded {
            try await writer.write { db in
                let revoked = try db.execute("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", [now, id])
                if revoked == 0,
                    try db.value(Bool.self, "SELECT EXISTS (SELECT 1 FROM api_tokens WHERE id = ?)", [id]) != true
                {
                    throw QuhaoError(.tokenNotFound, ["token": String(id)])
                }
            }
        }
    }

    /// Who a bearer token acts for, if it is live. A read: it writes only to note use, at most once a minute.
    public func principal(bearer token: String) async throws -> Principal? {
        guard token.hasPrefix(Self.apiTokenPrefix) else { return nil }
        let hash = Self.tokenHash(token)
        let now = clock.now()
        let record = try await read { db -> APIToken? in
            guard let id = try db.value(Int64.self, "SELECT id FROM api_tokens WHERE token_hash = ?", [hash]) else {
                return nil
            }
            return try Self.apiToken(db, id: id)
        }
        guard let record, record.revokedAt == nil, record.expiresAt.map({ now < $0 }) ?? true else { return nil }
        if record.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true {
            try await guarded {
                try await writer.write { db in
                    try db.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", [now, record.id])
                }
            }
        }
        return Principal(token: record)
    }

    /// Who a session cookie acts for, if it is live.
    public func principal(session token: String) async throws -> Principal? {
        try await session(token: token).map(Principal.init(session:))
    }

    static func apiToken(_ db: any SQLDatabase, id: Int64) throws -> APIToken? {
        try db.row("SELECT * FROM api_tokens WHERE id = ?", [id]).map { row in
            return APIToken(
                id: try row["id"], name: try row["name"], role: StaffRole(rawValue: try row["role"]) ?? .staff, siteID: try row["site_id"],
                counters: Self.counterList(try row["counters"]), createdAt: try row["created_at"],
                expiresAt: try row["expires_at"], revokedAt: try row["revoked_at"], lastUsedAt: try row["last_used_at"])
        }
    }
}
