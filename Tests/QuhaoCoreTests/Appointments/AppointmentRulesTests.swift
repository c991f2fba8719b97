import Foundation
import QuhaoCore
import Testing

@Suite struct AppointmentRulesTests {
    static let zone = TimeZone(identifier: "Asia/Shanghai")!

    static func at(_ day: Int, _ hour: Int, _ minute: Int = 0, _ second: Int = 0) -> Date {
        Calendar.gregorian(in: zone).date(from: DateComponents(year: 2026, month: 12, day: day, hour: hour, minute: minute, second: second))!
    }

    static let rules = AppointmentRules(
        slotMinutes: 30, capacity: 10, daysAhead: 7, cutoffMinutes: 60,
        hours: OpeningHours(
            days: [.mon, .tue, .wed, .thu, .fri],
            periods: [.init(start: TimeOfDay("09:00")!, end: TimeOfDay("12:00")!), .init(start: TimeOfDay("13:30")!, end: TimeOfDay("16:45")!)]),
        closedDates: [BusinessDay(iso: "2026-12-25")!])

    /// Tuesday 2026-12-01: six morning slots, six afternoon slots (16:30–16:45 is too short for one).
    @Test func aDayIsCutIntoWholeSlots() throws {
        let slots = Self.rules.slots(on: BusinessDay(iso: "2026-12-01")!, in: Self.zone)
        #expect(slots.count == 12)
        #expect(slots.first == (try AppointmentSlot(start: Self.at(1, 9), end: Self.at(1, 9, 30))))
        #expect(slots[5] == (try AppointmentSlot(start: Self.at(1, 11, 30), end: Self.at(1, 12))))
        #expect(slots[6].start == Self.at(1, 13, 30))
        #expect(slots.last == (try AppointmentSlot(start: Self.at(1, 16), end: Self.at(1, 16, 30))))
        // Saturday, and a closed Friday: nothing.
        #expect(Self.rules.slots(on: BusinessDay(iso: "2026-12-05")!, in: Self.zone).isEmpty)
        #expect(Self.rules.slots(on: BusinessDay(iso: "2026-12-25")!, in: Self.zone).isEmpty)
        #expect(Self.rules.slots(on: BusinessDay(iso: "2026-12-24")!, in: Self.zone).count == 12)
    }

    @Test func bookingClosesAtTheCutoffAndAWeekAhead() throws {
        let slot = try AppointmentSlot(start: Self.at(1, 10), end: Self.at(1, 10, 30))
        #expect(Self.rules.refusal(booking: slot, at: Self.at(1, 9), in: Self.zone) == nil, "exactly at the cut-off")
        #expect(Self.rules.refusal(booking: slot, at: Self.at(1, 9, 0, 1), in: Self.zone)?.code == .slotClosed)
        let far = try AppointmentSlot(start: Self.at(9, 10), end: Self.at(9, 10, 30))
        #expect(Self.rules.refusal(booking: far, at: Self.at(1, 9), in: Self.zone)?.code == .slotTooFarAhead, "8 days ahead")
        let edge = try AppointmentSlot(start: Self.at(8, 10), end: Self.at(8, 10, 30))
        #expect(Self.rules.refusal(booking: edge, at: Self.at(1, 9), in: Self.zone) == nil, "7 days ahead")
        let odd = try AppointmentSlot(start: Self.at(2, 10, 15), end: Self.at(2, 10, 45))
        #expect(Self.rules.refusal(booking: odd, at: Self.at(1, 9), in: Self.zone)?.code == .slotNotOffered)
    }

    /// The check-in window is `[start − 15 min, end]`, both ends included.
    @Test func theCheckInWindowEdges() throws {
        let rules = BookingRules(checkInEarlyMinutes: 15)
        let slot = try AppointmentSlot(start: Self.at(1, 10), end: Self.at(1, 10, 30))
        #expect(rules.arrival(for: slot, at: Self.at(1, 9, 44, 59)) == .early(opens: Self.at(1, 9, 45)), "15 min 1 s early")
        #expect(rules.arrival(for: slot, at: Self.at(1, 9, 45)) == .onTime, "15 min early")
        #expect(rules.arrival(for: slot, at: Self.at(1, 9, 45, 1)) == .onTime, "14 min 59 s early")
        #expect(rules.arrival(for: slot, at: Self.at(1, 10, 30)) == .onTime, "at the end")
        #expect(rules.arrival(for: slot, at: Self.at(1, 10, 30, 1)) == .late, "1 s late")
    }

    @Test func threeMissesInThirtyDaysBarForThirtyDaysFromTheLast() {
        let rules = BookingRules(noShowLimit: 3, noShowWindowDays: 30, barDays: 30)
        let now = Self.at(20, 12)
        let misses = [Self.at(1, 10), Self.at(10, 10), Self.at(19, 10)]
        #expect(rules.barredUntil(missedSlotEnds: misses, at: now) == Self.at(19, 10).addingTimeInterval(30 * 86_400))
        #expect(rules.barredUntil(missedSlotEnds: Array(misses.dropFirst()), at: now) == nil, "two misses")
        // The first miss more than 30 days back: only two count.
        #expect(rules.barredUntil(missedSlotEnds: misses, at: Self.at(1, 10).addingTimeInterval(30 * 86_400 + 1)) == nil)
        #expect(BookingRules(noShowLimit: 0).barredUntil(missedSlotEnds: misses, at: now) == nil, "0: never barred")
    }
}
