import Foundation
import QuhaoCore

/// How an inspector came to be on a visit's record.
public enum JoinedBy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Called the unit's request to a team.
    case called
    /// Checked in on the premises by scanning the unit's code.
    case checkedIn = "checked_in"
    /// Joined a visit under way by scanning the same on-site code on their own phone.
    case scanned
    /// Chosen at check-in by the inspector checking in, from the office's signed-in inspectors.
    case chosen
    /// Marked the visit remote (through the kitchen camera).
    case remote
    /// Recorded the results.
    case recorded

    public var label: LocalizedText {
        switch self {
        case .called: LocalizedText(zh: "叫号", en: "Called")
        case .checkedIn: LocalizedText(zh: "扫码签到", en: "Checked in by scan")
        case .scanned: LocalizedText(zh: "扫码加入", en: "Joined by scan")
        case .chosen: LocalizedText(zh: "签到时选定", en: "Chosen at check-in")
        case .remote: LocalizedText(zh: "远程检查", en: "Remote")
        case .recorded: LocalizedText(zh: "记录结果", en: "Recorded")
        }
    }
}

/// One inspector on a visit's record.
public struct VisitInspector: Sendable, Hashable, Codable {
    public let initiator: String
    public let name: String
    public let how: JoinedBy
    public let joinedAt: Date
}

/// An inspector's declared conflict of interest with a unit (回避).
public struct Recusal: Sendable, Hashable, Codable {
    public let staffID: Int64
    public let staffName: String
    public let unitID: CanteenUnit.ID
    public let unitName: String
    public let reason: String
    public let declaredAt: Date
    public let declaredBy: String
}

/// An inspector of the office, as the draw and the check-in page see them.
public struct OfficeInspector: Sendable, Hashable, Codable {
    public let id: Int64
    public let login: String
    public let name: String
    /// Has a session that has not expired: may be chosen as a companion at check-in.
    public let signedIn: Bool
}

extension InspectionStore {
    // MARK: - The one rule of who may be sent to a unit

    /// The SQL condition: an inspector may be sent to an inspection's unit unless they declared a
    /// conflict of interest with it (回避), and, for a visit drawn by a plan, only if they were drawn
    /// for it. Used by the call (``TicketStore/queueHeads``) and by every step on the premises
    /// (``refusalToSend(_:inspection:unit:staff:)``). Arguments: ``maySendArguments(staff:)``.
    static func maySend(inspection alias: String, staff placeholder: String) -> String {
        "NOT \(recused(unit: "\(alias).unit_id", staff: placeholder)) AND NOT \(drawnForOthers(inspection: "\(alias).id", staff: placeholder))"
    }

    static func maySendArguments(staff: Int64?) -> [(any SQLConvertible)?] { [staff ?? -1, staff ?? -1] }

    private static func recused(unit: String, staff: String) -> String {
        "EXISTS (SELECT 1 FROM recusals r WHERE r.unit_id = \(unit) AND r.staff_id = \(staff))"
    }

    private static func drawnForOthers(inspection: String, staff: String) -> String {
        """
        (EXISTS (SELECT 1 FROM inspection_assignees a WHERE a.inspection_id = \(inspection))
            AND NOT EXISTS (SELECT 1 FROM inspection_assignees a WHERE a.inspection_id = \(inspection) AND a.staff_id = \(staff)))
        """
    }

    /// Why an inspector may not be sent to a unit (or to one of its inspections), in the office's words; `nil`: they may.
    static func refusalToSend(_ db: any SQLDatabase, inspection: Inspection.ID?, unit: CanteenUnit.ID, staff: Int64?) throws -> QuhaoError? {
        let staff = staff ?? -1
        let row = try db.row(
            """
            SELECT \(recused(unit: "?", staff: "?")) AS recused, \(drawnForOthers(inspection: "?", staff: "?")) AS others
            """, [unit, staff, inspection ?? -1, inspection ?? -1, staff])
        func unitName() throws -> String { try db.value(String.self, "SELECT name FROM units WHERE id = ?", [unit]) ?? "#\(unit)" }
        if let row, try row["recused"] as Bool { return QuhaoError(.inspectionRecused, ["unit": try unitName()]) }
        if let row, try row["others"] as Bool, let inspection {
            let plan =
                try db.value(
                    String.self, "SELECT p.name FROM plan_visits v JOIN plans p ON p.id = v.plan_id WHERE v.inspection_id = ? LIMIT 1", [inspection])
                ?? ""
            let names = try db.values(
                String.self, "SELECT s.name FROM inspection_assignees a JOIN staff s ON s.id = a.staff_id WHERE a.inspection_id = ? ORDER BY s.id",
                [inspection])
            return QuhaoError(.inspectionNotAssigned, ["unit": try unitName(), "plan": plan, "names": names.joined(separator: "、")])
        }
        return nil
    }

