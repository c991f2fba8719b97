import Foundation
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
        let (removed, secrets) = try await guarded {
            try await writer.write { db in
                let wereActive = try db.values(String.self, "SELECT id FROM sites WHERE active = 1")
                // Another daemon's boards follow (a site's rules changed, a site removed).
                try db.execute("UPDATE sites SET active = 0\(db.dialect.siteChanged)")
                for (site, json) in definitions {
                    try db.execute(
                        """
                        INSERT INTO sites (id, definition, active, synced_at) VALUES (?, ?, 1, ?)
                        ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, active = 1, synced_at = excluded.synced_at\(db.dialect.siteChanged)
                        """, [site.id, json, now])
                    try db.execute(
                        "INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING",
                        [Self.presenceSecretName(site.id), Data(random.token(byteCount: 32).utf8)])
                    if site.kind == .inspection {
                        try Self.syncInspectionOffice(db, site, now: now, encoder: encoder, key: Data(random.bytes(32)))
                    }
                    for counter in site.counters {
                        try db.execute(
                            "INSERT INTO counter_states (site_id, counter_id) VALUES (?, ?) ON CONFLICT DO NOTHING", [site.id, counter.id])
                    }
                }
                return (Set(wereActive).subtracting(sites.map(\.id)), try Self.presenceSecrets(db))
            }
        }
        // Held in memory: a key rotated by `quhao keys rotate` is taken here, at the next sync.
        presenceSecrets.withLock { $0 = secrets }
        // Removed sites too: their boards must go (the board drops a site it can no longer load).
        for site in sites.map(\.id) + removed.sorted() { observers.notify(site, .all) }
        for site in sites where site.kind == .inspection { try await inspections.cancelAnonymousNumbers(site: site.id) }
    }

    /// An inspection office gets its unit-token key once, and a new checklist version whenever
    /// the configured items differ from the latest stored ones.
    static func syncInspectionOffice(_ db: any SQLDatabase, _ site: Site, now: Date, encoder: JSONEncoder, key: Data) throws {
        try db.execute("INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING", [unitSecretName(site.id), key])
        guard let rules = site.inspection else { return }
        let items = String(decoding: try encoder.encode(rules.checklist), as: UTF8.self)
        let latest = try db.row("SELECT version, items FROM checklists WHERE site_id = ? ORDER BY version DESC LIMIT 1", [site.id])
        if let latest, try latest["items"] == items { return }
        let version = (try latest?["version"] as Int? ?? 0) + 1
        try db.execute("INSERT INTO checklists (site_id, version, items, created_at) VALUES (?, ?, ?, ?)", [site.id, version, items, now])
    }
}
