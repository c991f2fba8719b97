import Foundation
import QuhaoCore

/// A change of a unit's grade, from its log.
public struct GradeChange: Sendable, Hashable, Codable {
    public let at: Date
    public let from: UnitGrade?
    public let to: UnitGrade?
}

extension InspectionStore {
    // MARK: - Inside transactions: the grade at the door

    /// Sets a unit's grade from its office inspections by the office's rule (``GradeRule``); a change
    /// is logged as the unit's `grade` event (`good>fair`), which the office's trail shows.
    static func regrade(_ db: any SQLDatabase, unit: CanteenUnit.ID, rule: GradeRule, at now: Date, by initiator: Initiator) throws {
        let rows = try db.rows(
            """
            SELECT result, recorded_at FROM inspections WHERE unit_id = ? AND kind != 'self' AND result IS NOT NULL
            ORDER BY recorded_at DESC, id DESC LIMIT ?
            """, [unit, max(1, rule.ofLast)])
        let results = try rows.compactMap { InspectionResult(rawValue: try $0["result"]) }
        let grade = rule.grade(newestFirst: results)
        let setAt: Date? = try rows.first?["recorded_at"]
        let before = try db.row("SELECT grade, grade_set_at FROM units WHERE id = ?", [unit])
        let previous = (try before?["grade"] as String?).flatMap(UnitGrade.init)
        try db.execute("UPDATE units SET grade = ?, grade_set_at = ? WHERE id = ?", [grade?.rawValue, grade == nil ? nil : setAt, unit])
        if previous != grade {
            try log(db, unit: unit, now, "grade", initiator, UnitGrade.change(from: previous, to: grade))
        }
    }

    // MARK: - Reads: grades

    /// A unit's grade changes, newest first.
    public func gradeChanges(unit: CanteenUnit.ID) async throws -> [GradeChange] {
        try await read { db in
            try db.rows("SELECT at, detail FROM unit_events WHERE unit_id = ? AND action = 'grade' ORDER BY id DESC", [unit]).map { row in
                let parts = (try row["detail"] as String? ?? "").split(separator: ">").map(String.init)
                return GradeChange(
                    at: try row["at"], from: parts.first.flatMap(UnitGrade.init(rawValue:)), to: parts.count > 1 ? UnitGrade(rawValue: parts[1]) : nil
                )
            }
        }
    }
}
