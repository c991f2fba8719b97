import Foundation

/// Local times as a site reads them: in the site's zone, in the fixed zh-CN 24-hour form
/// (`2026-12-02 21:05`), whatever the process locale (no `DateFormatter` with a locale involved).
public enum LocalTime {
    /// `2026-12-02 21:05`.
    public static func minute(_ date: Date, in zone: TimeZone) -> String {
        "\(BusinessDay(date, in: zone).iso) \(clock(date, in: zone))"
    }

    /// `2026-12-02 21:05:09`, for histories where the order within a minute matters.
    public static func second(_ date: Date, in zone: TimeZone) -> String {
        let parts = Calendar.gregorian(in: zone).dateComponents([.second], from: date)
        return "\(minute(date, in: zone)):\(twoDigits(parts.second ?? 0))"
    }

    /// `21:05`.
    public static func clock(_ date: Date, in zone: TimeZone) -> String {
        let parts = Calendar.gregorian(in: zone).dateComponents([.hour, .minute], from: date)
        return "\(twoDigits(parts.hour ?? 0)):\(twoDigits(parts.minute ?? 0))"
    }

    private static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
}
