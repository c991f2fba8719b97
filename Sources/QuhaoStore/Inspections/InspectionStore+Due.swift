import Foundation
import QuhaoCore

/// A unit on the office's "who is due" list.
public struct DueUnit: Sendable, Hashable, Codable {
    public let unit: CanteenUnit
    /// Its visits this calendar year against its level's (``VisitSchedule``).
    public let status: VisitStatus
    /// The office's latest recorded visit (never a self-inspection), any year.
    public let lastVisit: Date?
    public let lastResult: InspectionResult?
    /// Findings not yet verified, and of those the ones past their due day (``FindingDeadline``).
    public let openFindings: Int
    public let overdueFindings: Int
    /// A request under way (waiting, called, or being inspected).
    public let requested: Bool
}

/// Which units the due list shows.
public struct DueFilter: Sendable, Hashable {
    public var types: Set<UnitType>
    public var risks: Set<RiskLevel>
    public var areas: Set<String>
    /// Empty: those that still need a visit this year (due and behind).
    public var states: Set<VisitStatus.State>

    public init(types: Set<UnitType> = [], risks: Set<RiskLevel> = [], areas: Set<String> = [], states: Set<VisitStatus.State> = []) {
        self.types = types
        self.risks = risks
        self.areas = areas
        self.states = states
    }

    func includes(_ due: DueUnit) -> Bool {
        (types.isEmpty || types.contains(due.unit.type)) && (risks.isEmpty || risks.contains(due.unit.risk))
            && (areas.isEmpty || areas.contains(due.unit.area))
            && (states.isEmpty ? due.status.needsVisit : states.contains(due.status.state))
    }
}

extension InspectionStore {
    // MARK: - Reads: who is due

    /// The office's active units with their visits this year, last visit and open findings; the
    /// ones behind first, then by the day their next visit is due, then by name.
    public func due(site: String, filter: DueFilter = DueFilter()) async throws -> [DueUnit] {
        let now = clock.now()
        return try await read { db in
            let (office, rules) = try Self.office(db, site, sites: tickets.sites)
            return try Self.dueList(db, office: office, rules: rules, now: now).filter(filter.includes)
        }
    }

    /// Every active unit's standing: the one reading behind the list and the figures page's counts.
    static func dueList(_ db: any SQLDatabase, office: Site, rules: InspectionRules, now: Date) throws -> [DueUnit] {
        let today = office.businessDay(at: now)
        let yearStart = BusinessDay(year: today.year, month: 1, day: 1)!.start(in: office.zone)
        let rows = try db.rows(
            """
            SELECT u.*,
                (SELECT COUNT(*) FROM inspections i WHERE i.unit_id = u.id AND i.kind != 'self' AND i.result IS NOT NULL
                    AND i.recorded_at >= ?) AS visits,
                (SELECT i.recorded_at FROM inspections i WHERE i.unit_id = u.id AND i.kind != 'self' AND i.result IS NOT NULL
                    ORDER BY i.recorded_at DESC, i.id DESC LIMIT 1) AS last_visit,
                (SELECT i.result FROM inspections i WHERE i.unit_id = u.id AND i.kind != 'self' AND i.result IS NOT NULL
                    ORDER BY i.recorded_at DESC, i.id DESC LIMIT 1) AS last_result,
                EXISTS (SELECT 1 FROM inspections i WHERE i.unit_id = u.id AND i.kind != 'self'
                    AND i.status IN ('requested', 'called', 'in_progress', 'recorded')) AS requested
            FROM units u WHERE u.site_id = ? AND u.active = 1
            """, [yearStart, office.id])
        var findings: [Int64: (open: Int, overdue: Int)] = [:]
        for row in try db.rows(
            "SELECT unit_id, state, due_day FROM findings WHERE site_id = ? AND state != 'verified'", [office.id])
        {
            guard let state = FindingState(rawValue: try row["state"]), let due = BusinessDay(iso: try row["due_day"]) else { continue }
            let unit: Int64 = try row["unit_id"]
            findings[unit, default: (0, 0)].open += 1
            if FindingDeadline.isOverdue(state: state, due: due, today: today) { findings[unit, default: (0, 0)].overdue += 1 }
        }
        let list = try rows.map { row in
            let unit = try registered(row).unit
            return DueUnit(
                unit: unit, status: rules.visits.status(unit.risk, visits: try row["visits"], today: today), lastVisit: try row["last_visit"],
                lastResult: (try row["last_result"] as String?).flatMap(InspectionResult.init), openFindings: findings[unit.id]?.open ?? 0,
                overdueFindings: findings[unit.id]?.overdue ?? 0, requested: try row["requested"])
        }
        return list.sorted { a, b in
            let rank: (VisitStatus.State) -> Int = { [.behind: 0, .due: 1, .done: 2][$0]! }
            if rank(a.status.state) != rank(b.status.state) { return rank(a.status.state) < rank(b.status.state) }
            if a.status.next != b.status.next {
                return (a.status.next ?? .init(year: 9999, month: 12, day: 31)!) < (b.status.next ?? .init(year: 9999, month: 12, day: 31)!)
            }
            return (a.unit.name, a.unit.id) < (b.unit.name, b.unit.id)
        }
    }
}