    /// The staff account behind an initiator (`staff:12` → 12).
    static func staffID(_ initiator: Initiator) -> Int64? {
        initiator.kind == .staff ? initiator.id.flatMap { Int64($0) } : nil
    }

    // MARK: - Inside transactions: who is on a visit

    /// Puts an inspector on a visit's record (once: the first way they joined is kept, except that one who
    /// called the unit and then checks in or joins is there from then on), and keeps
    /// the inspection row's list of names with it.
    static func addInspector(_ db: any SQLDatabase, _ inspection: Inspection.ID, _ initiator: Initiator, name: String, how: JoinedBy, at: Date) throws
    {
        try db.execute(
            """
            INSERT INTO inspection_inspectors (inspection_id, initiator, name, how, joined_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (inspection_id, initiator) DO UPDATE SET how = excluded.how, joined_at = excluded.joined_at
            WHERE inspection_inspectors.how = 'called' AND excluded.how != 'called'

            """, [inspection, initiator.description, name, how.rawValue, at])
        let names = try db.values(
            String.self, "SELECT name FROM inspection_inspectors WHERE inspection_id = ? ORDER BY joined_at, name", [inspection])
        let json = String(decoding: try JSONEncoder().encode(names), as: UTF8.self)
        try db.execute("UPDATE inspections SET inspectors = ? WHERE id = ?", [json, inspection])
    }

    /// The order of a visit's inspectors: as they joined; at the same instant, whoever called or checked in first.
    static let joinOrder = """
        joined_at, CASE how WHEN 'called' THEN 0 WHEN 'checked_in' THEN 1 WHEN 'remote' THEN 1 WHEN 'chosen' THEN 2 WHEN 'scanned' THEN 3 ELSE 4 END, name
        """

    /// The inspectors on a visit's record, in the order they joined.
    static func visitInspectors(_ db: any SQLDatabase, _ inspection: Inspection.ID) throws -> [VisitInspector] {
        try db.rows("SELECT * FROM inspection_inspectors WHERE inspection_id = ? ORDER BY \(joinOrder)", [inspection]).map {
            VisitInspector(
                initiator: try $0["initiator"], name: try $0["name"], how: JoinedBy(rawValue: try $0["how"]) ?? .called,
                joinedAt: try $0["joined_at"])
        }
    }

    /// Whether an inspector is on a visit's team: checked in, joined by scanning, chosen at check-in,
    /// or marked it remote. Calling a unit is not being there; recording results needs being there.
    static func isOnVisit(_ db: any SQLDatabase, _ inspection: Inspection.ID, _ initiator: Initiator) throws -> Bool {
        try db.value(
            Int.self,
            "SELECT COUNT(*) FROM inspection_inspectors WHERE inspection_id = ? AND initiator = ? AND how IN ('checked_in', 'scanned', 'chosen', 'remote')",
            [inspection, initiator.description]) ?? 0 > 0
    }

    /// How many are on a visit's team (``isOnVisit(_:_:_:)``): what the office's minimum counts.
    static func presentCount(_ db: any SQLDatabase, _ inspection: Inspection.ID) throws -> [VisitInspector] {
        try visitInspectors(db, inspection).filter { [.checkedIn, .scanned, .chosen, .remote].contains($0.how) }
    }

    /// The office's active inspector accounts, by id.
    static func officeInspectors(_ db: any SQLDatabase, site: String, at now: Date) throws -> [OfficeInspector] {
        try db.rows(
            """
            SELECT s.id, s.login, s.name, EXISTS (SELECT 1 FROM sessions x WHERE x.staff_id = s.id AND x.expires_at > ?) AS signed_in
            FROM staff s WHERE s.site_id = ? AND s.role = 'inspector' AND s.disabled = 0 ORDER BY s.id
            """, [now, site]
        ).map { OfficeInspector(id: try $0["id"], login: try $0["login"], name: try $0["name"], signedIn: try $0["signed_in"]) }
    }

    // MARK: - Writes: joining a visit

