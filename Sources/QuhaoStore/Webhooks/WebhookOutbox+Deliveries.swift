import Foundation
import QuhaoCore

/// One queued webhook delivery.
public struct WebhookDelivery: Sendable, Hashable {
    public let id: Int64
    public let eventID: String
    public let siteID: String
    public let endpoint: String
    public let type: String
    public let body: String
    public let attempts: Int
    public let createdAt: Date
}

/// How an endpoint's deliveries stand, for `quhao webhooks status` and the admin page.
public struct WebhookEndpointStatus: Sendable, Hashable, Codable {
    public let siteID: String
    public let endpoint: String
    /// Waiting for their first or next attempt.
    public let pending: Int
    public let oldestPending: Date?
    public let delivered: Int
    public let lastSuccess: Date?
    /// The latest failed attempt's reason and time (`HTTP 503`, `timed out`, …), if any failed since the last success.
    public let lastError: String?
    public let lastErrorAt: Date?
    /// Dropped after retrying for ``WebhookRetry/giveUpAfter``.
    public let givenUp: Int

    enum CodingKeys: String, CodingKey {
        case endpoint, pending, delivered
        case siteID = "site"
        case oldestPending = "oldest_pending"
        case lastSuccess = "last_success"
        case lastError = "last_error"
        case lastErrorAt = "last_error_at"
        case givenUp = "given_up"
    }
}

/// When a failed delivery is tried again: 5 s, 10 s, 20 s … doubling up to 30 minutes, each ±20 %
/// at random (so a receiver back from an outage is not hit by every sender at once), for 48 hours.
public struct WebhookRetry: Sendable {
    public static let first: TimeInterval = 5
    public static let longest: TimeInterval = 30 * 60
    public static let giveUpAfter: TimeInterval = 48 * 3600

    /// The pause after the `attempts`-th failed attempt, before jitter.
    public static func delay(afterAttempts attempts: Int) -> TimeInterval {
        min(longest, first * pow(2, Double(max(0, min(attempts, 20) - 1))))
    }

    /// The pause with its jitter: `jitter` in 0…1 maps to 80 … 120 %.
    public static func delay(afterAttempts attempts: Int, jitter: Double) -> TimeInterval {
        delay(afterAttempts: attempts) * (0.8 + 0.4 * min(1, max(0, jitter)))
    }
}

extension WebhookOutbox {
    // MARK: - Webhooks

    /// The lease of an endpoint's deliveries (``StoreOperations/hold(_:holder:for:)``): one daemon
    /// at a time delivers them, its holder.
    public static func lease(site: String, endpoint: String) -> String { "webhook:\(site):\(endpoint)" }

    /// Calls `listener` after every commit that queued webhook deliveries (the deliverer's wake-up).
    public func onQueued(_ listener: @escaping @Sendable () -> Void) { tickets.activity.onOutbox(listener) }

    /// An endpoint's deliveries due now, oldest first, at most one per ticket: a ticket's next
    /// event waits until the one before it is delivered (or given up), so each ticket's events
    /// arrive in order. A look only (the admin page, tests): the deliverer takes them with ``claim(site:endpoint:limit:lease:)``.
    public func due(site: String, endpoint: String, limit: Int) async throws -> [WebhookDelivery] {
        let now = clock.now()
        return try await read { db in try db.rows(Self.dueSQL, [site, endpoint, now, limit]).map(Self.delivery) }
    }

    /// Takes the endpoint's deliveries due now (as ``due(site:endpoint:limit:)`` lists them) for
    /// this daemon to deliver: each is leased until `lease` seconds from now, so no other daemon on
    /// the same database takes it meanwhile; one that dies mid-delivery leaves it to be taken again
    /// when the lease ends (a receiver may then see an event twice: its `X-Quhao-Event-Id` is the same).
    /// Two daemons claiming at once: the second's update finds the rows claimed and takes none of them.
    public func claim(site: String, endpoint: String, limit: Int, lease: TimeInterval) async throws -> [WebhookDelivery] {
        let now = clock.now()
        return try await guarded {
            try await writer.write { db in
                let ids = try db.values(Int64.self, "SELECT id FROM (\(Self.dueSQL)) due", [site, endpoint, now, limit])
                guard !ids.isEmpty else { return [] }
                let marks = Array(repeating: "?", count: ids.count).joined(separator: ", ")
                return try db.rows(
                    """
                    UPDATE webhook_outbox SET next_attempt_at = ?
                    WHERE id IN (\(marks)) AND delivered_at IS NULL AND given_up_at IS NULL AND next_attempt_at <= ?
                    RETURNING *
                    """, [now.addingTimeInterval(lease)] + ids.map { $0 as any SQLConvertible } + [now]
                ).map(Self.delivery).sorted { $0.id < $1.id }
            }
        }
    }

    /// The deliveries due now of one endpoint (site, endpoint, now, limit), oldest first, one per ticket.
    static let dueSQL = """
        SELECT o.* FROM webhook_outbox o
        WHERE o.site_id = ? AND o.endpoint = ? AND o.delivered_at IS NULL AND o.given_up_at IS NULL
          AND o.next_attempt_at <= ?
          AND NOT EXISTS (
            SELECT 1 FROM webhook_outbox p
            WHERE p.site_id = o.site_id AND p.endpoint = o.endpoint AND p.ticket_id = o.ticket_id AND p.id < o.id
              AND p.delivered_at IS NULL AND p.given_up_at IS NULL)
        ORDER BY o.id LIMIT ?
        """

