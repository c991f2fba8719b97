import Foundation
import QuhaoCore
import Testing

@testable import QuhaoStore

/// An office's daily tools in the store: who is due, plans drawn at random (双随机), two officers on
/// site, the grade at the door, complaints from the poster, photos and due days moved on site.
@Suite struct OfficeToolsTests {
    static let inspector = InspectionLoopTests.inspector
    static let partner = InspectionLoopTests.partner

    /// An office asking A 1, B 2, C 3, D 4 visits a year.
    static let office = InspectionFixture.office { $0.visits = VisitSchedule(visitsPerYear: [.a: 1, .b: 2, .c: 3, .d: 4]) }

    static func day(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 10) -> Date {
        Calendar.gregorian(in: Fixture.shanghai).date(from: DateComponents(year: year, month: month, day: day, hour: hour))!
    }

    /// An unannounced visit by two officers, with these items failing.
    static func visit(_ store: TicketStore, _ unit: RegisteredUnit, failing: [String] = []) async throws -> Inspection {
        let visit = try await store.inspections.checkIn(posterToken: unit.posterToken, team: 1, by: inspector)
        _ = try await store.inspections.join(posterToken: unit.posterToken, by: partner)
        let items = InspectionLoopTests.sheet(Dictionary(uniqueKeysWithValues: failing.map { ($0, ItemEntry(.no)) }))
        _ = try await store.inspections.record(visit.id, items: items, summary: nil, by: inspector)
        return try await store.inspections.checkOut(visit.id, unsignedReason: "负责人不在场", by: inspector)
    }

    // MARK: - Who is due

