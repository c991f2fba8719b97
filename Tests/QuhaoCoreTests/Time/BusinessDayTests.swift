import Foundation
import QuhaoCore
import Testing

@Suite struct BusinessDayTests {
    let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    @Test func dayChangesAtMidnightInShanghaiNotUTC() {
        // 2026-11-25 15:59:59 UTC is 23:59:59 in Shanghai; one second later it is the 26th there.
        let before = Date(timeIntervalSince1970: 1_795_622_399)
        #expect(BusinessDay(before, in: shanghai).iso == "2026-11-25")
        #expect(BusinessDay(before.addingTimeInterval(1), in: shanghai).iso == "2026-11-26")
        #expect(BusinessDay(before.addingTimeInterval(1), in: TimeZone(identifier: "UTC")!).iso == "2026-11-25")
    }

    @Test func parsesAndRejectsDays() {
        #expect(BusinessDay(iso: "2026-02-28")?.day == 28)
        #expect(BusinessDay(iso: "2026-02-29") == nil)
        #expect(BusinessDay(iso: "2026-2-1") == nil)
        #expect(BusinessDay(iso: "2026-02-28")! < BusinessDay(iso: "2026-03-01")!)
    }

    @Test func leapYearsAndMonthLengthsWithoutACalendar() {
        #expect(BusinessDay(iso: "2028-02-29")?.iso == "2028-02-29")
        #expect(BusinessDay(iso: "2000-02-29") != nil, "divisible by 400")
        #expect(BusinessDay(iso: "2100-02-29") == nil, "divisible by 100 only")
        #expect(BusinessDay(iso: "2026-04-31") == nil)
        #expect(BusinessDay(iso: "2026-12-31")?.iso == "2026-12-31")
        #expect(BusinessDay(iso: "2026-13-01") == nil)
        #expect(BusinessDay(iso: "2026-01-00") == nil)
        #expect(BusinessDay(year: 33, month: 1, day: 5)?.iso == "0033-01-05")
        // Every day of four years agrees with Foundation's calendar.
        let utc = TimeZone(identifier: "UTC")!
        var date = Calendar.gregorian(in: utc).date(from: DateComponents(year: 2027, month: 1, day: 1))!
        for _ in 0..<(4 * 366) {
            let day = BusinessDay(date, in: utc)
            #expect(BusinessDay(iso: day.iso) == day)
            date.addTimeInterval(86_400)
        }
    }

    @Test func fixedWidthDigitsAndHex() {
        #expect(7.zeroPadded(3) == "007")
        #expect(1234.zeroPadded(2) == "1234")
        #expect(UInt32(42).zeroPadded(6) == "000042")
        #expect([0x00, 0x0f, 0xa5, 0xff].hex == "000fa5ff")
    }

    @Test func openingHoursWithALunchBreak() {
        let hours = OpeningHours(
            days: [.mon, .tue, .wed, .thu, .fri],
            periods: [.init(start: TimeOfDay("13:30")!, end: TimeOfDay("17:00")!), .init(start: TimeOfDay("08:30")!, end: TimeOfDay("12:00")!)])
        // Wednesday 2026-11-25 in Shanghai.
        func at(_ hour: Int, _ minute: Int) -> Date {
            Calendar.gregorian(in: shanghai).date(from: DateComponents(year: 2026, month: 11, day: 25, hour: hour, minute: minute))!
        }
        #expect(!hours.isOpen(at: at(8, 29), in: shanghai))
        #expect(hours.isOpen(at: at(8, 30), in: shanghai))
        #expect(!hours.isOpen(at: at(12, 0), in: shanghai))
        #expect(!hours.isPastClosing(at: at(12, 30), in: shanghai), "lunch is not closing time")
        #expect(hours.isOpen(at: at(16, 59), in: shanghai))
        #expect(hours.isPastClosing(at: at(17, 0), in: shanghai))
        let saturday = at(10, 0).addingTimeInterval(3 * 86_400)
        #expect(!hours.isOpen(at: saturday, in: shanghai))
        #expect(hours.isPastClosing(at: saturday, in: shanghai))
    }

    @Test func timesOfDayParse() {
        #expect(TimeOfDay("24:00")?.minutes == 1440)
        #expect(TimeOfDay("24:01") == nil)
        #expect(TimeOfDay("8:30") == nil)
        #expect(TimeOfDay("08:60") == nil)
    }
}
