import Foundation
import QuhaoCore
import Testing

/// When a visitor is told, and when a message is dropped rather than sent late.
@Suite struct NoticeRulesTests {
    let policy = NoticeRules(nearPlaces: 3, nearMinutes: 10, calledFreshSeconds: 180, nearFreshSeconds: 600, maxPerTicket: 3)
    let queued = Date(timeIntervalSince1970: 1_796_000_000)

    @Test func almostYourTurnAtNPlacesOrMMinutesWhicheverComesFirst() {
        #expect(policy.isNear(peopleAhead: 3, estimatedWait: nil))
        #expect(!policy.isNear(peopleAhead: 4, estimatedWait: nil))
        #expect(!policy.isNear(peopleAhead: 4, estimatedWait: 600), "exactly 10 minutes is not under 10")
        #expect(policy.isNear(peopleAhead: 12, estimatedWait: 599), "a fast queue: the wait comes first")
        #expect(policy.isNear(peopleAhead: 0, estimatedWait: 3600), "next in line, however slow")
    }

    @Test func aMessageWhoseMomentPassedIsDroppedNotSentLate() {
        let at = { (seconds: TimeInterval) in queued.addingTimeInterval(seconds) }
        #expect(policy.verdict(.called, state: .called, queuedAt: queued, now: at(180), sent: 1) == .send)
        #expect(
            policy.verdict(.called, state: .called, queuedAt: queued, now: at(181), sent: 1) == .drop(.stale),
            "30 minutes late after an outage: dropped")
        #expect(policy.verdict(.near, state: .called, queuedAt: queued, now: at(5), sent: 0) == .drop(.overtaken), "a near after the call")
        #expect(policy.verdict(.near, state: .waiting, queuedAt: queued, now: at(600), sent: 0) == .send)
        #expect(policy.verdict(.near, state: .remote, queuedAt: queued, now: at(601), sent: 0) == .drop(.stale))
        #expect(policy.verdict(.called, state: .serving, queuedAt: queued, now: at(5), sent: 1) == .drop(.overtaken))
        #expect(policy.verdict(.recalled, state: .called, queuedAt: queued, now: at(5), sent: 2) == .send)
        for ended in [TicketState.done, .cancelled, .noShow, .expired] {
            #expect(policy.verdict(.called, state: ended, queuedAt: queued, now: at(1), sent: 0) == .drop(.ended), "\(ended)")
        }
        #expect(policy.verdict(.recalled, state: .called, queuedAt: queued, now: at(1), sent: 3) == .drop(.capped))
    }
}