    /// The year worked out by hand, on 15 July 2026. Stretches: A 1 → 31 Dec; B 2 → 30 Jun, 31 Dec;
    /// C 3 → 30 Apr, 31 Aug, 31 Dec; D 4 → 31 Mar, 30 Jun, 30 Sep, 31 Dec.
    /// - 1 (A, never visited): due by 31 Dec.
    /// - 2 (B, visited 10 Mar, a general finding due 25 Mar left open): 1 of 2, due by 31 Dec; 1 open, 1 overdue.
    /// - 3 (C, never visited): behind, its first visit was due by 30 Apr.
    /// - 4 (D, visited 10 Feb and 10 May): 2 of 4, the third due by 30 Sep.
    /// - 5 (D, visited 20 Nov 2025 only): behind (by 31 Mar); last visit 2025.
    /// - 6 (A, visited 1 Jun): done.
    /// - 7 (B, only its own self-inspection): behind (by 30 Jun): self-inspections are not visits.
    /// - 8 (C, deactivated): not listed.
    @Test func theDueListMatchesAYearWorkedOutByHand() async throws {
        let (store, clock) = try await InspectionFixture.store(at: Self.day(2025, 11, 1), office: Self.office)
        let inspections = store.inspections
        let risks: [RiskLevel] = [.a, .b, .c, .d, .d, .a, .b, .c]
        var units: [RegisteredUnit] = []
        for (index, risk) in risks.enumerated() {
            units.append(
                try await inspections.createUnit(
                    site: "office", InspectionFixture.draft(index + 1, risk: risk, area: index % 2 == 0 ? "白杨街道" : "下沙街道"), by: .cli))
        }
        clock.set(Self.day(2025, 11, 20))
        _ = try await Self.visit(store, units[4])
        clock.set(Self.day(2026, 2, 10))
        _ = try await Self.visit(store, units[3])
        clock.set(Self.day(2026, 3, 10))
        let second = try await Self.visit(store, units[1], failing: ["2.2"])
        clock.set(Self.day(2026, 5, 10))
        _ = try await Self.visit(store, units[3])
        clock.set(Self.day(2026, 6, 1))
        _ = try await Self.visit(store, units[5])
        _ = try await inspections.selfInspection(unitToken: units[6].privateToken, items: InspectionLoopTests.sheet(), summary: nil)
        _ = try await inspections.setUnitActive(units[7].unit.id, false, by: .cli)
        clock.set(Self.day(2026, 7, 15))

        let all = try await inspections.due(site: "office", filter: DueFilter(states: Set(VisitStatus.State.allCases)))
        func row(_ n: Int) throws -> DueUnit { try #require(all.first { $0.unit.id == units[n - 1].unit.id }) }
        #expect(all.count == 7, "the deactivated unit is not listed")
        #expect(try row(1).status == VisitStatus(required: 1, visits: 0, next: BusinessDay(iso: "2026-12-31"), state: .due))
        #expect(try row(2).status == VisitStatus(required: 2, visits: 1, next: BusinessDay(iso: "2026-12-31"), state: .due))
        #expect(try row(2).openFindings == 1 && row(2).overdueFindings == 1 && row(2).lastResult == .basicallyCompliant)
        #expect(try row(2).lastVisit == second.recordedAt)
        #expect(try row(3).status == VisitStatus(required: 3, visits: 0, next: BusinessDay(iso: "2026-04-30"), state: .behind))
        #expect(try row(3).lastVisit == nil && row(3).lastResult == nil)
        #expect(try row(4).status == VisitStatus(required: 4, visits: 2, next: BusinessDay(iso: "2026-09-30"), state: .due))
        #expect(try row(5).status == VisitStatus(required: 4, visits: 0, next: BusinessDay(iso: "2026-03-31"), state: .behind))
        #expect(try BusinessDay(try #require(row(5).lastVisit), in: Fixture.shanghai) == BusinessDay(iso: "2025-11-20"))
        #expect(try row(6).status == VisitStatus(required: 1, visits: 1, next: nil, state: .done))
        #expect(try row(7).status == VisitStatus(required: 2, visits: 0, next: BusinessDay(iso: "2026-06-30"), state: .behind))

        // The default list: those still needing a visit, the ones behind first (by the day they were due), then the due.
        let due = try await inspections.due(site: "office")
        #expect(due.map(\.unit.id) == [5, 3, 7, 4, 1, 2].map { units[$0 - 1].unit.id })
        // Filters: a level, a state, an area, a type.
        #expect(try await inspections.due(site: "office", filter: DueFilter(risks: [.d])).map(\.unit.id) == [units[4].unit.id, units[3].unit.id])
        #expect(try await inspections.due(site: "office", filter: DueFilter(states: [.done])).map(\.unit.id) == [units[5].unit.id])
        #expect(try await inspections.due(site: "office", filter: DueFilter(areas: ["下沙街道"])).map(\.unit.id) == [4, 2].map { units[$0 - 1].unit.id })
        #expect(try await inspections.due(site: "office", filter: DueFilter(types: [.restaurant])).isEmpty)
        // The figures page counts the same list.
        let figures = try await inspections.summary(site: "office")
        #expect(figures.due.map(\.dueForVisit) == [1, 2, 1, 2] && figures.due.map(\.behind) == [0, 1, 1, 1])
        #expect(figures.due.map(\.minimumVisits) == [1, 2, 3, 4] && figures.due.map(\.activeUnits) == [2, 2, 1, 2])
    }

    // MARK: - Plans (双随机)

    /// 20 units (A–D by turn, two areas), 5 inspectors, declared conflicts; a plan drawing 2 of A,
    /// 50 % of B, 3 of C and "10" of D (only 5 are there).
    static func planStore() async throws -> (TicketStore, [RegisteredUnit], [Int64]) {
        let (store, _) = try await InspectionFixture.store(office: office)
        var units: [RegisteredUnit] = []
        for n in 1...20 {
            units.append(
                try await store.inspections.createUnit(
                    site: "office", InspectionFixture.draft(n, risk: RiskLevel.allCases[(n - 1) % 4], area: n % 2 == 0 ? "白杨" : "下沙"), by: .cli))
        }
        var staff: [Int64] = []
        for n in 1...5 {
            staff.append(
                try await store.accounts.addStaff(
                    NewStaff(login: "officer\(n)", name: "执法员\(n)", role: .inspector, siteID: "office", password: "inspector-pass-\(n)"), cost: 4
                ).id)
        }
        // Officer 1 knows the first ten units; officers 2 and 3 both know unit 3.
        for unit in units.prefix(10) {
            _ = try await store.inspections.declareRecusal(site: "office", staff: staff[0], unit: unit.unit.id, reason: "曾在该单位任职", by: .cli)
        }
        _ = try await store.inspections.declareRecusal(site: "office", staff: staff[1], unit: units[2].unit.id, reason: "亲属经营", by: .cli)
        _ = try await store.inspections.declareRecusal(site: "office", staff: staff[2], unit: units[2].unit.id, reason: "亲属经营", by: .cli)
        return (store, units, staff)
    }

    static let plan = PlanDraft(
        name: "2026年12月双随机抽查", firstDay: BusinessDay(iso: "2026-12-01")!, lastDay: BusinessDay(iso: "2026-12-31")!, scope: PlanScope(),
        quotas: [.a: .count(2), .b: .ratio(0.5), .c: .count(3), .d: .count(10)])

    @Test func aDrawWithAFixedSeedGivesTheSameUnitsAndPairsEveryTimeAndNeverARecusedOfficer() async throws {
        var draws: [[(unit: Int64, inspectors: [Int64])]] = []
        for _ in 0..<2 {
            let (store, units, _) = try await Self.planStore()
            let plan = try await store.inspections.createPlan(site: "office", Self.plan, by: .cli)
            let report = try await store.inspections.drawPlan(plan.id, seed: "2026-12-03 公开摇号 0421", by: .cli)
            draws.append(report.visits.map { ($0.unitID, $0.inspectors.map(\.id)) })
            // Counts per level: 2 of A, ⌈50 % of 5⌉ = 3 of B, 3 of C, all 5 of D.
            let byRisk = Dictionary(grouping: report.visits, by: \.risk).mapValues(\.count)
            #expect(byRisk == [.a: 2, .b: 3, .c: 3, .d: 5])
            #expect(Set(report.visits.map(\.unitID)).count == 13, "no unit twice")
            // Two officers each, never one who declared a conflict with the unit.
            let recusals = try await store.inspections.recusals(site: "office")
            for visit in report.visits {
                #expect(visit.inspectors.count == 2 && Set(visit.inspectors.map(\.id)).count == 2)
                for officer in visit.inspectors {
                    #expect(
                        !recusals.contains { $0.unitID == visit.unitID && $0.staffID == officer.id }, "unit \(visit.unitID), officer \(officer.id)")
                }
            }
            #expect(try await store.inspections.replayDraw(plan.id), "replayed from what it recorded, the draw is the same")
            #expect(report.plan.draw?.seed == "2026-12-03 公开摇号 0421" && report.plan.draw?.candidates.count == 20)
            // Drawn once only.
            await #expect(throws: QuhaoError.self) { try await store.inspections.drawPlan(plan.id, seed: "another", by: .cli) }
            // Drawn on 25 November for December: nothing is queued before the period begins…
            #expect(report.visits.allSatisfy { $0.inspection == nil && $0.status.zh == "待排队（检查期限开始后）" })
            #expect(try await store.queues(site: "office").map(\.waiting).reduce(0, +) == 0)
            #expect(try await store.inspections.queueDrawnVisits() == 0)
            // A drawn officer declares a conflict before the period begins: relieved on the plan, replaced, and it is that team that is queued.
            let first = try #require(report.visits.first)
            let leaving = first.inspectors[0].id
            _ = try await store.inspections.declareRecusal(site: "office", staff: leaving, unit: first.unitID, reason: "亲属", by: .cli)
            let relieved = try #require(try await store.inspections.plan(plan.id).visits.first)
            #expect(relieved.replaced && relieved.team.count == 2 && !relieved.team.map(\.id).contains(leaving))
            #expect(relieved.inspectors.map(\.id) == first.inspectors.map(\.id), "the draw as drawn")
            // …then, on 1 December, each drawn visit waits in the teams' queue, bound to its drawn officers, once.
            let clock = try #require(store.clock as? ManualClock)
            clock.advance(by: 6 * 86_400)
            #expect(try await store.inspections.queueDrawnVisits() == 13)
            #expect(try await store.inspections.queueDrawnVisits() == 0)
            let queued = try await store.inspections.plan(plan.id)
            #expect(queued.visits.allSatisfy { $0.inspection?.status == .requested && $0.number != nil })
            #expect(Set(try #require(queued.visits.first).assigned.map(\.id)) == Set(relieved.team.map(\.id)), "queued with the team as it is now")
            #expect(try await store.queues(site: "office").map(\.waiting).reduce(0, +) == 13)
            _ = units
        }
        #expect(draws[0].map(\.unit) == draws[1].map(\.unit) && draws[0].map(\.inspectors) == draws[1].map(\.inspectors))
    }

