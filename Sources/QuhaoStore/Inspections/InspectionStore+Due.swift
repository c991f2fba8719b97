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
