import Foundation
import GRDB
import QuhaoCore

extension TicketStore {
    // MARK: - Writes: configuration

    /// Makes the database's sites those of the configuration, in one transaction: new and
    /// changed sites are stored, counters get their runtime state (kept across syncs), and
    /// sites no longer configured are deactivated (their tickets stay for the records).
    public func sync(sites: [Site]) async throws {
        let now = clock.now()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let definitions = try sites.map { ($0, String(decoding: try encoder.encode($0), as: UTF8.self)) }
        try await guarded {
            try await writer.write { db in
                try db.execute(sql: "UPDATE sites SET active = 0")
                for (site, json) in definitions {
                    try db.execute(
                        sql: """
                            INSERT INTO sites (id, definition, active, synced_at) VALUES (?, ?, 1, ?)
                            ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, active = 1, synced_at = excluded.synced_at
                            """, arguments: [site.id, json, now])
                    for counter in site.counters {
                        try db.execute(
                            sql: "INSERT OR IGNORE INTO counter_states (site_id, counter_id) VALUES (?, ?)",
                            arguments: [site.id, counter.id])
                    }
                }
            }
        }
        for site in sites { observers.notify(site.id, .all) }
    }
}
