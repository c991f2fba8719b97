import Foundation
import QuhaoCore

extension InspectionStore {
    // MARK: - Reads: checklists

    /// An office's checklist: the latest version, or the one asked for (what an old inspection was recorded with).
    /// - Throws: `site.not_found` when the office has no checklist (or no such version).
    public func checklist(site: String, version: Int? = nil) async throws -> Checklist {
        try await read { db in try Self.checklist(db, site: site, version: version) }
    }

    static func checklist(_ db: any SQLDatabase, site: String, version: Int?) throws -> Checklist {
        let row =
            if let version {
                try db.row("SELECT version, items FROM checklists WHERE site_id = ? AND version = ?", [site, version])
            } else {
                try db.row("SELECT version, items FROM checklists WHERE site_id = ? ORDER BY version DESC LIMIT 1", [site])
            }
        guard let row else { throw QuhaoError(.siteNotFound, ["site": site]) }
        let items = try JSONDecoder().decode([ChecklistItem].self, from: Data((try row["items"] as String).utf8))
        return Checklist(version: try row["version"], items: items)
    }
}
