import Foundation
import QuhaoCore
import Testing

@testable import QuhaoStore

/// The whole loop in the store: a unit requests, a team calls, an inspector checks in on site,
/// records the checklist, findings go through rectification, rejection and verification.
@Suite struct InspectionLoopTests {
    static let inspector = Inspector(initiator: .staff("7"), name: "张检查员")
    /// The second officer on site (two are required on the premises by default).
    static let partner = Inspector(initiator: .staff("8"), name: "李检查员")

    /// Every item passes except those given.
    static func sheet(_ failing: [String: ItemEntry] = [:], _ outcome: ItemOutcome = .yes) -> [String: ItemEntry] {
        var items = Dictionary(uniqueKeysWithValues: InspectionFixture.checklist.map { ($0.code, ItemEntry(outcome)) })
        for (code, entry) in failing { items[code] = entry }
        return items
    }

    @Test func requestCallCheckInRecordRectifyRejectResubmitVerify() async throws {
        let (store, clock) = try await InspectionFixture.store()
        let unit = try await store.inspections.createUnit(site: "office", InspectionFixture.draft(1), by: .cli)
        let inspections = store.inspections

        // The unit requests: a number in the office's queue.
        let requested = try await inspections.request(.routine, unitToken: unit.privateToken)
        #expect(requested.status == .requested && requested.kind == .routine && requested.ticketID != nil)
        let overview = try await inspections.overview(unitToken: unit.privateToken)
        #expect(overview.open?.ticket?.number.description == "J001" && overview.open?.ticket?.state == .waiting)

        // Team 2 calls next, the same engine as a hall window: the inspection follows its ticket.
        let call = try await store.callNext(site: "office", counter: 2, by: Self.inspector.initiator)
        #expect(call.ticket.number.description == "J001")
        var inspection = try await inspections.inspection(requested.id)
        #expect(inspection.status == .called && inspection.counterID == 2)

        // Nothing can be recorded before a check-in.
        await #expect(throws: QuhaoError(.inspectionNotCheckedIn)) {
            try await inspections.record(requested.id, items: Self.sheet(), summary: nil, by: Self.inspector)
        }
        // A window's buttons do not run a visit: start, complete, recall, no-show and transfer from a console are
        // refused (they would put it "in progress" with no proof of presence, or finish it with no results).
        for action in ["start", "complete", "recall", "noShow", "transfer"] {
            await #expect(throws: QuhaoError(.inspectionUseDesk, ["site": "office"]), "\(action)") {
                switch action {
                case "start": _ = try await store.start(site: "office", counter: 2, by: Self.inspector.initiator)
                case "complete": _ = try await store.complete(site: "office", counter: 2, by: Self.inspector.initiator)
                case "recall": _ = try await store.recall(site: "office", counter: 2, by: Self.inspector.initiator)
                case "noShow": _ = try await store.markNoShow(site: "office", counter: 2, by: Self.inspector.initiator)
                default: _ = try await store.transfer(site: "office", counter: 2, to: "recheck", by: Self.inspector.initiator)
                }
            }
        }
        #expect(try await inspections.inspection(requested.id).status == .called)

        // On the premises: the poster's token is the proof. The private one is refused there.
        await #expect(throws: QuhaoError(.unitTokenWrongKind)) {
            try await inspections.checkIn(posterToken: unit.privateToken, team: 2, by: Self.inspector)
        }
        clock.advance(by: 600)
        inspection = try await inspections.checkIn(posterToken: unit.posterToken, team: 2, by: Self.inspector)
        #expect(inspection.mode == .onSite && inspection.checkInProof == .posterToken && inspection.checkedInAt == clock.now())
        #expect(inspection.inspectors == ["张检查员"])
        // One officer alone may not save the results of an on-site visit; the second joins by scanning the same code.
        await #expect(throws: QuhaoError(.inspectionTooFewInspectors, ["minimum": "2", "count": "1", "names": "张检查员"])) {
            try await inspections.record(requested.id, items: Self.sheet(), summary: nil, by: Self.inspector)
        }
        #expect(try await inspections.join(posterToken: unit.posterToken, by: Self.partner).inspectors == ["张检查员", "李检查员"])
        #expect(
            try await inspections.join(posterToken: unit.posterToken, by: Self.partner).inspectors == ["张检查员", "李检查员"],
            "scanning again changes nothing")

        // The checklist: one key item and one general item fail; the general one is corrected on site.
        await #expect(throws: QuhaoError(.checklistIncomplete, ["count": "5", "code": "1.1"])) {
            try await inspections.record(requested.id, items: [:], summary: nil, by: Self.inspector)
        }
        await #expect(throws: QuhaoError(.checklistItemUnknown, ["code": "7.7", "version": "1"])) {
            try await inspections.record(requested.id, items: Self.sheet(["7.7": ItemEntry(.no)]), summary: nil, by: Self.inspector)
        }
        inspection = try await inspections.record(
            requested.id,
            items: Self.sheet([
                "2.1": ItemEntry(.no, note: "两名员工健康证过期"), "3.1": ItemEntry(.no, note: "地面积水", correctedOnSite: true),
                "9.1": ItemEntry(.notObserved),
            ]), summary: "整体良好，健康证需补办", by: Self.inspector)
        #expect(inspection.status == .recorded && inspection.result == .nonCompliant && inspection.checklistVersion == 1)
        let details = try await inspections.details(requested.id)
        #expect(details.findings.count == 2)
        let key = try #require(details.findings.first { $0.itemCode == "2.1" })
        #expect(key.severity == .key && key.state == .open && key.description == "两名员工健康证过期" && key.due.iso == "2026-11-28")
        let corrected = try #require(details.findings.first { $0.itemCode == "3.1" })
        #expect(corrected.severity == .general && corrected.state == .verified && corrected.correctedOnSite && corrected.due.iso == "2026-12-10")
        #expect(details.items["9.1"]?.outcome == .notObserved)
        await #expect(throws: QuhaoError.self) { try await inspections.record(requested.id, items: Self.sheet(), summary: nil, by: Self.inspector) }

        // Check-out closes the visit and frees the team; on the premises the unit signs, or the record says why not.
        await #expect(throws: QuhaoError(.signatureRequired)) { try await inspections.checkOut(requested.id, by: Self.inspector) }
        await #expect(throws: QuhaoError(.signatureRequired)) {
            try await inspections.checkOut(requested.id, unsignedReason: "  ", by: Self.inspector)
        }
        inspection = try await inspections.checkOut(requested.id, unsignedReason: "负责人拒绝签字", by: Self.inspector)
        #expect(inspection.unsignedReason == "负责人拒绝签字" && inspection.signature == nil)
        #expect(inspection.status == .closed && inspection.checkedOutAt != nil)
        #expect(try await inspections.overview(unitToken: unit.privateToken).open == nil)
        #expect(try await inspections.overview(unitToken: unit.privateToken).latest?.result == .nonCompliant)

        // Rectification: the unit answers, the office rejects, the unit answers again, the office verifies.
        let other = try await inspections.createUnit(site: "office", InspectionFixture.draft(2), by: .cli)
        await #expect(throws: QuhaoError(.findingNotFound)) {
            try await inspections.submitRectification(unitToken: other.privateToken, finding: key.id, text: "不是我们的", photos: [])
        }
        await #expect(throws: QuhaoError(.unitTokenWrongKind)) {
            try await inspections.submitRectification(unitToken: unit.posterToken, finding: key.id, text: "用公示码", photos: [])
        }
        await #expect(throws: QuhaoError(.findingInvalidTransition, ["state": "待整改", "state@en": "Open", "action": "核实通过", "action@en": "verified"]))
        {
            try await inspections.verifyRectification(key.id, by: Self.inspector)
        }
        let photo = StoredPhoto(sha256: String(repeating: "ab", count: 32), contentType: "image/jpeg", size: 1234)
        var finding = try await inspections.submitRectification(unitToken: unit.privateToken, finding: key.id, text: "已补办一人", photos: [photo])
        #expect(finding.state == .submitted && finding.response == "已补办一人")
        #expect(try await inspections.awaitingVerification(site: "office").map(\.id) == [key.id])
        await #expect(throws: QuhaoError.self) {
            try await inspections.submitRectification(unitToken: unit.privateToken, finding: key.id, text: "再交一次", photos: [])
        }
        finding = try await inspections.rejectRectification(key.id, reason: "另一人的健康证仍未补办", by: Self.inspector)
        #expect(finding.state == .open && finding.rejectionReason == "另一人的健康证仍未补办")
        finding = try await inspections.submitRectification(unitToken: unit.privateToken, finding: key.id, text: "两人均已补办", photos: [])
        finding = try await inspections.verifyRectification(key.id, by: Self.inspector)
        #expect(finding.state == .verified && finding.verifiedBy == "张检查员")
        await #expect(
            throws: QuhaoError(
                .findingInvalidTransition, ["state": "已整改核实", "state@en": "Rectified and verified", "action": "核实通过", "action@en": "verified"])
        ) {
            try await inspections.verifyRectification(key.id, by: Self.inspector)
        }
        // Each answer keeps its own photos, and the reason it was sent back.
        let answers = try await inspections.answers(finding: key.id)
        #expect(answers.map(\.text) == ["已补办一人", "两人均已补办"])
        #expect(answers[0].photos == [photo] && answers[1].photos.isEmpty)
        #expect(answers[0].outcome == .sentBack(at: answers[0].submittedAt, reason: "另一人的健康证仍未补办"))
        if case .accepted = answers[1].outcome {} else { Issue.record("the second answer was verified: \(answers[1].outcome)") }
        #expect(try await inspections.photo(photo.sha256, belongsTo: unit.unit.id) == photo)
        #expect(try await inspections.photo(photo.sha256, belongsTo: other.unit.id) == nil, "another unit never sees it")
        #expect(try await inspections.findings(unit: unit.unit.id, openOnly: true).isEmpty)
    }

    @Test func aReinspectionClosesTheFindingsWhoseItemNowPasses() async throws {
        let (store, _) = try await InspectionFixture.store()
        let unit = try await store.inspections.createUnit(site: "office", InspectionFixture.draft(1), by: .cli)
        let inspections = store.inspections
        await #expect(throws: QuhaoError(.inspectionNoOpenFindings)) { try await inspections.request(.reinspection, unitToken: unit.privateToken) }
        // An unannounced visit finds two problems.
        let visit = try await inspections.checkIn(posterToken: unit.posterToken, team: 1, by: Self.inspector)
        #expect(visit.kind == .special && visit.ticketID == nil)
        _ = try await inspections.join(posterToken: unit.posterToken, by: Self.partner)
        _ = try await inspections.record(
            visit.id, items: Self.sheet(["2.2": ItemEntry(.no), "3.1": ItemEntry(.no)]), summary: nil, by: Self.inspector)
        #expect(try await inspections.inspection(visit.id).result == .basicallyCompliant)
        _ = try await inspections.checkOut(visit.id, unsignedReason: "负责人不在场", by: Self.inspector)

        // The unit asks for a re-inspection; it is called and done by remote video: 2.2 passes now, 3.1 still fails.
        let recheck = try await inspections.request(.reinspection, unitToken: unit.privateToken)
        await #expect(throws: QuhaoError(.inspectionAlreadyOpen, ["number": "K001"])) {
            try await inspections.request(.routine, unitToken: unit.privateToken)
        }
        #expect(try await store.callNext(site: "office", counter: 1).ticket.number.description == "K001")
        _ = try await inspections.markRemote(recheck.id, by: Self.inspector)
        _ = try await inspections.record(recheck.id, items: Self.sheet(["3.1": ItemEntry(.no)]), summary: nil, by: Self.inspector)
        let findings = try await inspections.findings(unit: unit.unit.id)
        let fixed = try #require(findings.first { $0.itemCode == "2.2" })
        #expect(fixed.state == .verified && fixed.closedByInspectionID == recheck.id)
        #expect(findings.filter { $0.itemCode == "3.1" }.map(\.state) == [.open, .open], "the old one stays open, and the new one is open")
    }

    @Test func aRequestWaitingIsCalledByTheCheckInAndAWithdrawnOneLeavesTheQueue() async throws {
        let (store, _) = try await InspectionFixture.store()
        let one = try await store.inspections.createUnit(site: "office", InspectionFixture.draft(1), by: .cli)
        let two = try await store.inspections.createUnit(site: "office", InspectionFixture.draft(2), by: .cli)
        let first = try await store.inspections.request(.routine, unitToken: one.privateToken)
        let second = try await store.inspections.request(.routine, unitToken: two.privateToken)
        // Inspectors arrive at unit two first: the check-in calls its request to their team.
        let visit = try await store.inspections.checkIn(posterToken: two.posterToken, team: 1, by: Self.inspector)
        #expect(visit.id == second.id && visit.status == .inProgress && visit.counterID == 1)
        // Unit one withdraws; nothing is left to call.
        #expect(try await store.inspections.withdrawRequest(unitToken: one.privateToken).status == .cancelled)
        await #expect(throws: QuhaoError.self) { try await store.callNext(site: "office", counter: 2) }
        #expect(try await store.inspections.inspection(first.id).status == .cancelled)
    }

    @Test func aDeactivatedUnitCannotActAndARemoteInspectionNeedsACamera() async throws {
        let (store, _) = try await InspectionFixture.store()
        var draft = InspectionFixture.draft(1)
        draft.cameraURL = ""
        let unit = try await store.inspections.createUnit(site: "office", draft, by: .cli)
        let request = try await store.inspections.request(.routine, unitToken: unit.privateToken)
        await #expect(throws: QuhaoError(.inspectionNoCamera)) { try await store.inspections.markRemote(request.id, team: 1, by: Self.inspector) }
        _ = try await store.inspections.setUnitActive(unit.unit.id, false, by: .cli)
        await #expect(throws: QuhaoError(.unitInactive)) { try await store.inspections.withdrawRequest(unitToken: unit.privateToken) }
        await #expect(throws: QuhaoError(.unitInactive)) {
            try await store.inspections.checkIn(posterToken: unit.posterToken, team: 1, by: Self.inspector)
        }
    }

    @Test func theCodeOnTheUnitsScreenIsStrongerProofAndGoesStaleInAMinuteOrTwo() async throws {
        let (store, clock) = try await InspectionFixture.store()
        let one = try await store.inspections.createUnit(site: "office", InspectionFixture.draft(1), by: .cli)
        let two = try await store.inspections.createUnit(site: "office", InspectionFixture.draft(2), by: .cli)
        let (code, refreshIn) = try await store.inspections.onSiteCode(unitToken: one.privateToken)
        #expect(code.count == 6 && code.allSatisfy(\.isNumber) && (1...61).contains(refreshIn))
        #expect(try await store.inspections.onSiteCode(unitToken: two.privateToken).code != code, "each unit its own")
        // Another unit's code, and a code two minutes old, are refused; nothing starts.
        let other = try await store.inspections.onSiteCode(unitToken: two.privateToken).code
        await #expect(throws: QuhaoError(.unitCodeInvalid)) {
            try await store.inspections.checkIn(posterToken: one.posterToken, code: other, team: 1, by: Self.inspector)
        }
        clock.advance(by: 121)
        await #expect(throws: QuhaoError(.unitCodeInvalid)) {
            try await store.inspections.checkIn(posterToken: one.posterToken, code: code, team: 1, by: Self.inspector)
        }
        #expect(try await store.inspections.history(unit: one.unit.id).isEmpty)
        // The code of this minute, scanned a minute later (the turn of the minute), is still good.
        let fresh = try await store.inspections.onSiteCode(unitToken: one.privateToken).code
        clock.advance(by: 60)
        let visit = try await store.inspections.checkIn(posterToken: one.posterToken, code: fresh, team: 1, by: Self.inspector)
        #expect(visit.checkInProof == .rotatingCode && visit.mode == .onSite)
    }

    @Test func aSelfInspectionIsRecordedAndClosedAtOnceWithoutFindings() async throws {
        let (store, _) = try await InspectionFixture.store()
        let unit = try await store.inspections.createUnit(site: "office", InspectionFixture.draft(1), by: .cli)
        let own = try await store.inspections.selfInspection(
            unitToken: unit.privateToken, items: Self.sheet(["2.2": ItemEntry(.no, note: "帽子不够")]), summary: "自查")
        #expect(own.kind == .selfInspection && own.mode == .selfCheck && own.status == .closed && own.result == .basicallyCompliant)
        #expect(try await store.inspections.findings(unit: unit.unit.id).isEmpty)
        let overview = try await store.inspections.overview(unitToken: unit.privateToken)
        #expect(overview.latestSelf?.id == own.id && overview.latest == nil)
    }
}

