import Foundation
import QuhaoCore

/// Every problem of a units file, each with its line and column: nothing was imported.
public struct UnitsImportFailure: Error, Sendable {
    /// `units.import_invalid` errors (parameters `line`, `column`, `reason`, `reason@en`, `code`), in file order.
    public let problems: [QuhaoError]

    public init(problems: [QuhaoError]) { self.problems = problems }
}

/// What an import did.
public struct UnitsImportSummary: Sendable, Hashable {
    public let created: Int
    public let updated: Int
    public let unchanged: Int
}

/// A units file as read (``UnitsCSV`` in QuhaoFormats): its good rows, and every problem of the others.
public struct UnitsFile: Sendable {
    /// A row of the file, checked.
    public struct Row: Sendable {
        public let line: Int
        public let id: CanteenUnit.ID?
        public let unit: UnitDraft.Checked

        public init(line: Int, id: CanteenUnit.ID?, unit: UnitDraft.Checked) {
            self.line = line
            self.id = id
            self.unit = unit
        }
    }

    public let rows: [Row]
    public let problems: [QuhaoError]

    public init(rows: [Row], problems: [QuhaoError]) {
        self.rows = rows
        self.problems = problems
    }

    /// A refusal placed in the file: `units.import_invalid` with the line, the column and the
    /// refusal's own message in both languages (and its code).
    public static func problem(line: Int, column: String, _ error: QuhaoError) -> QuhaoError {
        QuhaoError(
            .unitsImportInvalid,
            [
                "line": String(line), "column": column, "code": error.code.rawValue, "reason": Catalogue.chinese.message(for: error),
                "reason@en": Catalogue.english.message(for: error),
            ])
    }
}

extension InspectionStore {
    // MARK: - Writes: the units file

    /// Imports a units file (read by the caller) into an office, all or nothing: a row with an id changes that unit; a
    /// row without one changes the unit with its credit code, or registers a new unit.
    /// - Throws: ``UnitsImportFailure`` listing every bad row (line and column) and every clash
    ///   with the units already registered; `site.not_found`.
    public func importUnits(site: String, file: UnitsFile, by initiator: Initiator) async throws -> UnitsImportSummary {
        let (rows, early) = (file.rows, file.problems)
        let now = clock.now()
        return try await guarded {
            try await writer.write { db in
                _ = try Self.office(db, site, sites: tickets.sites)
                var problems: [QuhaoError] = []
                var created = 0
                var updated = 0
                var unchanged = 0
                for row in rows {
                    do {
                        var existing: RegisteredUnit?
                        if let id = row.id {
                            existing = try Self.fetchUnit(db, id: id)
                            if existing?.unit.siteID != site { throw QuhaoError(.unitNotFound, ["unit": String(id), "field": "id"]) }
                        } else if let id = try db.value(
                            CanteenUnit.ID.self, "SELECT id FROM units WHERE site_id = ? AND uscc = ?", [site, row.unit.uscc])
                        {
                            existing = try Self.fetchUnit(db, id: id)
                        }
                        if let existing {
                            let after = try Self.update(db, existing, row.unit, now: now, by: initiator)
                            if after == existing { unchanged += 1 } else { updated += 1 }
                        } else {
                            _ = try Self.insert(db, site: site, row.unit, now: now, by: initiator)
                            created += 1
                        }
                    } catch let error as QuhaoError {
                        problems.append(UnitsFile.problem(line: row.line, column: error.parameters["field"] ?? "id", error))
                    }
                }
                // Nothing half-imported: any problem rolls the whole file back. All of them, in file order.
                if !(early + problems).isEmpty {
                    throw UnitsImportFailure(
                        problems: (early + problems).sorted { Int($0.parameters["line"] ?? "") ?? 0 < Int($1.parameters["line"] ?? "") ?? 0 })
                }
                return UnitsImportSummary(created: created, updated: updated, unchanged: unchanged)
            }
        }
    }
}
