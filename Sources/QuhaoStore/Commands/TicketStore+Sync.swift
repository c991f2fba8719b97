import Foundation
import GRDB
import QuhaoCore

extension TicketStore {
    // MARK: - Writes: configuration

    /// Makes the database's sites those of the configuration, in one transaction: new and
    /// changed sites are stored, counters get their runtime state (kept across syncs), and
    /// sites no longer configured are deactivated (their tickets stay for the records). Each site
    /// gets its presence secret here, at start, so no request ever writes one.
    public func sync(sites: [Site]) async throws {
        let now = clock.now()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let definitions = try sites.map { ($0, String(decoding: try encoder.encode($0), as: UTF8.self)) }
        let removed = try await guarded {
            try await writer.write { db in
                let wereActive = try String.fetchAll(db, sql: "SELECT id FROM sites WHERE active = 1")
                try db.execute(sql: "UPDATE sites SET active = 0")
                for (site, json) in definitions {
                    try db.execute(
                        sql: """
                            INSERT INTO sites (id, definition, active, synced_at) VALUES (?, ?, 1, ?)
                            ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, active = 1, synced_at = excluded.synced_at
                            """, arguments: [site.id, json, now])
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO secrets (name, value) VALUES (?, CAST(? AS BLOB))",
                        arguments: [Self.presenceSecretName(site.id), random.token(byteCount: 32)])
                    for counter in site.counters {
                        try db.execute(
                            sql: "INSERT OR IGNORE INTO counter_states (site_id, counter_id) VALUES (?, ?)",
                            arguments: [site.id, counter.id])
                    }
                }
                return Set(wereActive).subtracting(sites.map(\.id))
            }
        }
        // Removed sites too: their boards must go (the board drops a site it can no longer load).
        for site in sites.map(\.id) + removed.sorted() { observers.notify(site, .all) }
    }
}
