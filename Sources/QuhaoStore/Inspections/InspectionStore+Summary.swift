import Foundation
import QuhaoCore

/// The figures a supervision office reads for a period ("110 inspected, 33 problems, 30 rectified").
public struct InspectionSummary: Sendable, Hashable, Codable {
    /// Counts for one group (all, a result, a unit type, a risk level).
    public struct Figures: Sendable, Hashable, Codable {
        /// Units with at least one inspection by the office (not self-inspections) recorded in the period.
        public var unitsInspected = 0
        /// Inspections by the office recorded in the period.
        public var inspections = 0
        /// Findings those inspections recorded.
        public var findings = 0
        /// Of those findings, rectified and verified (corrected on site included).
        public var rectified = 0

        public init() {}

        enum CodingKeys: String, CodingKey {
            case inspections, findings, rectified
            case unitsInspected = "units_inspected"
        }

        /// Rectified ÷ findings, in per cent, one decimal (`nil` without findings).
        public var rectificationRate: Double? {
            findings == 0 ? nil : (Double(rectified) / Double(findings) * 1000).rounded() / 10
        }
    }

    /// Units of a risk level, and how many have had fewer visits this year than the level asks.
    public struct Due: Sendable, Hashable, Codable {
        public let risk: RiskLevel
        public let minimumVisits: Int
        public let activeUnits: Int
        public let dueForVisit: Int
        /// Of those due, the ones whose next visit's stretch of the year has passed (``VisitSchedule``).
        public let behind: Int

        enum CodingKeys: String, CodingKey {
            case risk, behind
            case minimumVisits = "minimum_visits"
            case activeUnits = "active_units"
            case dueForVisit = "due_for_visit"
        }
    }

    // Snake case written out (not left to an encoder's strategy, which would also lower-case the
    // risk levels A–D used as keys).
    enum CodingKeys: String, CodingKey {
        case site, from, to, today, total, open, overdue, due
        case answeredLate = "answered_late"
        case onSite = "on_site"
        case remoteVideo = "remote_video"
        case selfInspections = "self_inspections"
        case awaitingVerification = "awaiting_verification"
        case byResult = "by_result"
        case byType = "by_type"
        case byRisk = "by_risk"
    }

    public let site: String
    /// The period (both days included); `nil`: from the first record / up to today.
    public let from: BusinessDay?
    public let to: BusinessDay?
    public let today: BusinessDay
    public let total: Figures
    public let onSite: Int
    public let remoteVideo: Int
    public let selfInspections: Int
    /// Findings of the period whose rectification waits for the office (never overdue).
    public let awaitingVerification: Int
    /// Of those awaiting verification, the ones submitted after their due day (``FindingDeadline``).
    public let answeredLate: Int
    /// Findings of the period still open (no rectification submitted, or one sent back).
    public let open: Int
    /// Of those open, the ones past their due day (``FindingDeadline``): overdue ≤ open.
    public let overdue: Int
    public let byResult: [InspectionResult: Figures]
    public let byType: [UnitType: Figures]
    public let byRisk: [RiskLevel: Figures]
    /// Every risk level, this calendar year.
    public let due: [Due]

    public var rectificationRate: Double? { total.rectificationRate }
}

extension InspectionStore {
    // MARK: - Reads: figures

