import Foundation
import QuhaoCore
import Testing

/// What an office counts against a finding's due day, over a day worked out by hand.
@Suite struct FindingDeadlineTests {
    static let due = BusinessDay(year: 2026, month: 11, day: 28)!
    static let dueDay = due
    static let dayAfter = due.adding(days: 1)
    static let dayBefore = due.adding(days: -1)

    @Test func overdueMeansOpenPastItsDueDay() {
        // Open: in time up to and on its due day, overdue from the next day.
        #expect(!FindingDeadline.isOverdue(state: .open, due: Self.due, today: Self.dayBefore))
        #expect(!FindingDeadline.isOverdue(state: .open, due: Self.due, today: Self.dueDay))
        #expect(FindingDeadline.isOverdue(state: .open, due: Self.due, today: Self.dayAfter))
        // Submitted and waiting for the office: never overdue, however late the office is.
        #expect(!FindingDeadline.isOverdue(state: .submitted, due: Self.due, today: Self.dayAfter.adding(days: 30)))
        // Verified: never overdue.
        #expect(!FindingDeadline.isOverdue(state: .verified, due: Self.due, today: Self.dayAfter))
    }

    @Test func answeredLateMeansWaitingAndSubmittedAfterTheDueDay() {
        #expect(!FindingDeadline.isAnsweredLate(state: .submitted, due: Self.due, answeredOn: Self.dayBefore))
        #expect(!FindingDeadline.isAnsweredLate(state: .submitted, due: Self.due, answeredOn: Self.dueDay))
        #expect(FindingDeadline.isAnsweredLate(state: .submitted, due: Self.due, answeredOn: Self.dayAfter))
        // Sent back (open again) or verified: no longer waiting, so not counted as answered late.
        #expect(!FindingDeadline.isAnsweredLate(state: .open, due: Self.due, answeredOn: Self.dayAfter))
        #expect(!FindingDeadline.isAnsweredLate(state: .verified, due: Self.due, answeredOn: Self.dayAfter))
        #expect(!FindingDeadline.isAnsweredLate(state: .submitted, due: Self.due, answeredOn: nil))
    }

    @Test func aFindingAnsweredJustBeforeShanghaiMidnightIsInTime() {
        let zone = TimeZone(identifier: "Asia/Shanghai")!
        // 23:59 on the due day in Shanghai is 15:59 UTC the same day; 00:01 the next day is 16:01 UTC on the due day.
        let calendar = Calendar.gregorian(in: zone)
        let late = calendar.date(from: DateComponents(year: 2026, month: 11, day: 29, hour: 0, minute: 1))!
        let inTime = calendar.date(from: DateComponents(year: 2026, month: 11, day: 28, hour: 23, minute: 59))!
        func finding(_ at: Date) -> Finding {
            Finding(
                id: 1, inspectionID: 1, unitID: 1, itemCode: "2.1", severity: .key, description: "", correctedOnSite: false, due: Self.due,
                state: .submitted, createdAt: at, response: "done", respondedAt: at, rejectionReason: nil, verifiedAt: nil, verifiedBy: nil,
                closedByInspectionID: nil)
        }
        #expect(!finding(inTime).isAnsweredLate(in: zone))
        #expect(finding(late).isAnsweredLate(in: zone))
        #expect(!finding(late).isOverdue(today: Self.dayAfter.adding(days: 5)))
    }
}
