import Foundation
import QuhaoCore

/// A plan as the office fills it in, before it is checked.
public struct PlanDraft: Sendable, Hashable {
    public var name: String
    public var firstDay: BusinessDay
    public var lastDay: BusinessDay
    public var scope: PlanScope
    public var quotas: [RiskLevel: PlanQuota]
    /// Inspectors per visit (`nil`: the office's minimum on site).
    public var team: Int?

    public init(name: String, firstDay: BusinessDay, lastDay: BusinessDay, scope: PlanScope, quotas: [RiskLevel: PlanQuota], team: Int? = nil) {
        self.name = name
        self.firstDay = firstDay
        self.lastDay = lastDay
        self.scope = scope
        self.quotas = quotas
        self.team = team
    }
}

/// A plan with its drawn visits and how far they have got.
public struct PlanReport: Sendable, Hashable, Codable {
    /// One drawn visit.
    public struct Visit: Sendable, Hashable, Codable {
        public let position: Int
        public let unitID: CanteenUnit.ID
        public let unitName: String
        public let risk: RiskLevel
        public let type: UnitType
        public let area: String
        /// The inspectors drawn, by staff id and name.
        public let inspectors: [PlanInspector]
        /// Its inspection (the request in the queue, then the visit).
        public let inspection: Inspection?
        /// The team the visit is bound to now: the drawn one, unless a drawn officer declared a conflict
        /// afterwards and was replaced (empty: as drawn, not yet queued).
        public let assigned: [PlanInspector]
        /// Who goes (or went): the team now, else the drawn one.
        public var team: [PlanInspector] { assigned.isEmpty ? inspectors : assigned }
        /// Whether the team differs from the draw (a drawn officer relieved by a conflict).
        public var replaced: Bool { !assigned.isEmpty && Set(assigned.map(\.id)) != Set(inspectors.map(\.id)) }
        /// The queue number it holds or held.
        public let number: String?

        /// Recorded (results saved), or finished.
        public var done: Bool { inspection?.result != nil }
        /// Where it stands: its inspection's status, or not yet queued (the period is to come).
        public var status: LocalizedText {
            inspection?.status.label ?? LocalizedText(zh: "待排队（检查期限开始后）", en: "Not yet queued (until the period begins)")
        }
    }

    public let plan: InspectionPlan
    public let visits: [Visit]

    public var done: Int { visits.filter(\.done).count }
}

/// An inspector drawn for a visit.
public struct PlanInspector: Sendable, Hashable, Codable {
    public let id: Int64
    public let name: String
}

extension InspectionStore {
    // MARK: - Writes: plans (双随机)

