import Foundation
import QuhaoCore

extension StoreOperations {
    // MARK: - Retention of personal data

    /// The purge's query, through `tickets_personal` (pinned by `QueryPlanTests`).
    static let personalDataSQL = """
        SELECT id FROM tickets WHERE site_id = ? AND day < ?
        AND (identity_hash IS NOT NULL OR identity_masked IS NOT NULL OR phone_masked IS NOT NULL OR device_hash IS NOT NULL)
        LIMIT ?
        """

    /// Clears what is personal from tickets older than `days` business days at their site: the
    /// identity's keyed hash and masked form, the masked phone number, the device's hash. The
    /// numbers, times, states, windows and the event log stay, and so every figure does. Then the
    /// write-ahead log is checkpointed and truncated, so the old values are in neither file
    /// (`secure_delete` zeroes what is freed).
    /// - Returns: How many tickets were cleared.
    @discardableResult
    public func purgePersonalData(olderThanDays days: Int) async throws -> Int {
        let now = clock.now()
        var cleared = 0
        for siteID in try await tickets.siteIDs() {
            let cutoff = try await tickets.site(siteID).businessDay(at: now).adding(days: -days)
            // In batches: the writer is never held for long, however much a first purge finds.
            while true {
                let count = try await guarded {
                    try await writer.write { db -> Int in
                        let ids = try db.values(Int64.self, Self.personalDataSQL, [siteID, cutoff.iso, 500])
                        guard !ids.isEmpty else { return 0 }
                        try db.execute(
                            """
                            UPDATE tickets SET identity_hash = NULL, identity_masked = NULL, phone_masked = NULL, phone_hash = NULL,
                                device_hash = NULL
                            WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ",")))
                            """, ids)
                        return ids.count
                    }
                }
                cleared += count
                if count < 500 { break }
            }
            // Bookings: who booked (the hashes behind the one-a-day rule and the no-show bar, the
            // masked identity and phone, the phone's device). The missed bookings older than the
            // retention period no longer count towards a bar.
            cleared += try await guarded {
                try await writer.write { db -> Int in
                    try db.execute(
                        """
                        UPDATE bookings SET person_hash = NULL, identity_hash = NULL, identity_masked = NULL, phone_masked = NULL,
                            device_hash = NULL
                        WHERE site_id = ? AND day < ?
                            AND (person_hash IS NOT NULL OR identity_masked IS NOT NULL OR phone_masked IS NOT NULL OR device_hash IS NOT NULL)
                        """, [siteID, cutoff.iso])
                }
            }
            // Messages: a visitor's address outlives its ticket only if the ticket never ended (its
            // day closed with the daemon down); the retention rule erases it in any case.
            cleared += try await guarded {
                try await writer.write { db -> Int in
                    try db.execute(
                        """
                        DELETE FROM notice_contacts WHERE ticket_id IN (SELECT id FROM tickets WHERE site_id = ? AND day < ?)
                        """, [siteID, cutoff.iso])
                        + db.execute(
                            "DELETE FROM ticket_claims WHERE ticket_id IN (SELECT id FROM tickets WHERE site_id = ? AND day < ?)",
                            [siteID, cutoff.iso])
                }
            }
            // Complaints: the phone a diner chose to leave, and the hashes behind the daily limit.
            // What was complained of, and what the office did, stay.
            let since = cutoff.start(in: try await tickets.site(siteID).zone)
            cleared += try await guarded {
                try await writer.write { db -> Int in
                    try db.execute(
                        """
                        UPDATE complaints SET phone = NULL, device_hash = NULL, address_hash = NULL
                        WHERE site_id = ? AND created_at < ? AND (phone IS NOT NULL OR device_hash IS NOT NULL OR address_hash IS NOT NULL)
                        """, [siteID, since])
                }
            }
        }
        if cleared > 0 {
            try await guarded { try await writer.dropFreedPages() }
        }
        return cleared
    }
}
