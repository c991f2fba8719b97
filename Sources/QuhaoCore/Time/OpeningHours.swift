import Foundation

/// A time of day, minute precision (`08:30`). `24:00` is allowed as the end of a day.
public struct TimeOfDay: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Minutes since midnight, 0…1440.
    public let minutes: Int

    /// Parses `HH:MM`; `nil` when malformed or out of range.
    public init?(_ text: String) {
        let pieces = text.split(separator: ":", omittingEmptySubsequences: false)
        guard pieces.count == 2, pieces[0].count == 2, pieces[1].count == 2,
            let h = Int(pieces[0]), let m = Int(pieces[1]), (0...24).contains(h), (0...59).contains(m),
            h < 24 || m == 0
        else { return nil }
        minutes = h * 60 + m
    }

    /// A time from minutes since midnight.
    public init(minutes: Int) { self.minutes = minutes }

    public var description: String { "\((minutes / 60).zeroPadded(2)):\((minutes % 60).zeroPadded(2))" }

    public static func < (lhs: TimeOfDay, rhs: TimeOfDay) -> Bool { lhs.minutes < rhs.minutes }
}

/// Days of the week, ISO order.
public enum Weekday: String, CaseIterable, Sendable, Comparable {
    case mon, tue, wed, thu, fri, sat, sun

    /// The weekday of an instant in a time zone.
    public init(_ date: Date, in timeZone: TimeZone) {
        // Calendar weekday: 1 = Sunday … 7 = Saturday.
        let number = Calendar.gregorian(in: timeZone).component(.weekday, from: date)
        self = Weekday.allCases[(number + 5) % 7]
    }

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// When a business type takes numbers: some weekdays, one or more periods a day
/// (a lunch break is the gap between two periods).
public struct OpeningHours: Hashable, Sendable {
    /// A half-open period `[start, end)` within one day.
    public struct Period: Hashable, Sendable {
        public let start: TimeOfDay
        public let end: TimeOfDay

        public init(start: TimeOfDay, end: TimeOfDay) {
            self.start = start
            self.end = end
        }
    }

    public let days: Set<Weekday>
    public let periods: [Period]

    /// Every day, all day.
    public static let always = OpeningHours(
        days: Set(Weekday.allCases), periods: [Period(start: TimeOfDay(minutes: 0), end: TimeOfDay(minutes: 1440))])

    /// Creates opening hours. Periods are kept in order of start.
    public init(days: Set<Weekday>, periods: [Period]) {
        self.days = days
        self.periods = periods.sorted { $0.start < $1.start }
    }

    /// Whether numbers can be taken at an instant.
    public func isOpen(at date: Date, in timeZone: TimeZone) -> Bool {
        guard days.contains(Weekday(date, in: timeZone)) else { return false }
        let now = Self.minuteOfDay(date, in: timeZone)
        return periods.contains { $0.start.minutes <= now && now < $0.end.minutes }
    }

    /// Whether the day's last period is over (or the day is not an opening day): tickets still
    /// waiting then will not be served today. A lunch break is not "past closing".
    public func isPastClosing(at date: Date, in timeZone: TimeZone) -> Bool {
        guard days.contains(Weekday(date, in: timeZone)), let last = periods.last else { return true }
        return Self.minuteOfDay(date, in: timeZone) >= last.end.minutes
    }

    static func minuteOfDay(_ date: Date, in timeZone: TimeZone) -> Int {
        let parts = Calendar.gregorian(in: timeZone).dateComponents([.hour, .minute], from: date)
        return parts.hour! * 60 + parts.minute!
    }
}

// MARK: - Codable (the form stored with a site's definition)

extension TimeOfDay: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = TimeOfDay(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a time HH:MM: \(text)"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Weekday: Codable {}
extension OpeningHours.Period: Codable {}

extension OpeningHours: Codable {
    enum CodingKeys: String, CodingKey { case days, periods }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            days: Set(try container.decode([Weekday].self, forKey: .days)),
            periods: try container.decode([Period].self, forKey: .periods))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(days.sorted(), forKey: .days)
        try container.encode(periods, forKey: .periods)
    }
}
