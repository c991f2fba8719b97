import Foundation

/// Local times as a site reads them: in the site's zone, in the fixed zh-CN 24-hour form
/// (`2026-12-02 21:05`), whatever the process locale (no `DateFormatter` with a locale involved).
public enum LocalTime {
    /// `2026-12-02 21:05`.
    public static func minute(_ date: Date, in zone: TimeZone) -> String {
        "\(BusinessDay(date, in: zone).iso) \(clock(date, in: zone))"
    }

    /// `21:05`.
    public static func clock(_ date: Date, in zone: TimeZone) -> String {
        let parts = Calendar.gregorian(in: zone).dateComponents([.hour, .minute], from: date)
        return String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
    }
}