    /// An office's figures for a period of business days (both included; no bounds: all time).
    public func summary(site: String, from: BusinessDay? = nil, to: BusinessDay? = nil) async throws -> InspectionSummary {
        let now = clock.now()
        return try await read { db in
            let (office, rules) = try Self.office(db, site, sites: tickets.sites)
            let zone = office.zone
            let today = office.businessDay(at: now)
            let start = from?.start(in: zone) ?? .distantPast
            let end = to.map { $0.adding(days: 1).start(in: zone) } ?? .distantFuture
            let rows = try db.rows(
                """
                SELECT i.id, i.unit_id, i.mode, i.result, u.type, u.risk,
                    (SELECT COUNT(*) FROM findings f WHERE f.inspection_id = i.id) AS findings,
                    (SELECT COUNT(*) FROM findings f WHERE f.inspection_id = i.id AND f.state = 'verified') AS rectified
                FROM inspections i JOIN units u ON u.id = i.unit_id
                WHERE i.site_id = ? AND i.result IS NOT NULL AND i.recorded_at >= ? AND i.recorded_at < ?
                """, [site, start, end])
            var total = InspectionSummary.Figures()
            var byResult: [InspectionResult: InspectionSummary.Figures] = [:]
            var byType: [UnitType: InspectionSummary.Figures] = [:]
            var byRisk: [RiskLevel: InspectionSummary.Figures] = [:]
            var units: Set<Int64> = []
            var unitsByResult: [InspectionResult: Set<Int64>] = [:]
            var unitsByType: [UnitType: Set<Int64>] = [:]
            var unitsByRisk: [RiskLevel: Set<Int64>] = [:]
            var modes: [String: Int] = [:]
            for row in rows {
                let mode: String = try row["mode"] ?? ""
                modes[mode, default: 0] += 1
                guard mode != InspectionMode.selfCheck.rawValue else { continue }
                let unit: Int64 = try row["unit_id"]
                let findings: Int = try row["findings"]
                let rectified: Int = try row["rectified"]
                func add(_ figures: inout InspectionSummary.Figures, _ seen: inout Set<Int64>) {
                    figures.inspections += 1
                    figures.findings += findings
                    figures.rectified += rectified
                    if seen.insert(unit).inserted { figures.unitsInspected += 1 }
                }
                add(&total, &units)
                if let result = InspectionResult(rawValue: try row["result"]) {
                    add(&byResult[result, default: .init()], &unitsByResult[result, default: []])
                }
                if let type = UnitType(rawValue: try row["type"]) { add(&byType[type, default: .init()], &unitsByType[type, default: []]) }
                if let risk = RiskLevel(rawValue: try row["risk"]) { add(&byRisk[risk, default: .init()], &unitsByRisk[risk, default: []]) }
            }
            let states = try db.rows(
                """
                SELECT f.state, f.due_day, f.responded_at FROM findings f JOIN inspections i ON i.id = f.inspection_id
                WHERE f.site_id = ? AND i.kind != 'self' AND i.recorded_at >= ? AND i.recorded_at < ?
                """, [site, start, end])
            var awaiting = 0
            var answeredLate = 0
            var open = 0
            var overdue = 0
            for row in states {
                guard let state = FindingState(rawValue: try row["state"]), let due = BusinessDay(iso: try row["due_day"]) else { continue }
                if state == .submitted { awaiting += 1 }
                if state == .open { open += 1 }
                if FindingDeadline.isOverdue(state: state, due: due, today: today) { overdue += 1 }
                let answered = (try row["responded_at"] as Date?).map { BusinessDay($0, in: zone) }
                if FindingDeadline.isAnsweredLate(state: state, due: due, answeredOn: answered) { answeredLate += 1 }
            }
            // Units due for a visit: the due list's reading, counted by level.
            let standing = try Self.dueList(db, office: office, rules: rules, now: now)
            let due = RiskLevel.allCases.map { risk in
                let units = standing.filter { $0.unit.risk == risk }
                return InspectionSummary.Due(
                    risk: risk, minimumVisits: rules.visits.required(risk), activeUnits: units.count,
                    dueForVisit: units.filter(\.status.needsVisit).count, behind: units.filter { $0.status.state == .behind }.count)
            }
            return InspectionSummary(
                site: site, from: from, to: to, today: today, total: total, onSite: modes[InspectionMode.onSite.rawValue] ?? 0,
                remoteVideo: modes[InspectionMode.remoteVideo.rawValue] ?? 0, selfInspections: modes[InspectionMode.selfCheck.rawValue] ?? 0,
                awaitingVerification: awaiting, answeredLate: answeredLate, open: open, overdue: overdue, byResult: byResult, byType: byType,
                byRisk: byRisk, due: due)
        }
    }
}