    @Test func onlyTheDrawnOfficersAreHandedADrawnVisitAndARecusedOneIsRefusedOnSite() async throws {
        let (store, units, staff) = try await Self.planStore()
        let plan = try await store.inspections.createPlan(
            site: "office",
            PlanDraft(
                name: "单家", firstDay: BusinessDay(iso: "2026-11-25")!, lastDay: BusinessDay(iso: "2026-11-30")!,
                scope: PlanScope(risks: [.d], areas: ["白杨"]), quotas: [.d: .count(1)]), by: .cli)
        let report = try await store.inspections.drawPlan(plan.id, seed: "7", by: .cli)
        let visit = try #require(report.visits.first)
        #expect(report.visits.count == 1 && [4, 8, 12, 16, 20].map { units[$0 - 1].unit.id }.contains(visit.unitID), "a D unit in 白杨")
        let drawn = visit.inspectors.map(\.id)
        let recusals = try await store.inspections.recusals(site: "office")
        let other = try #require(staff.first { id in !drawn.contains(id) && !recusals.contains { $0.staffID == id && $0.unitID == visit.unitID } })
        let stranger = Inspector(initiator: .staff(String(other)), name: "执法员")
        await #expect(throws: QuhaoError(.inspectionQueueEmpty, ["team": "1"])) {
            try await store.inspections.callNext(site: "office", team: 1, by: stranger)
        }
        let unit = try #require(units.first { $0.unit.id == visit.unitID })
        let refusal = await #expect(throws: QuhaoError.self) {
            try await store.inspections.checkIn(posterToken: unit.posterToken, team: 1, by: stranger)
        }
        #expect(refusal?.code == .inspectionNotAssigned && refusal?.parameters["plan"] == "单家")
        let first = Inspector(initiator: .staff(String(drawn[0])), name: "执法员")
        let called = try await store.inspections.callNext(site: "office", team: 1, by: first)
        #expect(called.ticket.id == visit.inspection?.ticketID, "the drawn officer is handed it")

        // The second drawn officer declares a conflict after the draw: relieved, and a colleague free of
        // any conflict takes the place (drawn from the plan's seed), so the visit can still reach two.
        _ = try await store.inspections.declareRecusal(site: "office", staff: drawn[1], unit: visit.unitID, reason: "刚得知亲属入股", by: .cli)
        let relieved = try #require(try await store.inspections.plan(plan.id).visits.first)
        #expect(relieved.inspectors.map(\.id) == drawn, "the draw as it was drawn (it replays)")
        let team = relieved.assigned.map(\.id)
        #expect(team.count == 2 && team.contains(drawn[0]) && !team.contains(drawn[1]))
        let substitute = try #require(team.first { $0 != drawn[0] })
        let conflicted = try await store.inspections.recusals(site: "office").filter { $0.unitID == visit.unitID }.map(\.staffID)
        #expect(!conflicted.contains(substitute))
        #expect(try await store.audit(AuditQuery(unitID: visit.unitID, limit: 20)).contains { $0.action == "drawn_relieved" })
        _ = try await store.inspections.checkIn(posterToken: unit.posterToken, team: 1, by: first)
        _ = try await store.inspections.join(posterToken: unit.posterToken, by: Inspector(initiator: .staff(String(substitute)), name: "替补"))
        #expect(try await store.inspections.visitInspectors(try #require(visit.inspection?.id)).filter { $0.how != .called }.count == 2)

        // A declared conflict: refused at the door of an unplanned visit, and never handed the unit's request.
        let known = units[0]
        let recused = Inspector(initiator: .staff(String(staff[0])), name: "执法员1")
        let refused = await #expect(throws: QuhaoError.self) {
            try await store.inspections.checkIn(posterToken: known.posterToken, team: 2, by: recused)
        }
        #expect(refused?.code == .inspectionRecused)
        _ = try await store.inspections.request(.routine, unitToken: known.privateToken)
        await #expect(throws: QuhaoError(.inspectionQueueEmpty, ["team": "2"])) {
            try await store.inspections.callNext(site: "office", team: 2, by: recused)
        }
        #expect(try await store.inspections.callNext(site: "office", team: 2, by: stranger).alreadyHeld == false)
    }

    @Test func aPlanIsCheckedBeforeItIsKept() async throws {
        let (store, _, _) = try await Self.planStore()
        var draft = Self.plan
        draft.lastDay = BusinessDay(iso: "2026-11-01")!
        await #expect(throws: QuhaoError.self) { try await store.inspections.createPlan(site: "office", draft, by: .cli) }
        draft = Self.plan
        draft.quotas = [.a: .count(0)]
        await #expect(throws: QuhaoError.self) { try await store.inspections.createPlan(site: "office", draft, by: .cli) }
        // Nothing to draw in the scope (白杨 holds only B and D units): refused at creation, not at the draw.
        draft = Self.plan
        draft.scope = PlanScope(areas: ["白杨"])
        draft.quotas = [.a: .count(1)]
        await #expect(throws: QuhaoError(.planNothingToDraw)) { try await store.inspections.createPlan(site: "office", draft, by: .cli) }
        draft = Self.plan
        draft.scope = PlanScope(risks: [.c])
        draft.quotas = [.c: .count(1), .d: .count(2)]
        let outside = await #expect(throws: QuhaoError.self) { try await store.inspections.createPlan(site: "office", draft, by: .cli) }
        #expect(outside?.code == .planInvalid && outside?.parameters["reason"] == "风险等级 D 不在计划范围内，却设定了抽取数量")
        _ = try await store.inspections.createPlan(site: "office", Self.plan, by: .cli)
        await #expect(throws: QuhaoError(.planNameTaken, ["name": Self.plan.name])) {
            try await store.inspections.createPlan(site: "office", Self.plan, by: .cli)
        }
        // A team larger than the officers free of a conflict with a unit: nothing is drawn.
        draft = Self.plan
        draft.name = "三人组"
        draft.team = 4
        draft.scope = PlanScope(risks: [.c])
        draft.quotas = [.c: .ratio(1)]
        let big = try await store.inspections.createPlan(site: "office", draft, by: .cli)
        await #expect(throws: QuhaoError(.planNotDrawn, ["name": "三人组"])) { try await store.inspections.publishPlan(big.id, by: .cli) }
        let refusal = await #expect(throws: QuhaoError.self) { try await store.inspections.drawPlan(big.id, seed: "1", by: .cli) }
        #expect(refusal?.code == .planNotEnoughInspectors && refusal?.parameters["needed"] == "4" && refusal?.parameters["available"] == "2")
        let untouched = try await store.inspections.plan(big.id)
        #expect(untouched.visits.isEmpty && untouched.plan.draw == nil)
    }

    // MARK: - The grade at the door

    @Test func theGradeFollowsTheLatestResultAndItsChangesAreLogged() async throws {
        let (store, clock) = try await InspectionFixture.store()
        let unit = try await store.inspections.createUnit(site: "office", InspectionFixture.draft(1), by: .cli)
        #expect(unit.unit.grade == nil, "never inspected: no face")
        _ = try await Self.visit(store, unit, failing: ["2.2"])
        #expect(try await store.inspections.unit(unit.unit.id).unit.grade == .fair)
        clock.advance(by: 86_400)
        _ = try await Self.visit(store, unit, failing: ["1.1"])
        #expect(try await store.inspections.unit(unit.unit.id).unit.grade == .poor)
        clock.advance(by: 86_400)
        let last = try await Self.visit(store, unit)
        let graded = try await store.inspections.unit(unit.unit.id).unit
        #expect(graded.grade == .good && graded.gradeSetAt == last.recordedAt)
        // A self-inspection never moves it.
        _ = try await store.inspections.selfInspection(
            unitToken: unit.privateToken, items: InspectionLoopTests.sheet(["1.1": ItemEntry(.no)]), summary: nil)
        #expect(try await store.inspections.unit(unit.unit.id).unit.grade == .good)
        #expect(try await store.inspections.gradeChanges(unit: unit.unit.id).map(\.to) == [.good, .poor, .fair])
        #expect(try await store.inspections.gradeChanges(unit: unit.unit.id).map(\.from) == [.poor, .fair, nil])
        // The unit's trail, as the audit reads it: its own events and its findings', newest first, on either engine.
        let trail = try await store.audit(AuditQuery(unitID: unit.unit.id))
        #expect(trail.filter { $0.kind == .unit }.map(\.action) == ["grade", "grade", "grade", "create"])
        #expect(trail.filter { $0.kind == .finding }.map(\.action).sorted() == ["create", "create"])
        #expect(trail.allSatisfy { $0.unitID == unit.unit.id } && trail.first { $0.kind == .finding }?.subject?.hasPrefix("第1食堂 · ") == true)
        #expect(try await store.audit(AuditQuery(siteID: "hall", unitID: unit.unit.id)).isEmpty, "another site's filter finds none")
    }

    @Test func theWorstOfTheLastResultsUnderAStricterOffice() async throws {
        let strict = InspectionFixture.office { $0.grading = GradeRule(basis: .worst, ofLast: 2) }
        let (store, clock) = try await InspectionFixture.store(office: strict)
        let unit = try await store.inspections.createUnit(site: "office", InspectionFixture.draft(1), by: .cli)
        _ = try await Self.visit(store, unit, failing: ["1.1"])
        clock.advance(by: 86_400)
        _ = try await Self.visit(store, unit)
        #expect(try await store.inspections.unit(unit.unit.id).unit.grade == .poor, "the 不符合 before is still among the last two")
        clock.advance(by: 86_400)
        _ = try await Self.visit(store, unit)
        #expect(try await store.inspections.unit(unit.unit.id).unit.grade == .good)

        // The office makes its rule stricter (the worst of the last three): every unit is regraded
        // at the reload, not at its next visit, and the change is logged; a reload without a change moves nothing.
        clock.advance(by: 3600)
        let stricter = InspectionFixture.office { $0.grading = GradeRule(basis: .worst, ofLast: 3) }
        _ = try await store.sync(sites: [Fixture.site, stricter])
        #expect(try await store.inspections.unit(unit.unit.id).unit.grade == .poor, "the 不符合 three visits ago counts again")
        _ = try await store.sync(sites: [Fixture.site, stricter])
        let changes = try await store.inspections.gradeChanges(unit: unit.unit.id)
        #expect(changes.first?.from == .good && changes.first?.to == .poor && changes.first?.at == clock.now())
        #expect(changes.count == 3, "— to poor, poor to good, then good to poor at the reload (once): \(changes)")
    }

    // MARK: - Complaints

    @Test func aComplaintBecomesARequestOrIsClosedWithAReasonAndAPhoneFilesAFewADay() async throws {
        let (store, clock) = try await InspectionFixture.store()
        let unit = try await store.inspections.createUnit(site: "office", InspectionFixture.draft(1), by: .cli)
        let inspections = store.inspections
        await #expect(throws: QuhaoError(.complaintTextRequired, ["field": "text", "min": "5"])) {
            try await inspections.fileComplaint(
                posterToken: unit.posterToken, ComplaintDraft(text: "差"), photo: nil, device: "d1", address: "10.0.0.1")
        }
        await #expect(throws: QuhaoError(.unitTokenWrongKind)) {
            try await inspections.fileComplaint(
                posterToken: unit.privateToken, ComplaintDraft(text: "饭菜里有头发丝"), photo: nil, device: nil, address: nil)
        }
        let first = try await inspections.fileComplaint(
            posterToken: unit.posterToken, ComplaintDraft(text: "午餐的青菜里有头发", happened: "今天中午", phone: "138 1234 5678"), photo: nil,
            device: "d1", address: "10.0.0.1")
        #expect(first.state == .open && first.phone == "13812345678" && first.happened == "今天中午")
        let second = try await inspections.fileComplaint(
            posterToken: unit.posterToken, ComplaintDraft(text: "餐具没有消毒，有油污"), photo: nil, device: "d1", address: "10.0.0.1")
        #expect(second.phone == nil, "no phone unless the diner leaves one")
        _ = try await inspections.fileComplaint(
            posterToken: unit.posterToken, ComplaintDraft(text: "第三次反映问题"), photo: nil, device: "d1", address: nil)
        await #expect(throws: QuhaoError(.complaintLimitReached, ["limit": "3"])) {
            try await inspections.fileComplaint(
                posterToken: unit.posterToken, ComplaintDraft(text: "第四次反映问题"), photo: nil, device: "d1", address: nil)
        }
        // Another phone may; and the next day this one may again.
        _ = try await inspections.fileComplaint(posterToken: unit.posterToken, ComplaintDraft(text: "同桌也发现了"), photo: nil, device: "d2", address: nil)
        clock.advance(by: 86_400)
        _ = try await inspections.fileComplaint(
            posterToken: unit.posterToken, ComplaintDraft(text: "第二天又发现了"), photo: nil, device: "d1", address: nil)

        // The office: one becomes a special inspection request in the queue; another is closed with a reason.
        let office = Initiator.staff("1")
        let converted = try await inspections.convertComplaint(first.id, by: office)
        let request = try await inspections.inspection(try #require(converted.inspectionID))
        #expect(converted.state == .converted && request.kind == .special && request.status == .requested && request.unitID == unit.unit.id)
        #expect(try await store.queues(site: "office").map(\.waiting).reduce(0, +) == 1)
        await #expect(throws: QuhaoError.self) { try await inspections.convertComplaint(first.id, by: office) }
        // A second complaint about the same unit joins the request it already has.
        #expect(try await inspections.convertComplaint(second.id, by: office).inspectionID == request.id)
        let list = try await inspections.complaints(site: "office", state: .open)
        await #expect(throws: QuhaoError(.complaintReasonRequired)) { try await inspections.closeComplaint(list[0].id, reason: " ", by: office) }
        let closed = try await inspections.closeComplaint(list[0].id, reason: "经核实为重复投诉", by: office)
        #expect(closed.state == .closed && closed.reason == "经核实为重复投诉")
        #expect(try await inspections.complaints(site: "office").count == 5)
        #expect(try await inspections.complaints(site: "office", state: .open).count == 2)
    }

    // MARK: - On site: photos, due days, the signature

    @Test func photosOnItemsADueDayMovedWithAReasonAndTheUnitsSignature() async throws {
        let (store, clock) = try await InspectionFixture.store()
        let inspections = store.inspections
        let unit = try await inspections.createUnit(site: "office", InspectionFixture.draft(1), by: .cli)
        let visit = try await inspections.checkIn(posterToken: unit.posterToken, team: 1, by: Self.inspector)
        let photo = StoredPhoto(sha256: String(repeating: "ab", count: 32), contentType: "image/jpeg", size: 1000)
        let other = StoredPhoto(sha256: String(repeating: "cd", count: 32), contentType: "image/png", size: 2000)
        _ = try await inspections.attachPhotos(visit.id, item: "2.1", photos: [photo], by: Self.inspector)
        let photos = try await inspections.attachPhotos(visit.id, item: "2.1", photos: [photo, other], by: Self.inspector)
        #expect(photos.map(\.sha256) == [photo.sha256, other.sha256] && photos.allSatisfy { $0.itemCode == "2.1" }, "the same photo is kept once")
        await #expect(throws: QuhaoError.self) { try await inspections.attachPhotos(visit.id, item: "7.7", photos: [photo], by: Self.inspector) }
        _ = try await inspections.join(posterToken: unit.posterToken, by: Self.partner)
        _ = try await inspections.record(
            visit.id, items: InspectionLoopTests.sheet(["2.1": ItemEntry(.no, note: "健康证过期")]), summary: nil, by: Self.inspector)
        let finding = try #require(try await inspections.details(visit.id).findings.first)
        #expect(finding.due == BusinessDay(iso: "2026-11-28"), "a key finding: three days")

        await #expect(throws: QuhaoError(.findingReasonRequired)) {
            try await inspections.moveDue(finding: finding.id, to: BusinessDay(iso: "2026-12-10")!, reason: "", by: Self.inspector)
        }
        await #expect(throws: QuhaoError(.findingDueInvalid, ["due": "2026-11-25", "today": "2026-11-25"])) {
            try await inspections.moveDue(finding: finding.id, to: BusinessDay(iso: "2026-11-25")!, reason: "当天", by: Self.inspector)
        }
        let moved = try await inspections.moveDue(
            finding: finding.id, to: BusinessDay(iso: "2026-12-10")!, reason: "需更换冷藏设备，等待到货", by: Self.inspector)
        #expect(moved.due == BusinessDay(iso: "2026-12-10"))

        // The signature must be a PNG with a name beside it.
        await #expect(throws: QuhaoError(.signatureRequired)) {
            try await inspections.checkOut(visit.id, signature: Signature(image: other, name: " "), by: Self.inspector)
        }
        await #expect(throws: QuhaoError.self) {
            try await inspections.checkOut(visit.id, signature: Signature(image: photo, name: "王师傅"), by: Self.inspector)
        }
        clock.advance(by: 60)
        let done = try await inspections.checkOut(visit.id, signature: Signature(image: other, name: "王师傅"), by: Self.inspector)
        #expect(done.status == .closed && done.signedBy == "王师傅" && done.signature == other.sha256 && done.signedAt == clock.now())
    }

    // MARK: - Found by a walk as the office's users

    /// Only an inspector on the visit records it or checks it out, and only those on it count as the
    /// second officer; one who declared a conflict decides nothing about the unit's findings.
    @Test func onlyThoseOnTheVisitActAndARecusedOfficerDecidesNothing() async throws {
        let (store, clock) = try await InspectionFixture.store()
        let inspections = store.inspections
        var staff: [Int64] = []
        for n in 1...4 {
            staff.append(
                try await store.accounts.addStaff(
                    NewStaff(login: "officer\(n)", name: "执法员\(n)", role: .inspector, siteID: "office", password: "inspector-pass-\(n)"), cost: 4
                ).id)
        }
        func officer(_ n: Int) -> Inspector { Inspector(initiator: .staff(String(staff[n - 1])), name: "执法员\(n)") }
        let unit = try await inspections.createUnit(site: "office", InspectionFixture.draft(1), by: .cli)
        let visit = try await inspections.checkIn(posterToken: unit.posterToken, team: 1, by: officer(1))
        // Officer 3, elsewhere, can neither record nor make up the second officer, nor add photos.
        let sheet = InspectionLoopTests.sheet(["2.1": ItemEntry(.no)])
        await #expect(throws: QuhaoError(.inspectionNotOnVisit)) {
            try await inspections.record(visit.id, items: sheet, summary: nil, by: officer(3))
        }
        let photo = StoredPhoto(sha256: String(repeating: "ef", count: 32), contentType: "image/jpeg", size: 10)
        await #expect(throws: QuhaoError(.inspectionNotOnVisit)) {
            try await inspections.attachPhotos(visit.id, item: "2.1", photos: [photo], by: officer(3))
        }
        await #expect(throws: QuhaoError(.inspectionTooFewInspectors, ["minimum": "2", "count": "1", "names": "执法员1"])) {
            try await inspections.record(visit.id, items: sheet, summary: nil, by: officer(1))
        }
        _ = try await inspections.join(posterToken: unit.posterToken, by: officer(2))
        // A note or a summary past the form's limits is refused, not kept for a record that cannot be printed.
        await #expect(throws: QuhaoError(.inspectionNoteTooLong, ["item": "2.1", "count": "501", "max": "500"])) {
            try await inspections.record(
                visit.id, items: InspectionLoopTests.sheet(["2.1": ItemEntry(.no, note: String(repeating: "长", count: 501))]), summary: nil,
                by: officer(1))
        }
        await #expect(throws: QuhaoError(.unitFieldTooLong, ["max": "2000", "field": "summary"])) {
            try await inspections.record(visit.id, items: sheet, summary: String(repeating: "长", count: 2001), by: officer(1))
        }
        _ = try await inspections.record(visit.id, items: sheet, summary: nil, by: officer(1))
        await #expect(throws: QuhaoError(.inspectionNotOnVisit)) { try await inspections.checkOut(visit.id, by: officer(3)) }
        // A colleague elsewhere moves no due day of a visit under way…
        let recorded = try #require(try await inspections.details(visit.id).findings.first)
        await #expect(throws: QuhaoError(.inspectionNotOnVisit)) {
            try await inspections.moveDue(finding: recorded.id, to: BusinessDay(iso: "2026-12-21")!, reason: "不在现场", by: officer(3))
        }
        _ = try await inspections.checkOut(visit.id, unsignedReason: "负责人拒绝签字", by: officer(2))
        // …nor once it is closed (the visit's own officers may, and the office's admins).
        await #expect(throws: QuhaoError(.inspectionNotOnVisit)) {
            try await inspections.moveDue(finding: recorded.id, to: BusinessDay(iso: "2026-12-21")!, reason: "单位申请延期", by: officer(3))
        }
        #expect(
            try await inspections.moveDue(finding: recorded.id, to: BusinessDay(iso: "2026-12-21")!, reason: "单位申请延期", by: officer(2)).due
                == BusinessDay(iso: "2026-12-21")!)
        #expect(try await inspections.photoSites(photo.sha256).isEmpty, "a photo refused is nobody's")

        // Officer 4 declares a conflict: it moves no due day and decides no rectification of the unit.
        _ = try await inspections.declareRecusal(site: "office", staff: staff[3], unit: unit.unit.id, reason: "亲属经营", by: .cli)
        let finding = try #require(try await inspections.details(visit.id).findings.first)
        await #expect(throws: QuhaoError(.inspectionRecused, ["unit": "第1食堂"])) {
            try await inspections.moveDue(finding: finding.id, to: BusinessDay(iso: "2026-12-20")!, reason: "等待设备", by: officer(4))
        }
        await #expect(throws: QuhaoError.self) {
            try await inspections.moveDue(finding: finding.id, to: BusinessDay(iso: "2099-12-25")!, reason: "很久以后", by: officer(1))
        }
        _ = try await inspections.submitRectification(unitToken: unit.privateToken, finding: finding.id, text: "已补办健康证", photos: [])
        await #expect(throws: QuhaoError(.inspectionRecused, ["unit": "第1食堂"])) {
            try await inspections.verifyRectification(finding.id, by: officer(4))
        }
        await #expect(throws: QuhaoError(.inspectionRecused, ["unit": "第1食堂"])) {
            try await inspections.rejectRectification(finding.id, reason: "不行", by: officer(4))
        }
        #expect(try await inspections.verifyRectification(finding.id, by: officer(1)).state == .verified)
        clock.advance(by: 60)

        // Withdrawn once it is gone; a conflict never declared (or already withdrawn) is not "withdrawn" again.
        try await inspections.withdrawRecusal(site: "office", staff: staff[3], unit: unit.unit.id, by: .cli)
        await #expect(throws: QuhaoError(.recusalNotFound, ["name": "执法员4"])) {
            try await inspections.withdrawRecusal(site: "office", staff: staff[3], unit: unit.unit.id, by: .cli)
        }
        #expect(try await inspections.recusals(site: "office").contains { $0.unitID == unit.unit.id } == false)
    }

    /// Two plans over the same units: a unit drawn by the first and still waiting for its team is not
    /// drawn again; a plan whose period is over is refused.
    @Test func aUnitWaitingForOnePlansTeamIsNotDrawnByAnother() async throws {
        let (store, _, _) = try await Self.planStore()
        var first = Self.plan
        first.quotas = [.d: .ratio(1)]
        let one = try await store.inspections.drawPlan(
            try await store.inspections.createPlan(site: "office", first, by: .cli).id, seed: "1", by: .cli)
        #expect(one.visits.count == 5)
        var second = first
        second.name = "又一次"
        second.quotas = [.d: .ratio(1), .c: .count(1)]
        let two = try await store.inspections.drawPlan(
            try await store.inspections.createPlan(site: "office", second, by: .cli).id, seed: "2", by: .cli)
        #expect(two.visits.map(\.risk) == [.c], "the five D units wait for the first plan's teams")
        // Published (一公开) once drawn, for good; only the office's own, only once published.
        await #expect(throws: QuhaoError(.planNotFound)) { try await store.inspections.publishedPlan(site: "office", id: one.plan.id) }
        let published = try await store.inspections.publishPlan(one.plan.id, by: .cli)
        #expect(published.plan.publishedAt != nil && published.visits.count == 5)
        #expect(try await store.inspections.publishPlan(one.plan.id, by: .cli).plan.publishedAt == published.plan.publishedAt)
        #expect(try await store.inspections.publishedPlans(site: "office").map(\.plan.id) == [one.plan.id])
        await #expect(throws: QuhaoError(.planNotFound)) { try await store.inspections.publishedPlan(site: "hall", id: one.plan.id) }
        #expect(try await store.inspections.replayDraw(two.plan.id), "the draw recorded what it was drawn from")
        var past = Self.plan
        past.name = "去年"
        past.firstDay = BusinessDay(iso: "2025-01-01")!
        past.lastDay = BusinessDay(iso: "2025-12-31")!
        await #expect(throws: QuhaoError.self) { try await store.inspections.createPlan(site: "office", past, by: .cli) }
    }

    /// The address limit says so (it is not this phone's).
    @Test func tenTimesTheDeviceLimitFromOneAddress() async throws {
        let (store, _) = try await InspectionFixture.store()
        let unit = try await store.inspections.createUnit(site: "office", InspectionFixture.draft(1), by: .cli)
        for n in 0..<30 {
            _ = try await store.inspections.fileComplaint(
                posterToken: unit.posterToken, ComplaintDraft(text: "第\(n)位食客反映问题"), photo: nil, device: "phone-\(n)", address: "10.1.1.1")
        }
        await #expect(throws: QuhaoError(.complaintAddressLimitReached, ["limit": "30"])) {
            try await store.inspections.fileComplaint(
                posterToken: unit.posterToken, ComplaintDraft(text: "第31位食客反映问题"), photo: nil, device: "phone-new", address: "10.1.1.1")
        }
    }
}
