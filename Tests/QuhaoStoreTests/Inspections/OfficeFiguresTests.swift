import Foundation
import QuhaoCore
import QuhaoFormats
import Testing

@testable import QuhaoStore

/// The office's figures over a week worked out by hand: overdue is open past its due day; a
/// rectification waiting for the office is awaiting verification (answered late when it came after
/// the due day), never overdue.
@Suite struct OfficeFiguresTests {
    static let inspector = Inspector(initiator: .staff("7"), name: "张检查员")

    /// An unannounced visit on site with the given items failing; returns its findings by item code.
    static func visit(_ store: TicketStore, _ unit: RegisteredUnit, failing: [String]) async throws -> [String: Finding] {
        let inspection = try await store.inspections.checkIn(posterToken: unit.posterToken, team: 1, by: inspector)
        _ = try await store.inspections.join(posterToken: unit.posterToken, by: InspectionLoopTests.partner)
        let items = InspectionLoopTests.sheet(Dictionary(uniqueKeysWithValues: failing.map { ($0, ItemEntry(.no)) }))
        _ = try await store.inspections.record(inspection.id, items: items, summary: nil, by: inspector)
        _ = try await store.inspections.checkOut(inspection.id, unsignedReason: "负责人不在场", by: inspector)
        return Dictionary(uniqueKeysWithValues: try await store.inspections.details(inspection.id).findings.map { ($0.itemCode, $0) })
    }

    @Test func overdueAwaitingAndAnsweredLateOverAWeek() async throws {
        // Wednesday 2026-11-25 10:00: three visits. Key items are due in 3 days (11-28), general ones in 15 (12-10).
        let (store, clock) = try await InspectionFixture.store()
        let inspections = store.inspections
        let u1 = try await inspections.createUnit(site: "office", InspectionFixture.draft(1), by: .cli)
        let u2 = try await inspections.createUnit(site: "office", InspectionFixture.draft(2), by: .cli)
        let u3 = try await inspections.createUnit(site: "office", InspectionFixture.draft(3), by: .cli)
        let f1 = try await Self.visit(store, u1, failing: ["2.1", "2.2", "3.1"])
        let f2 = try await Self.visit(store, u2, failing: ["1.1", "2.1"])
        let f3 = try await Self.visit(store, u3, failing: ["1.1"])
        #expect(f1["2.1"]?.due.iso == "2026-11-28" && f1["2.2"]?.due.iso == "2026-12-10")

        // Friday 11-27: u1 answers its key finding in time; u2 answers 2.1 in time (sent back on Sunday).
        clock.set(Fixture.date(27, 15))
        _ = try await inspections.submitRectification(unitToken: u1.privateToken, finding: f1["2.1"]!.id, text: "已补办健康证", photos: [])
        _ = try await inspections.submitRectification(unitToken: u2.privateToken, finding: f2["2.1"]!.id, text: "已整改", photos: [])
        // Saturday 11-28, the due day itself: nothing is overdue yet (open: u1 2.2, 3.1; u2 1.1; u3 1.1).
        clock.set(Fixture.date(28, 23, 59))
        var summary = try await inspections.summary(site: "office")
        #expect(summary.overdue == 0 && summary.open == 4 && summary.awaitingVerification == 2 && summary.answeredLate == 0)

        // Sunday 11-29: u2's 2.1 is sent back: open again, and past its day.
        clock.set(Fixture.date(29, 9))
        _ = try await inspections.rejectRectification(f2["2.1"]!.id, reason: "缺少整改记录", by: Self.inspector)
        // Monday 11-30: u3 answers late.
        clock.set(Fixture.date(30, 11))
        _ = try await inspections.submitRectification(unitToken: u3.privateToken, finding: f3["1.1"]!.id, text: "已续证", photos: [])

        // Tuesday 12-01 10:00, worked out by hand:
        //   u1 2.1 submitted 11-27 (in time)  → awaiting
        //   u1 2.2, 3.1 open, due 12-10       → open
        //   u2 1.1 open, due 11-28            → open, overdue
        //   u2 2.1 sent back, due 11-28       → open, overdue
        //   u3 1.1 submitted 11-30, due 11-28 → awaiting, answered late
        clock.set(Fixture.date(1, 10, month: 12))
        summary = try await inspections.summary(site: "office")
        #expect(summary.total.findings == 6 && summary.total.rectified == 0)
        #expect(summary.awaitingVerification == 2)
        #expect(summary.answeredLate == 1)
        #expect(summary.open == 4)
        #expect(summary.overdue == 2)
        // The old count (everything not verified past its day) would have said 4.
        #expect(summary.overdue <= summary.open)

        // The same figures in every form the office reads.
        let csvTotal = try #require(summary.csv.split(separator: "\r\n").dropFirst().first).split(separator: ",", omittingEmptySubsequences: false)
        let columns = InspectionSummary.csvColumns
        func cell(_ name: String) -> String { String(csvTotal[columns.firstIndex(of: name)!]) }
        #expect(cell("awaiting_verification") == "2" && cell("answered_late") == "1" && cell("open") == "4" && cell("overdue") == "2")
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(summary)) as! [String: Any]
        #expect(json["overdue"] as? Int == 2 && json["answered_late"] as? Int == 1 && json["awaiting_verification"] as? Int == 2)
        #expect(summary.table.contains("其中逾期 Overdue                2") && summary.table.contains("其中逾期提交 answered late      1"))

        // Each finding as the unit's page and the inspector's page read it.
        let u3Finding = try await inspections.findings(unit: u3.unit.id, openOnly: true).first!
        #expect(u3Finding.isAnsweredLate(in: Fixture.shanghai) && !u3Finding.isOverdue(today: summary.today))
        let u2Findings = try await inspections.findings(unit: u2.unit.id, openOnly: true)
        #expect(u2Findings.allSatisfy { $0.isOverdue(today: summary.today) } && u2Findings.count == 2)
    }
}
