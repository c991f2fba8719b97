import Foundation
import QuhaoCore

extension TicketStore {
    // MARK: - Writes: configuration

    /// Makes the database's sites those of the configuration, in one transaction: new and
    /// changed sites are stored, counters get their runtime state (kept across syncs), and
    /// sites no longer configured are deactivated (their tickets stay for the records). Each site
    /// gets its presence secret here, at start, so no request ever writes one.
    /// - Returns: The sites whose rules in the database were other than these (on a city's
    ///   database: another daemon's configuration, now replaced for every daemon).
    @discardableResult
    public func sync(sites: [Site]) async throws -> [String] {
        let now = clock.now()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let definitions = try sites.map { ($0, try Self.definition($0)) }
        let (removed, secrets, replaced) = try await guarded {
            try await writer.write { db in
                let stored = try Self.storedDefinitions(db)
                let replaced = definitions.filter { site, json in stored[site.id].map { $0 != json } ?? false }.map(\.0.id)
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
                        // A changed grading rule applies to every unit at once, not at each one's next visit
                        // (a grade that moves is logged as the unit's event, as any).
                        if let rule = site.inspection?.grading, let before = stored[site.id], before != json {
                            for unit in try db.values(Int64.self, "SELECT id FROM units WHERE site_id = ? ORDER BY id", [site.id]) {
                                try InspectionStore.regrade(db, unit: unit, rule: rule, at: now, by: .system)
                            }
                        }
                    }
                    for counter in site.counters {
                        try db.execute(
                            "INSERT INTO counter_states (site_id, counter_id) VALUES (?, ?) ON CONFLICT DO NOTHING", [site.id, counter.id])
                    }
                }
                return (Set(wereActive).subtracting(sites.map(\.id)), try Self.presenceSecrets(db), replaced)
            }
        }
        // Held in memory: a key rotated by `quhao keys rotate` is taken here, at the next sync.
        presenceSecrets.withLock { $0 = secrets }
        // Removed sites too: their boards must go (the board drops a site it can no longer load).
        for site in sites.map(\.id) + removed.sorted() { observers.notify(site, .all) }
        for site in sites where site.kind == .inspection { try await inspections.cancelAnonymousNumbers(site: site.id) }
        return replaced.sorted()
    }

    /// The sites whose rules in the database are not these (another daemon synced another
    /// configuration), and the active sites these lack: what `check-config` and a daemon's watch
    /// tell the operator, since every daemon's configuration must be the same.
    public func sitesDiffering(from sites: [Site]) async throws -> [String] {
        try Self.sites(sites, differingFrom: try await read { db in try Self.storedDefinitions(db) })
    }

    /// The rule of ``sitesDiffering(from:)`` over the definitions read (`check-config` reads them itself).
    static func sites(_ sites: [Site], differingFrom stored: [String: String]) throws -> [String] {
        let differing = try sites.filter { stored[$0.id] != (try definition($0)) }.map(\.id)
        return (differing + stored.keys.filter { id in !sites.contains { $0.id == id } }).sorted()
    }

    /// A site's rules as the database keeps them (sorted keys: the same rules, the same text).
    static func definition(_ site: Site) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(site), as: UTF8.self)
    }

    static func storedDefinitions(_ db: any SQLDatabase) throws -> [String: String] {
        try db.rows("SELECT id, definition FROM sites WHERE active = 1").reduce(into: [:]) { $0[try $1["id"]] = try $1["definition"] }
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
