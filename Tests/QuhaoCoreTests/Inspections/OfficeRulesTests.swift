import Foundation
import QuhaoCore
import Testing

/// The office's rules as values: the year's stretches, the grade's cases, the draw's published procedure.
@Suite struct OfficeRulesTests {
    @Test func theYearIsSplitIntoEqualStretchesOfWholeMonths() {
        let schedule = VisitSchedule(visitsPerYear: [.a: 1, .b: 2, .c: 3, .d: 4])
        func by(_ k: Int, of n: Int) -> String { schedule.dueBy(visit: k, of: n, year: 2028).iso }
        #expect((1...4).map { by($0, of: 4) } == ["2028-03-31", "2028-06-30", "2028-09-30", "2028-12-31"])
        #expect((1...3).map { by($0, of: 3) } == ["2028-04-30", "2028-08-31", "2028-12-31"])
        #expect(by(1, of: 5) == "2028-03-31" && by(1, of: 12) == "2028-01-31" && by(2, of: 12) == "2028-02-29", "a leap year's February")
        let july = BusinessDay(iso: "2028-07-01")!
        #expect(schedule.status(.c, visits: 1, today: july).state == .due)
        #expect(schedule.status(.c, visits: 0, today: july).state == .behind)
        #expect(schedule.status(.c, visits: 3, today: july) == VisitStatus(required: 3, visits: 3, next: nil, state: .done))
        #expect(schedule.status(.a, visits: 0, today: BusinessDay(iso: "2028-12-31")!).state == .due, "due on its last day, behind only after")
        let none = VisitSchedule(visitsPerYear: [.a: 0])
        #expect(none.status(.a, visits: 0, today: july).state == .done, "a level asking no visits is never due")
    }

    @Test func eachGradeRuleCase() {
        let latest = GradeRule()
        #expect(latest.grade(newestFirst: []) == nil, "never inspected: none")
        #expect(latest.grade(newestFirst: [.compliant, .nonCompliant]) == .good)
        #expect(latest.grade(newestFirst: [.basicallyCompliant]) == .fair && latest.grade(newestFirst: [.nonCompliant]) == .poor)
        let worstOfTwo = GradeRule(basis: .worst, ofLast: 2)
        #expect(worstOfTwo.grade(newestFirst: [.compliant, .basicallyCompliant, .nonCompliant]) == .fair, "the third is not read")
        #expect(worstOfTwo.grade(newestFirst: [.compliant, .compliant, .nonCompliant]) == .good)
        #expect(worstOfTwo.grade(newestFirst: [.compliant]) == .good)
        let lenient = GradeRule(faces: [.compliant: .good, .basicallyCompliant: .good, .nonCompliant: .fair])
        #expect(lenient.grade(newestFirst: [.basicallyCompliant]) == .good && lenient.grade(newestFirst: [.nonCompliant]) == .fair)
        #expect(UnitGrade.good.label.zh == "良好" && UnitGrade.fair.label.zh == "一般" && UnitGrade.poor.label.zh == "较差")
    }

    /// The draw can be replayed anywhere: its two building blocks give their published values.
    @Test func theDrawsBuildingBlocksGiveTheirPublishedValues() {
        #expect(RandomDraw.fnv1a("") == 0xcbf2_9ce4_8422_2325 && RandomDraw.fnv1a("a") == 0xaf63_dc4c_8601_ec8c)
        var stream = SplitMix64(seed: 0)
        #expect([stream.next(), stream.next(), stream.next()] == [0xe220_a839_7b1d_cdaf, 0x6e78_9e6a_a1b9_65f4, 0x06c4_5d18_8009_454f])
        // A small draw worked through: seed "1", candidates 1–4 all at level A, two drawn, then a pair of three officers.
        let draw = try? RandomDraw(seed: "1").draw(
            candidates: (1...4).map { RandomDraw.Candidate(unit: $0, risk: .a) }, quotas: [.a: 2], inspectors: [10, 11, 12],
            recusals: [:], team: 2)
        var replay = SplitMix64(seed: RandomDraw.fnv1a("1"))
        var units: [Int64] = [1, 2, 3, 4]
        replay.shuffle(&units)
        var first: [Int64] = [10, 11, 12]
        replay.shuffle(&first)
        #expect(draw?.map(\.unit) == Array(units.prefix(2)) && draw?.first?.inspectors == Array(first.prefix(2)))
        // A recused officer is never drawn, and too few officers is said, not papered over.
        let recused = try? RandomDraw(seed: "x").draw(
            candidates: [RandomDraw.Candidate(unit: 7, risk: .b)], quotas: [.b: 1], inspectors: [1, 2, 3], recusals: [7: [2]], team: 2)
        #expect(recused?.first.map { Set($0.inspectors) } == [1, 3])
        #expect(throws: RandomDraw.Shortfall.inspectors(unit: 7, available: 1, needed: 2)) {
            try RandomDraw(seed: "x").draw(
                candidates: [RandomDraw.Candidate(unit: 7, risk: .b)], quotas: [.b: 1], inspectors: [1, 2], recusals: [7: [2]], team: 2)
        }
    }

    @Test func quotasReadAsCountsOrShares() throws {
        #expect(try PlanQuota(text: "5") == .count(5) && PlanQuota(text: "30%") == .ratio(0.3) && PlanQuota(text: "0.25") == .ratio(0.25))
        #expect(PlanQuota.ratio(0.3).count(of: 7) == 3 && PlanQuota.ratio(0.5).count(of: 5) == 3 && PlanQuota.ratio(0.2).count(of: 10) == 2)
        #expect(PlanQuota.count(10).count(of: 4) == 4 && PlanQuota.ratio(1).count(of: 4) == 4 && PlanQuota.ratio(0).count(of: 4) == 0)
        #expect(throws: QuhaoError(.planQuotaInvalid, ["value": "lots"])) { try PlanQuota(text: "lots") }
        #expect(throws: QuhaoError.self) { try PlanQuota(text: "120%") }
        #expect(PlanQuota.ratio(0.3).description == "30%" && PlanQuota.count(4).description == "4")
    }
}