/// An office's queue spans days: a request not visited by the day's end keeps its place.
@Suite struct InspectionCarryOverTests {
    @Test func aRequestNotVisitedByMidnightIsInTheNextDaysQueueAheadOfNewOnes() async throws {
        let (store, clock) = try await InspectionFixture.store()
        let units = try await (1...3).asyncMap { try await store.inspections.createUnit(site: "office", InspectionFixture.draft($0), by: .cli) }
        let first = try await store.inspections.request(.routine, unitToken: units[0].privateToken)
        let second = try await store.inspections.request(.routine, unitToken: units[1].privateToken)
        // Unit one's inspectors were called but never arrived; unit two was never called.
        _ = try await store.callNext(site: "office", counter: 1)
        clock.set(Fixture.date(26, 0, 0, 1))
        _ = try await store.expireClosed()
        let third = try await store.inspections.request(.routine, unitToken: units[2].privateToken)
        for inspection in [first, second] {
            let now = try await store.inspections.details(inspection.id)
            #expect(now.inspection.status == .requested)
            #expect(now.ticket?.state == .waiting && now.ticket?.day.iso == "2026-11-26")
        }
        let order = try await [first, second, third].asyncMap { try await store.inspections.details($0.id).ticket?.number.description }
        #expect(order == ["J001", "J002", "J003"], "the carried requests keep their order, ahead of the new day's")
        #expect(try await store.callNext(site: "office", counter: 2).ticket.id == store.inspections.details(first.id).ticket?.id)
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