    /// Creates a plan; its units and inspectors are drawn later (``drawPlan(_:seed:by:)``).
    /// - Throws: `plan.invalid` (a name, a period, a quota, the team), `plan.name_taken`, `site.not_found`.
    public func createPlan(site: String, _ draft: PlanDraft, by initiator: Initiator) async throws -> InspectionPlan {
        let name = draft.name.trimmed
        func invalid(_ zh: String, _ en: String) -> QuhaoError { QuhaoError(.planInvalid, ["reason": zh, "reason@en": en]) }
        guard !name.isEmpty, name.count <= 60 else { throw invalid("名称需 1–60 个字", "a name of 1 to 60 characters is needed") }
        guard draft.firstDay <= draft.lastDay else { throw invalid("结束日期早于开始日期", "the period ends before it starts") }
        guard draft.firstDay.adding(days: 366) >= draft.lastDay else { throw invalid("检查期限不能超过一年", "the period is longer than a year") }
        guard draft.quotas.values.contains(where: { $0 != .count(0) && $0 != .ratio(0) }) else {
            throw invalid("至少为一个风险等级设定抽取数量或比例", "give a count or a share for at least one risk level")
        }
        let outside = draft.quotas.keys.filter { !draft.scope.risks.isEmpty && !draft.scope.risks.contains($0) }.sorted()
        guard outside.isEmpty else {
            let levels = outside.map(\.rawValue).joined(separator: "、")
            throw invalid("风险等级 \(levels) 不在计划范围内，却设定了抽取数量", "a count is given for risk level \(levels), outside the plan's scope")
        }
        if let team = draft.team, !(1...5).contains(team) { throw invalid("每组检查人员需 1–5 人", "a team is 1 to 5 inspectors") }
        let scope = PlanScope(
            types: draft.scope.types, risks: draft.scope.risks,
            areas: draft.scope.areas.map(\.trimmed).filter { !$0.isEmpty })
        return try await tickets.write(site: site) { context in
            guard let rules = context.site.inspection else { throw QuhaoError(.siteNotFound, ["site": site]) }
            guard draft.lastDay >= context.day else {
                throw QuhaoError(.planInvalid, ["reason": "检查期限已过（结束于今天之前）", "reason@en": "the period ended before today"])
            }
            // An area no unit is in would draw nothing, ever (a typo): refused now, not at the draw.
            let known = Set(try context.db.values(String.self, "SELECT DISTINCT area FROM units WHERE site_id = ?", [site]))
            if let unknown = scope.areas.first(where: { !known.contains($0) }) {
                throw QuhaoError(
                    .planInvalid, ["reason": "没有单位属于片区「\(unknown.prefix(40))」", "reason@en": "no unit is in the area “\(unknown.prefix(40))”"])
            }
            // A scope with no unit to draw (no active unit of those types, areas and levels) is refused now, not at the draw.
            let candidates = try context.db.rows("SELECT * FROM units WHERE site_id = ? AND active = 1", [site]).map { try Self.registered($0).unit }
                .filter { scope.includes($0) }.map { RandomDraw.Candidate(unit: $0.id, risk: $0.risk) }
            guard InspectionPlan.counts(draft.quotas, candidates: candidates).values.reduce(0, +) > 0 else {
                throw QuhaoError(.planNothingToDraw)
            }
            if try context.db.value(Int64.self, "SELECT id FROM plans WHERE site_id = ? AND name = ?", [site, name]) != nil {
                throw QuhaoError(.planNameTaken, ["name": name])
            }
            let id = try context.db.insert(
                """
                INSERT INTO plans (site_id, name, first_day, last_day, scope, quotas, team, created_at, created_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    site, name, draft.firstDay.iso, draft.lastDay.iso, try Self.json(scope), try Self.json(draft.quotas),
                    draft.team ?? rules.minimumInspectors(.onSite), context.now, initiator.description,
                ])
            return try Self.plan(context.db, id: id)
        }
    }

    /// Draws a plan's units and each one's inspectors (``RandomDraw``), once: the seed and what was
    /// drawn from are kept with it, so the draw can be published and replayed. Each drawn unit gets a
    /// request in the office's queue (or keeps the one it has waiting), bound to the inspectors drawn:
    /// only they are handed it and may inspect it. A plan drawn ahead of its period is queued when
    /// the period begins (``queueDrawnVisits()``), not before.
    /// - Parameter seed: The seed to draw with (a public draw's number); `nil`: a random one.
    /// - Throws: `plan.not_found`, `plan.already_drawn`, `plan.nothing_to_draw`, `plan.not_enough_inspectors`.
    public func drawPlan(_ id: InspectionPlan.ID, seed: String?, by initiator: Initiator) async throws -> PlanReport {
        let site = try await read { db in try Self.plan(db, id: id).siteID }
        let seed = seed?.trimmed.nonEmpty.map { String($0.prefix(64)) } ?? String(tickets.random.token().prefix(16))
        return try await tickets.write(site: site) { context in
            let plan = try Self.plan(context.db, id: id)
            if let drawn = plan.draw {
                throw QuhaoError(.planAlreadyDrawn, ["name": plan.name, "at": LocalTime.minute(drawn.at, in: context.site.zone)])
            }
            let units = try context.db.rows("SELECT * FROM units WHERE site_id = ? AND active = 1 ORDER BY id", [site]).map {
                try Self.registered($0).unit
            }
            // A unit whose visit another plan drew and still waits for its team (queued, or to be
            // queued when that plan's period starts) is left out: one visit has one drawn team.
            let waiting = Set(
                try context.db.values(
                    Int64.self,
                    """
                    SELECT i.unit_id FROM inspections i WHERE i.site_id = ? AND i.status IN ('requested', 'called', 'in_progress', 'recorded')
                    AND EXISTS (SELECT 1 FROM inspection_assignees a WHERE a.inspection_id = i.id)
                    UNION SELECT v.unit_id FROM plan_visits v JOIN plans p ON p.id = v.plan_id
                    WHERE p.site_id = ? AND v.inspection_id IS NULL AND p.last_day >= ?
                    """, [site, site, context.day.iso]))
            let candidates = units.filter { plan.scope.includes($0) && !waiting.contains($0.id) }.map {
                RandomDraw.Candidate(unit: $0.id, risk: $0.risk)
            }
            let counts = InspectionPlan.counts(plan.quotas, candidates: candidates)
            guard counts.values.reduce(0, +) > 0 else { throw QuhaoError(.planNothingToDraw) }
            let inspectors = try Self.officeInspectors(context.db, site: site, at: context.now)
            var recusals: [Int64: Set<Int64>] = [:]
            for recusal in try Self.recusals(context.db, site: site) { recusals[recusal.unitID, default: []].insert(recusal.staffID) }
            let visits: [RandomDraw.Visit]
            do {
                visits = try RandomDraw(seed: seed).draw(
                    candidates: candidates, quotas: counts, inspectors: inspectors.map(\.id), recusals: recusals, team: plan.team)
            } catch RandomDraw.Shortfall.inspectors(let unit, let available, let needed) {
                throw QuhaoError(
                    .planNotEnoughInspectors,
                    ["unit": units.first { $0.id == unit }?.name ?? "#\(unit)", "available": String(available), "needed": String(needed)])
            }
            let drawn = InspectionPlan.Drawn(
                seed: seed, at: context.now, by: initiator.description, candidates: candidates, inspectors: inspectors.map(\.id),
                recusals: recusals.mapValues { $0.sorted() })
            try context.db.execute(
                "UPDATE plans SET seed = ?, drawn_at = ?, drawn_by = ?, drawn_from = ? WHERE id = ?",
                [seed, context.now, initiator.description, try Self.json(drawn), id])
            for (position, visit) in visits.enumerated() {
                let unit = units.first { $0.id == visit.unit }!
                let inspection = try queue(context, plan: plan, unit: unit, inspectors: visit.inspectors, by: initiator)
                try context.db.execute(
                    "INSERT INTO plan_visits (plan_id, position, unit_id, inspectors, inspection_id) VALUES (?, ?, ?, ?, ?)",
                    [id, position + 1, unit.id, try Self.json(visit.inspectors), inspection])
                try Self.log(context.db, unit: unit.id, context.now, "drawn", initiator, "plan \(id): \(plan.name)")
            }
            return try Self.planReport(context.db, id: id)
        }
    }

    /// Puts a drawn visit in the office's queue when its plan's period has started: a request for
    /// the unit (or the one it has open) bound to the drawn team. `nil`: not now (the period is yet
    /// to come or over, the unit is inactive, the business type closed or full today); the
    /// housekeeping (``queueDrawnVisits()``) tries again.
    func queue(_ context: TicketStore.Context, plan: InspectionPlan, unit: CanteenUnit, inspectors: [Int64], by initiator: Initiator) throws
        -> Inspection.ID?
    {
        guard plan.firstDay <= context.day, context.day <= plan.lastDay else { return nil }
        var inspection = try Self.openInspection(context.db, unit: unit.id)?.id
        if inspection == nil {
            guard unit.active else { return nil }
            do {
                inspection = try context.db.savepoint {
                    try openRequest(context, unit: unit, kind: .routine, token: tickets.random.token(), by: initiator)
                }
            } catch let refused as QuhaoError where [.serviceClosed, .serviceDailyCapReached].contains(refused.code) {
                return nil
            }
        }
        // A request already under way stays with whoever has it; one still waiting goes to the drawn team.
        if let inspection, try Self.fetchInspection(context.db, id: inspection).status == .requested {
            for staff in inspectors {
                try context.db.execute(
                    "INSERT INTO inspection_assignees (inspection_id, staff_id) VALUES (?, ?) ON CONFLICT DO NOTHING", [inspection, staff])
            }
        }
        return inspection
    }

    /// Queues the drawn visits whose plan's period has begun (a plan drawn ahead, or drawn while its
    /// business type was closed), run by the housekeeping once a minute.
    /// - Returns: How many were queued.
    @discardableResult
    public func queueDrawnVisits() async throws -> Int {
        // Plans whose period is over are left out (a visit never queued stays so): yesterday in UTC is
        // before today in every zone.
        let earliest = BusinessDay(clock.now(), in: TimeZone(identifier: "UTC")!).adding(days: -1).iso
        let pending = try await read { db in
            try db.rows(
                """
                SELECT DISTINCT p.site_id, p.first_day, p.last_day FROM plan_visits v JOIN plans p ON p.id = v.plan_id
                WHERE v.inspection_id IS NULL AND p.last_day >= ?
                """, [earliest]
            ).map { (site: try $0["site_id"] as String, first: try $0["first_day"] as String, last: try $0["last_day"] as String) }
        }
        var queued = 0
        for site in Set(pending.map(\.site)).sorted() {
            let today = try await tickets.site(site).businessDay(at: clock.now()).iso
            guard pending.contains(where: { $0.site == site && $0.first <= today && today <= $0.last }) else { continue }
            queued += try await tickets.write(site: site) { context in
                var count = 0
                let visits = try context.db.rows(
                    """
                    SELECT v.plan_id, v.position, v.unit_id, COALESCE(v.team, v.inspectors) AS inspectors FROM plan_visits v
                    JOIN plans p ON p.id = v.plan_id
                    WHERE p.site_id = ? AND v.inspection_id IS NULL AND p.first_day <= ? AND p.last_day >= ? ORDER BY p.id, v.position
                    """, [site, context.day.iso, context.day.iso])
                var plans: [InspectionPlan.ID: InspectionPlan] = [:]
                for visit in visits {
                    let id: InspectionPlan.ID = try visit["plan_id"]
                    let plan = try plans[id] ?? Self.plan(context.db, id: id)
                    plans[id] = plan
                    let unit = try Self.fetchUnit(context.db, id: try visit["unit_id"]).unit
                    let team = try JSONDecoder().decode([Int64].self, from: Data((try visit["inspectors"] as String).utf8))
                    guard let inspection = try queue(context, plan: plan, unit: unit, inspectors: team, by: .system) else { continue }
                    try context.db.execute(
                        "UPDATE plan_visits SET inspection_id = ? WHERE plan_id = ? AND position = ?",
                        [inspection, plan.id, try visit["position"] as Int64])
                    count += 1
                }
                return count
            }
        }
        return queued
    }

    /// Publishes a drawn plan (双随机、一公开): its draw and, as they come, its results are then on
    /// the office's public page. Once published it stays so (publishing again changes nothing).
    /// - Throws: `plan.not_found`, `plan.not_drawn`.
    public func publishPlan(_ id: InspectionPlan.ID, by initiator: Initiator) async throws -> PlanReport {
        let site = try await read { db in try Self.plan(db, id: id).siteID }
        return try await tickets.write(site: site) { context in
            let plan = try Self.plan(context.db, id: id)
            guard plan.draw != nil else { throw QuhaoError(.planNotDrawn, ["name": plan.name]) }
            if plan.publishedAt == nil {
                try context.db.execute(
                    "UPDATE plans SET published_at = ?, published_by = ? WHERE id = ?", [context.now, initiator.description, id])
            }
            return try Self.planReport(context.db, id: id)
        }
    }

    /// An office's published plans, the newest first.
    public func publishedPlans(site: String) async throws -> [PlanReport] {
        try await read { db in
            try db.values(Int64.self, "SELECT id FROM plans WHERE site_id = ? AND published_at IS NOT NULL ORDER BY id DESC", [site]).map {
                try Self.planReport(db, id: $0)
            }
        }
    }

    /// A published plan of an office, as anyone may read it.
    /// - Throws: `plan.not_found` for a plan of another office or one not published.
    public func publishedPlan(site: String, id: InspectionPlan.ID) async throws -> PlanReport {
        let report = try await plan(id)
        guard report.plan.siteID == site, report.plan.publishedAt != nil else { throw QuhaoError(.planNotFound) }
        return report
    }

    // MARK: - Reads: plans

    /// A plan with its visits and their progress.
    /// - Throws: `plan.not_found`.
    public func plan(_ id: InspectionPlan.ID) async throws -> PlanReport {
        try await read { db in try Self.planReport(db, id: id) }
    }

    /// An office's plans, the newest first.
    public func plans(site: String) async throws -> [PlanReport] {
        try await read { db in
            try db.values(Int64.self, "SELECT id FROM plans WHERE site_id = ? ORDER BY id DESC", [site]).map { try Self.planReport(db, id: $0) }
        }
    }

    /// Draws a drawn plan again from what it recorded (seed, candidates, inspectors, conflicts):
    /// `true` when the same units and teams come out, in the same order.
    public func replayDraw(_ id: InspectionPlan.ID) async throws -> Bool {
        let report = try await plan(id)
        guard let drawn = report.plan.draw else { return false }
        let again = try RandomDraw(seed: drawn.seed).draw(
            candidates: drawn.candidates, quotas: InspectionPlan.counts(report.plan.quotas, candidates: drawn.candidates),
            inspectors: drawn.inspectors, recusals: drawn.recusals.mapValues(Set.init), team: report.plan.team)
        return again.map(\.unit) == report.visits.map(\.unitID) && again.map(\.inspectors) == report.visits.map { $0.inspectors.map(\.id) }
    }

    // MARK: - Inside transactions

    static func plan(_ db: any SQLDatabase, id: InspectionPlan.ID) throws -> InspectionPlan {
        guard let row = try db.row("SELECT * FROM plans WHERE id = ?", [id]) else { throw QuhaoError(.planNotFound) }
        let decoder = JSONDecoder()
        let drawn = try (try row["drawn_from"] as String?).map { try decoder.decode(InspectionPlan.Drawn.self, from: Data($0.utf8)) }
        guard let first = BusinessDay(iso: try row["first_day"]), let last = BusinessDay(iso: try row["last_day"]) else {
            throw QuhaoError(.internalError, ["reason": "plan \(id) has a malformed period"])
        }
        return InspectionPlan(
            id: try row["id"], siteID: try row["site_id"], name: try row["name"], firstDay: first, lastDay: last,
            scope: try decoder.decode(PlanScope.self, from: Data((try row["scope"] as String).utf8)),
            quotas: try decoder.decode([RiskLevel: PlanQuota].self, from: Data((try row["quotas"] as String).utf8)), team: try row["team"],
            createdAt: try row["created_at"], createdBy: try row["created_by"], draw: drawn, publishedAt: try row["published_at"])
    }

    static func planReport(_ db: any SQLDatabase, id: InspectionPlan.ID) throws -> PlanReport {
        let plan = try plan(db, id: id)
        let names = Dictionary(
            try db.rows("SELECT id, name FROM staff").map { (try $0["id"] as Int64, try $0["name"] as String) }, uniquingKeysWith: { a, _ in a })
        let visits = try db.rows(
            """
            SELECT v.position, v.inspectors, v.team, v.inspection_id, u.id AS unit_id, u.name, u.risk, u.type, u.area,
                (SELECT t.number FROM inspections i JOIN tickets t ON t.id = i.ticket_id WHERE i.id = v.inspection_id) AS number
            FROM plan_visits v JOIN units u ON u.id = v.unit_id WHERE v.plan_id = ? ORDER BY v.position
            """, [id]
        ).map { row in
            let ids = try JSONDecoder().decode([Int64].self, from: Data((try row["inspectors"] as String).utf8))
            return PlanReport.Visit(
                position: try row["position"], unitID: try row["unit_id"], unitName: try row["name"],
                risk: RiskLevel(rawValue: try row["risk"]) ?? .a, type: UnitType(rawValue: try row["type"]) ?? .other, area: try row["area"],
                inspectors: ids.map { PlanInspector(id: $0, name: names[$0] ?? "#\($0)") },
                inspection: try (try row["inspection_id"] as Int64?).map { try fetchInspection(db, id: $0) },
                assigned: try assigned(db, row).map { PlanInspector(id: $0, name: names[$0] ?? "#\($0)") }, number: try row["number"])
        }
        return PlanReport(plan: plan, visits: visits)
    }

    /// A plan visit's team now: the queued visit's assignees, or the team kept with the plan (a drawn
    /// officer relieved before it was queued); empty: as drawn.
    static func assigned(_ db: any SQLDatabase, _ visit: SQLRow) throws -> [Int64] {
        if let inspection = try visit["inspection_id"] as Int64? {
            return try db.values(Int64.self, "SELECT staff_id FROM inspection_assignees WHERE inspection_id = ? ORDER BY staff_id", [inspection])
        }
        guard let team = try visit["team"] as String? else { return [] }
        return try JSONDecoder().decode([Int64].self, from: Data(team.utf8))
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