    /// A second inspector joins a visit under way by scanning the same on-site code on their own
    /// phone: they go on the record (``JoinedBy/scanned``). Scanning again changes nothing.
    /// - Throws: `unit.token_invalid` / `unit.token_wrong_kind`, `unit.code_invalid`, `inspection.not_found` (no visit under
    ///   way at the unit: check in instead), `inspection.recused`, `inspection.not_assigned`.
    public func join(posterToken: String, code: String? = nil, by inspector: Inspector) async throws -> Inspection {
        let site = try await unit(token: posterToken, as: .poster).unit.siteID
        return try await tickets.write(site: site) { context in
            let unit = try Self.activeUnit(context.db, poster: posterToken)
            if let code, !code.isEmpty {
                guard UnitTokens.isValid(code, unit: unit.id, at: context.now, key: try UnitTokens.key(context.db, site: site)) else {
                    throw QuhaoError(.unitCodeInvalid)
                }
            }
            guard let open = try Self.openInspection(context.db, unit: unit.id), open.mode == .onSite, open.status == .inProgress else {
                throw QuhaoError(.inspectionNotFound)
            }
            if let refusal = try Self.refusalToSend(context.db, inspection: open.id, unit: unit.id, staff: Self.staffID(inspector.initiator)) {
                throw refusal
            }
            try Self.addInspector(context.db, open.id, inspector.initiator, name: inspector.name, how: .scanned, at: context.now)
            return try Self.fetchInspection(context.db, id: open.id)
        }
    }

    /// The office's inspectors who may be chosen as companions at a unit (signed in, no conflict
    /// with it, not the one asking), for the check-in page.
    public func companions(site: String, unit: CanteenUnit.ID, except staff: Int64?) async throws -> [OfficeInspector] {
        let now = clock.now()
        return try await read { db in
            try Self.officeInspectors(db, site: site, at: now).filter { candidate in
                guard candidate.signedIn, candidate.id != staff else { return false }
                return try Self.refusalToSend(db, inspection: nil, unit: unit, staff: candidate.id) == nil
            }
        }
    }

    /// Every active inspector of an office.
    public func inspectors(site: String) async throws -> [OfficeInspector] {
        let now = clock.now()
        return try await read { db in try Self.officeInspectors(db, site: site, at: now) }
    }

    /// The inspectors on a visit's record.
    public func visitInspectors(_ id: Inspection.ID) async throws -> [VisitInspector] {
        try await read { db in try Self.visitInspectors(db, id) }
    }

    // MARK: - Writes: conflicts of interest (回避)

    /// An inspector declares a conflict of interest with a unit (or an admin records it): they are
    /// never drawn for it, never handed its request, and refused on its premises.
    /// - Throws: `recusal.reason_required`, `inspection.inspector_unknown`, `unit.not_found`.
    public func declareRecusal(site: String, staff: Int64, unit: CanteenUnit.ID, reason: String, by initiator: Initiator) async throws -> Recusal {
        let reason = reason.trimmed
        guard !reason.isEmpty else { throw QuhaoError(.recusalReasonRequired) }
        guard reason.count <= 200 else { throw QuhaoError(.unitFieldTooLong, ["max": "200", "field": "reason"]) }
        return try await tickets.write(site: site) { context in
            let registered = try Self.fetchUnit(context.db, id: unit)
            guard registered.unit.siteID == site else { throw QuhaoError(.unitNotFound, ["unit": String(unit)]) }
            guard try Self.officeInspectors(context.db, site: site, at: context.now).contains(where: { $0.id == staff }) else {
                throw QuhaoError(.inspectorUnknown, ["name": "#\(staff)"])
            }
            try context.db.execute(
                """
                INSERT INTO recusals (site_id, staff_id, unit_id, reason, declared_at, declared_by) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (staff_id, unit_id) DO UPDATE SET reason = excluded.reason, declared_at = excluded.declared_at,
                    declared_by = excluded.declared_by
                """, [site, staff, unit, reason, context.now, initiator.description])
            try Self.log(context.db, unit: unit, context.now, "recusal", initiator, "\(try Self.staffName(context.db, staff)): \(reason)")
            try Self.replaceDrawnOfficer(context, staff: staff, unit: unit, by: initiator)
            return try Self.recusals(context.db, site: site).first { $0.staffID == staff && $0.unitID == unit }!
        }
    }