    /// When the endpoint's next queued delivery is due (`nil`: none waiting).
    public func nextAttempt(site: String, endpoint: String) async throws -> Date? {
        try await read { db in
            try db.value(
                Date.self,
                """
                SELECT MIN(next_attempt_at) FROM webhook_outbox
                WHERE site_id = ? AND endpoint = ? AND delivered_at IS NULL AND given_up_at IS NULL
                """, [site, endpoint])
        }
    }

    /// Records a delivery the receiver accepted.
    /// - Parameter holder: The daemon that delivered it (``LeaseHolder``), kept in `delivered_by`.
    public func delivered(_ id: Int64, status: Int, by holder: String? = nil) async throws {
        let now = clock.now()
        try await guarded {
            try await writer.write { db in
                try db.execute(
                    """
                    UPDATE webhook_outbox SET delivered_at = ?, last_attempt_at = ?, last_status = ?, attempts = attempts + 1, delivered_by = ?
                    WHERE id = ?
                    """, [now, now, status, holder, id])
            }
        }
    }

    /// Records a failed attempt: tried again after ``WebhookRetry``'s pause, or given up once the
    /// delivery is older than ``WebhookRetry/giveUpAfter`` (or `giveUp`: its endpoint is gone).
    /// - Returns: Whether it was given up.
    @discardableResult
    public func failed(_ delivery: WebhookDelivery, status: Int?, error: String, jitter: Double, giveUp: Bool = false) async throws -> Bool {
        let now = clock.now()
        let attempts = delivery.attempts + 1
        let next = now.addingTimeInterval(WebhookRetry.delay(afterAttempts: attempts, jitter: jitter))
        let abandon = giveUp || next.timeIntervalSince(delivery.createdAt) > WebhookRetry.giveUpAfter
        try await guarded {
            try await writer.write { db in
                try db.execute(
                    """
                    UPDATE webhook_outbox SET attempts = ?, last_attempt_at = ?, last_status = ?, last_error = ?,
                        next_attempt_at = ?, given_up_at = ?
                    WHERE id = ?
                    """, [attempts, now, status, String(error.prefix(300)), next, abandon ? now : nil, delivery.id])
            }
        }
        return abandon
    }

    /// Every endpoint that has deliveries or is configured, with how its deliveries stand.
    public func status() async throws -> [WebhookEndpointStatus] {
        let configured = try await tickets.siteIDs().asyncFlatMap { siteID in try await tickets.site(siteID).webhooks.map { (siteID, $0.id) } }
        var result = try await read { db in
            try db.rows(
                """
                SELECT site_id, endpoint,
                    COUNT(CASE WHEN delivered_at IS NULL AND given_up_at IS NULL THEN 1 END) AS pending,
                    MIN(CASE WHEN delivered_at IS NULL AND given_up_at IS NULL THEN created_at END) AS oldest_pending,
                    COUNT(delivered_at) AS delivered,
                    MAX(delivered_at) AS last_success,
                    COUNT(given_up_at) AS given_up
                FROM webhook_outbox GROUP BY site_id, endpoint
                """
            ).map { row -> WebhookEndpointStatus in
                let siteID: String = try row["site_id"]
                let endpoint: String = try row["endpoint"]
                let lastSuccess: Date? = try row["last_success"]
                // The latest failure since the last success: what is wrong now, if anything.
                let since = lastSuccess == nil ? "" : "AND last_attempt_at > ?"
                let failure = try db.row(
                    """
                    SELECT last_error, last_attempt_at FROM webhook_outbox
                    WHERE site_id = ? AND endpoint = ? AND last_error IS NOT NULL \(since)
                    ORDER BY last_attempt_at DESC LIMIT 1
                    """, [siteID, endpoint] + (lastSuccess.map { [$0] } ?? []))
                return WebhookEndpointStatus(
                    siteID: siteID, endpoint: endpoint, pending: try row["pending"], oldestPending: try row["oldest_pending"],
                    delivered: try row["delivered"],
                    lastSuccess: lastSuccess, lastError: try failure?["last_error"], lastErrorAt: try failure?["last_attempt_at"],
                    givenUp: try row["given_up"])
            }
        }
        let seen = Set(result.map { "\($0.siteID)/\($0.endpoint)" })
        for (siteID, endpoint) in configured where !seen.contains("\(siteID)/\(endpoint)") {
            result.append(
                WebhookEndpointStatus(
                    siteID: siteID, endpoint: endpoint, pending: 0, oldestPending: nil, delivered: 0, lastSuccess: nil, lastError: nil,
                    lastErrorAt: nil, givenUp: 0))
        }
        return result.sorted { ($0.siteID, $0.endpoint) < ($1.siteID, $1.endpoint) }
    }

    private static func delivery(_ row: SQLRow) throws -> WebhookDelivery {
        WebhookDelivery(
            id: try row["id"], eventID: try row["event_id"], siteID: try row["site_id"], endpoint: try row["endpoint"], type: try row["type"],
            body: try row["body"],
            attempts: try row["attempts"], createdAt: try row["created_at"])
    }
}

extension Array {
    func asyncFlatMap<T>(_ transform: (Element) async throws -> [T]) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(contentsOf: try await transform(element)) }
        return result
    }
}
