import Foundation
import QuhaoCore
import Testing

@Suite struct LocalTimeTests {
    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    @Test(arguments: [(0, 30, "2026-12-02 00:30"), (12, 30, "2026-12-02 12:30"), (21, 5, "2026-12-02 21:05")])
    func aTimeReadsInTheSitesZoneIn24Hours(_ hour: Int, _ minute: Int, _ expected: String) {
        let date = Calendar.gregorian(in: Self.shanghai).date(from: DateComponents(year: 2026, month: 12, day: 2, hour: hour, minute: minute))!
        #expect(LocalTime.minute(date, in: Self.shanghai) == expected)
        // The same instant in UTC is another wall-clock time (and, at 00:30 in Shanghai, another day).
        #expect(LocalTime.minute(date, in: TimeZone(identifier: "UTC")!) != expected)
    }
}