    /// A drawn officer who declares a conflict with a unit after the draw leaves its visit, queued or
    /// still to be queued (it would otherwise never reach its minimum: the others are not drawn for
    /// it); a colleague free of any conflict with the unit and not on its team takes the place, drawn
    /// the same way from the plan's seed (`SEED/回避/UNIT/STAFF`, inspectors by id), so anyone can check
    /// it. The draw as drawn is kept (it replays); the team is the visit's assignees, or the plan
    /// visit's `team` until it is queued. Logged in the unit's trail; with nobody free, the team is short.
    static func replaceDrawnOfficer(_ context: TicketStore.Context, staff: Int64, unit: CanteenUnit.ID, by initiator: Initiator) throws {
        let db = context.db
        func replacement(seed: String, team: [Int64]) throws -> Int64? {
            let conflicted = Set(try db.values(Int64.self, "SELECT staff_id FROM recusals WHERE unit_id = ?", [unit]))
            var free = try officeInspectors(db, site: context.site.id, at: context.now).map(\.id)
                .filter { !team.contains($0) && !conflicted.contains($0) && $0 != staff }.sorted()
            var generator = SplitMix64(seed: RandomDraw.fnv1a("\(seed)/回避/\(unit)/\(staff)"))
            generator.shuffle(&free)
            return free.first
        }
        func logged(_ substitute: Int64?) throws {
            let replacement = try substitute.map { try staffName(db, $0) } ?? "—"
            try log(db, unit: unit, context.now, "drawn_relieved", initiator, "\(try staffName(db, staff)) → \(replacement)")
        }
        // A visit in the queue (or under way, before its results): its assignees.
        if let row = try db.row(
            """
            SELECT a.inspection_id, p.seed FROM inspection_assignees a JOIN inspections i ON i.id = a.inspection_id
            LEFT JOIN plan_visits v ON v.inspection_id = i.id LEFT JOIN plans p ON p.id = v.plan_id
            WHERE a.staff_id = ? AND i.unit_id = ? AND i.status IN ('requested', 'called', 'in_progress', 'recorded') LIMIT 1
            """, [staff, unit])
        {
            let inspection: Int64 = try row["inspection_id"]
            try db.execute("DELETE FROM inspection_assignees WHERE inspection_id = ? AND staff_id = ?", [inspection, staff])
            let team = try db.values(Int64.self, "SELECT staff_id FROM inspection_assignees WHERE inspection_id = ?", [inspection])
            let substitute = try replacement(seed: (try row["seed"] as String?) ?? String(inspection), team: team)
            if let substitute {
                try db.execute("INSERT INTO inspection_assignees (inspection_id, staff_id) VALUES (?, ?)", [inspection, substitute])
            }
            try logged(substitute)
        }
        // A visit drawn for a period still to come: its team, kept with the plan until it is queued.
        let pending = try db.rows(
            """
            SELECT v.plan_id, v.position, COALESCE(v.team, v.inspectors) AS team, p.seed FROM plan_visits v JOIN plans p ON p.id = v.plan_id
            WHERE v.unit_id = ? AND v.inspection_id IS NULL AND p.last_day >= ?
            """, [unit, context.day.iso])
        for row in pending {
            var team = try JSONDecoder().decode([Int64].self, from: Data((try row["team"] as String).utf8))
            guard let index = team.firstIndex(of: staff) else { continue }
            team.remove(at: index)
            let substitute = try replacement(seed: try row["seed"] ?? "", team: team)
            if let substitute { team.insert(substitute, at: index) }
            try db.execute(
                "UPDATE plan_visits SET team = ? WHERE plan_id = ? AND position = ?",
                [try json(team), try row["plan_id"] as Int64, try row["position"] as Int64])
            try logged(substitute)
        }
    }

    /// Withdraws a declared conflict (audited in the unit's log).
    /// - Throws: `recusal.not_found` when that inspector declared none with that unit.
    public func withdrawRecusal(site: String, staff: Int64, unit: CanteenUnit.ID, by initiator: Initiator) async throws {
        try await tickets.write(site: site) { context in
            let removed = try context.db.execute(
                "DELETE FROM recusals WHERE site_id = ? AND staff_id = ? AND unit_id = ?", [site, staff, unit])
            let name = try Self.staffName(context.db, staff)
            guard removed > 0 else { throw QuhaoError(.recusalNotFound, ["name": name]) }
            try Self.log(context.db, unit: unit, context.now, "recusal_withdrawn", initiator, name)
        }
    }

    /// A staff member's name as the trail and refusals give it (`#12` for an account gone).
    static func staffName(_ db: any SQLDatabase, _ id: Int64) throws -> String {
        try db.value(String.self, "SELECT name FROM staff WHERE id = ?", [id]) ?? "#\(id)"
    }

    /// An office's declared conflicts.
    public func recusals(site: String) async throws -> [Recusal] {
        try await read { db in try Self.recusals(db, site: site) }
    }

    static func recusals(_ db: any SQLDatabase, site: String) throws -> [Recusal] {
        try db.rows(
            """
            SELECT r.*, s.name AS staff_name, u.name AS unit_name FROM recusals r JOIN staff s ON s.id = r.staff_id
            JOIN units u ON u.id = r.unit_id WHERE r.site_id = ? ORDER BY u.name, s.id
            """, [site]
        ).map {
            Recusal(
                staffID: try $0["staff_id"], staffName: try $0["staff_name"], unitID: try $0["unit_id"], unitName: try $0["unit_name"],
                reason: try $0["reason"], declaredAt: try $0["declared_at"], declaredBy: try $0["declared_by"])
        }
    }
}
