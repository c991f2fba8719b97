import CanteenDemo
import Foundation
import QuhaoConfig
import QuhaoCore
import QuhaoStore
import Testing

/// The source scenario, rebuilt through the store's commands, reads back as the article's figures.
@Suite struct CanteenDemoTests {
    @Test func theDemoOfficeReadsOneHundredTenInspectedThirtyThreeProblemsThirtyRectified() async throws {
        let end = Calendar.gregorian(in: TimeZone(identifier: "Asia/Shanghai")!).date(
            from: DateComponents(year: 2026, month: 11, day: 30, hour: 17))!
        let clock = ManualClock(end)
        let store = try TicketStore.inMemory(clock: clock, random: .seeded(2020))
        try await store.sync(sites: try ConfigLoader.parse(ConfigLoader.demoYAML, source: "demo").domainSites)
        let outcome = try await CanteenDemo.load(into: store, clock: clock, end: end)
        #expect(outcome == CanteenDemo.Outcome(units: 120, inspected: 110, findings: 33, rectified: 30))

        // The figures as the summary query computes them, against numbers written by hand.
        let summary = try await store.inspections.summary(site: "canteen")
        #expect(summary.total.unitsInspected == 110)
        #expect(summary.total.findings == 33)
        #expect(summary.total.rectified == 30)
        #expect(summary.rectificationRate == 90.9)
        #expect(summary.open == 2 && summary.awaitingVerification == 1 && summary.overdue == 1)
        // 110 first visits and 5 re-inspections: six findings closed by them, in five units (one had two).
        #expect(summary.total.inspections == 115)
        #expect(summary.onSite + summary.remoteVideo == 115 && summary.remoteVideo > 0)
        #expect(summary.selfInspections == 6)
        #expect(summary.byResult.values.map(\.inspections).reduce(0, +) == 115)
        #expect(summary.byType.values.map(\.findings).reduce(0, +) == 33)
        #expect(summary.byRisk.values.map(\.unitsInspected).reduce(0, +) == 110)
        // Ten units were never visited: they are due whatever their level.
        #expect(summary.due.map(\.activeUnits).reduce(0, +) == 120)
        #expect(summary.due.map(\.dueForVisit).reduce(0, +) >= 10)

        // The office's daily tools have something to show: areas, grades, two officers on site, a drawn plan, complaints.
        let units = try await store.inspections.units(site: "canteen")
        #expect(Set(units.map(\.unit.area)) == Set(CanteenDemo.places.map { "\($0)街道" }))
        let graded = units.filter { $0.unit.grade != nil }
        #expect(graded.count == 110, "every inspected unit has a face, the ten never visited none")
        #expect(Set(graded.compactMap(\.unit.grade)) == [.good, .fair, .poor])
        let visit = try #require(try await store.inspections.history(unit: units.first { $0.unit.name.contains("第30小学") }!.unit.id).first)
        #expect(visit.inspectors.count == 2)
        let plan = try #require(try await store.inspections.plans(site: "canteen").first)
        #expect(plan.plan.name == CanteenDemo.planName && plan.plan.draw?.seed == CanteenDemo.planSeed && plan.visits.count == 10)
        #expect(try await store.inspections.replayDraw(plan.plan.id))
        let recusals = try await store.inspections.recusals(site: "canteen")
        #expect(
            recusals.count == 1
                && !plan.visits.contains { visit in visit.unitID == recusals[0].unitID && visit.inspectors.contains { $0.id == recusals[0].staffID } }
        )
        #expect(try await store.inspections.complaints(site: "canteen").map(\.state).sorted { $0.rawValue < $1.rawValue } == [.closed, .open])
        // The figures above are unchanged by them.
        #expect(try await store.inspections.summary(site: "canteen").total.unitsInspected == 110)

        // Loading twice is refused: the demo goes into a fresh database.
        await #expect(throws: QuhaoError.self) { try await CanteenDemo.load(into: store, clock: clock, end: end) }
    }
}
