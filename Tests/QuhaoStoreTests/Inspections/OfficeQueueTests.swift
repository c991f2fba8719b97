import Foundation
import QuhaoCore
import Testing

@testable import QuhaoStore

/// An inspection office's queue takes units' requests only: no anonymous number can jam a team,
/// a team can hand a request back, and the office's rule (one open request per unit) replaces the
/// hall's (one number per identity per day).
@Suite struct OfficeQueueTests {
    static let inspector = Inspector(initiator: .staff("7"), name: "张检查员")

    static func anonymous(_ n: Int, channel: Channel = .phone) -> IssueRequest {
        IssueRequest(siteID: "office", service: "routine", identity: InspectionFixture.uscc(n), phone: "13812345678", channel: channel)
    }

    @Test func anAnonymousNumberAtAnOfficeIsRefusedWhateverTheChannel() async throws {
        let (store, _) = try await InspectionFixture.store()
        for channel in [Channel.phone, .kiosk, .staff, .cli] {
            await #expect(throws: QuhaoError(.inspectionUnitLinkRequired, ["site": "office"])) {
                try await store.issue(Self.anonymous(1, channel: channel))
            }
        }
        // Nothing was written: the office's queue is empty and a team has nothing to call.
        await #expect(throws: QuhaoError(.queueEmpty, ["counter": "1"])) { try await store.callNext(site: "office", counter: 1) }
        // The hall beside it still takes numbers.
        #expect(try await store.take("general").number.description == "A001")
    }

    @Test func twentyConcurrentAnonymousAttemptsLeaveBothTeamsCallingRealUnits() async throws {
        let (store, _) = try await InspectionFixture.store()
        let first = try await store.inspections.createUnit(site: "office", InspectionFixture.draft(1), by: .cli)
        let second = try await store.inspections.createUnit(site: "office", InspectionFixture.draft(2), by: .cli)
        let refusals = await withTaskGroup(of: QuhaoError.Code?.self) { group in
            for n in 1...20 {
                group.addTask {
                    do {
                        _ = try await store.issue(Self.anonymous(100 + n))
                        return nil
                    } catch let error as QuhaoError {
                        return error.code
                    } catch {
                        return nil
                    }
                }
            }
            return await group.reduce(into: [QuhaoError.Code?]()) { $0.append($1) }
        }
        #expect(refusals.count == 20 && refusals.allSatisfy { $0 == .inspectionUnitLinkRequired })
        let a = try await store.inspections.request(.routine, unitToken: first.privateToken)
        let b = try await store.inspections.request(.routine, unitToken: second.privateToken)
        let one = try await store.inspections.callNext(site: "office", team: 1, by: Self.inspector)
        let two = try await store.inspections.callNext(site: "office", team: 2, by: Self.inspector)
        #expect(Set([one.ticket.id, two.ticket.id]) == Set([a.ticketID, b.ticketID].compactMap { $0 }))
        #expect(try await store.inspections.held(site: "office", team: 1)?.inspection.id == a.id)
        #expect(try await store.inspections.held(site: "office", team: 2)?.inspection.id == b.id)
    }

    @Test func aNumberBoundToNoUnitIsPassedOverAndCancelledAtStart() async throws {
        let (store, _) = try await InspectionFixture.store()
        // A number taken before anonymous numbers were refused: bound to no inspection.
        let orphan = try await store.write(site: "office") { context in
            try store.issue(Self.anonymous(9), token: store.random.token(), by: .visitor, context, forUnit: true)
        }
        let unit = try await store.inspections.createUnit(site: "office", InspectionFixture.draft(1), by: .cli)
        let request = try await store.inspections.request(.routine, unitToken: unit.privateToken)
        // Ahead in the queue, yet never handed to a team, by call-next or by number.
        let called = try await store.callNext(site: "office", counter: 1)
        #expect(called.ticket.id == request.ticketID && called.ticket.id != orphan.id)
        await #expect(throws: QuhaoError(.inspectionUseDesk, ["site": "office"])) {
            try await store.callTicket(site: "office", counter: 2, number: orphan.number.description)
        }
        // At start the office's queue is cleared of it, in the ticket's log.
        #expect(try await store.inspections.cancelAnonymousNumbers(site: "office") == 1)
        #expect(try await store.inspections.cancelAnonymousNumbers(site: "office") == 0)
        let events = try await store.events(site: "office", ticket: orphan.id)
        #expect(events.last?.action == "cancel" && events.last?.detail == "no unit's request" && events.last?.initiator == "system")
    }

    @Test func anInspectorReleasesTheTeamsHeldRequestBackToTheQueue() async throws {
        let (store, clock) = try await InspectionFixture.store()
        let inspections = store.inspections
        await #expect(throws: QuhaoError(.inspectionNothingHeld, ["counter": "1"])) {
            try await inspections.release(site: "office", team: 1, by: Self.inspector)
        }
        let first = try await inspections.createUnit(site: "office", InspectionFixture.draft(1), by: .cli)
        let second = try await inspections.createUnit(site: "office", InspectionFixture.draft(2), by: .cli)
        let a = try await inspections.request(.routine, unitToken: first.privateToken)
        let b = try await inspections.request(.routine, unitToken: second.privateToken)
        _ = try await inspections.callNext(site: "office", team: 1, by: Self.inspector)
        #expect(try await inspections.inspection(a.id).status == .called)

        clock.advance(by: 60)
        let released = try #require(try await inspections.release(site: "office", team: 1, by: Self.inspector))
        #expect(released.id == a.id && released.status == .requested && released.counterID == nil && released.inspectors.isEmpty)
        #expect(try await inspections.held(site: "office", team: 1) == nil)
        // Audited: the ticket's log says who released it, from which team.
        let events = try await store.events(site: "office", ticket: try #require(a.ticketID))
        let release = try #require(events.last)
        #expect(release.action == "release" && release.initiator == "staff:7" && release.counterID == 1)
        #expect(release.fromState == .called && release.toState == .waiting && release.detail == "by 张检查员")
        // Back at its place: the next call (any team) gets it before the later request.
        let again = try await inspections.callNext(site: "office", team: 2, by: Self.inspector)
        #expect(again.ticket.id == a.ticketID)
        #expect(try await inspections.inspection(a.id).counterID == 2)
        _ = try await inspections.callNext(site: "office", team: 1, by: Self.inspector)
        #expect(try await inspections.inspection(b.id).status == .called)

        // Once checked in on site, the visit is under way: it is not released.
        _ = try await inspections.checkIn(posterToken: first.posterToken, team: 2, by: Self.inspector)
        await #expect(throws: QuhaoError.self) { try await inspections.release(site: "office", team: 2, by: Self.inspector) }
        #expect(try await inspections.inspection(a.id).status == .inProgress)
    }

    @Test func callNextRecordsWhoCalled() async throws {
        let (store, _) = try await InspectionFixture.store()
        let unit = try await store.inspections.createUnit(site: "office", InspectionFixture.draft(1), by: .cli)
        let request = try await store.inspections.request(.routine, unitToken: unit.privateToken)
        _ = try await store.inspections.callNext(site: "office", team: 1, by: Self.inspector)
        #expect(try await store.inspections.inspection(request.id).inspectors == ["张检查员"])
    }

    @Test func aUnitInspectedThisMorningMayAskAgainAndOnlyOneRequestIsOpen() async throws {
        let (store, clock) = try await InspectionFixture.store()
        let inspections = store.inspections
        let unit = try await inspections.createUnit(site: "office", InspectionFixture.draft(1), by: .cli)
        let morning = try await inspections.request(.routine, unitToken: unit.privateToken)
        // While it is open, the office's rule and the office's words.
        let refusal = await #expect(throws: QuhaoError.self) { try await inspections.request(.routine, unitToken: unit.privateToken) }
        #expect(refusal?.code == .inspectionAlreadyOpen && refusal?.parameters["number"] == "J001")
        #expect(Catalogue.chinese.message(for: refusal!).contains("检查申请") && !Catalogue.chinese.message(for: refusal!).contains("证件"))

        _ = try await inspections.callNext(site: "office", team: 1, by: Self.inspector)
        _ = try await inspections.checkIn(posterToken: unit.posterToken, team: 1, by: Self.inspector)
        _ = try await inspections.join(posterToken: unit.posterToken, by: InspectionLoopTests.partner)
        _ = try await inspections.record(morning.id, items: InspectionLoopTests.sheet(), summary: nil, by: Self.inspector)
        _ = try await inspections.checkOut(morning.id, unsignedReason: "负责人不在场", by: Self.inspector)
        clock.advance(by: 3600)
        // The same credit code, the same day: a new request (the hall's per-identity rule would say 该证件今天已取过).
        let afternoon = try await inspections.request(.routine, unitToken: unit.privateToken)
        #expect(afternoon.status == .requested)
        #expect(try await inspections.overview(unitToken: unit.privateToken).open?.ticket?.number.description == "J002")
        // A withdrawn request can be made again too.
        _ = try await inspections.withdrawRequest(unitToken: unit.privateToken)
        #expect(try await inspections.request(.routine, unitToken: unit.privateToken).status == .requested)
    }

    @Test func aTeamUnderWayAtOneUnitCannotStartAnother() async throws {
        let (store, _) = try await InspectionFixture.store()
        let inspections = store.inspections
        let first = try await inspections.createUnit(site: "office", InspectionFixture.draft(1), by: .cli)
        let second = try await inspections.createUnit(site: "office", InspectionFixture.draft(2), by: .cli)
        let visit = try await inspections.checkIn(posterToken: first.posterToken, team: 2, by: Self.inspector)
        // Team 2 is at the first unit (an unannounced visit, no number): the second's poster is refused for team 2.
        let refusal = await #expect(throws: QuhaoError.self) {
            try await inspections.checkIn(posterToken: second.posterToken, team: 2, by: Self.inspector)
        }
        #expect(refusal?.code == .inspectionTeamBusy && refusal?.parameters["unit"] == "第1食堂")
        #expect(Catalogue.chinese.message(for: refusal!).contains("签退") && !Catalogue.chinese.message(for: refusal!).contains("过号"))
        // A request waiting in the queue cannot be called to team 2 by a check-in either; team 1 can take it.
        _ = try await inspections.request(.routine, unitToken: second.privateToken)
        await #expect(throws: QuhaoError.self) { try await inspections.checkIn(posterToken: second.posterToken, team: 2, by: Self.inspector) }
        #expect(try await inspections.checkIn(posterToken: second.posterToken, team: 1, by: Self.inspector).status == .inProgress)
        #expect(try await inspections.inspection(visit.id).status == .inProgress, "the first visit is untouched")
    }
}