/// A page of an office's units.
public struct UnitsPage: Sendable, Hashable {
    public let units: [RegisteredUnit]
    /// How many match in all.
    public let total: Int
}

extension InspectionStore {
    // MARK: - Reads: the office's lists

    /// The findings of an office's inspections (never self-inspections) recorded in a period (both
    /// days included; no bounds: all), as the figures page counts them, the soonest due first.
    public func officeFindings(site: String, from: BusinessDay? = nil, to: BusinessDay? = nil) async throws -> [Finding] {
        try await read { db in
            let (office, _) = try Self.office(db, site, sites: tickets.sites)
            let start = from?.start(in: office.zone) ?? .distantPast
            let end = to.map { $0.adding(days: 1).start(in: office.zone) } ?? .distantFuture
            return try db.rows(
                """
                SELECT f.* FROM findings f JOIN inspections i ON i.id = f.inspection_id
                WHERE f.site_id = ? AND i.kind != 'self' AND i.recorded_at >= ? AND i.recorded_at < ? ORDER BY f.due_day, f.id
                """, [site, start, end]
            ).map(Self.finding)
        }
    }

    /// An office's units matching a search (name, credit code, licence or address) and filters, a page
    /// at a time, by name.
    public func units(site: String, search: String?, risk: RiskLevel? = nil, area: String? = nil, offset: Int, limit: Int) async throws -> UnitsPage {
        try await read { db in
            var conditions = ["site_id = ?"]
            var arguments: [(any SQLConvertible)?] = [site]
            if let search = search?.trimmed.nonEmpty {
                // LIKE's own wildcards in what was typed are matched as themselves.
                let escaped = search.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                    .replacingOccurrences(of: "_", with: "\\_")
                conditions.append(
                    "(name LIKE ? ESCAPE '\\' OR uscc LIKE ? ESCAPE '\\' OR licence LIKE ? ESCAPE '\\' OR address LIKE ? ESCAPE '\\')")
                let pattern = "%\(escaped)%"
                arguments += [pattern, pattern.uppercased(), pattern.uppercased(), pattern]
            }
            if let risk {
                conditions.append("risk = ?")
                arguments.append(risk.rawValue)
            }
            if let area = area?.trimmed.nonEmpty {
                conditions.append("area = ?")
                arguments.append(area)
            }
            let clause = conditions.joined(separator: " AND ")
            let total = try db.value(Int.self, "SELECT COUNT(*) FROM units WHERE \(clause)", arguments) ?? 0
            let units = try db.rows(
                "SELECT * FROM units WHERE \(clause) ORDER BY name, id LIMIT ? OFFSET ?", arguments + [max(1, min(limit, 500)), max(0, offset)]
            ).map(Self.registered)
            return UnitsPage(units: units, total: total)
        }
    }

    /// The areas an office's units are in, for the filters.
    public func areas(site: String) async throws -> [String] {
        try await read { db in try db.values(String.self, "SELECT DISTINCT area FROM units WHERE site_id = ? AND area != '' ORDER BY area", [site]) }
    }
}
