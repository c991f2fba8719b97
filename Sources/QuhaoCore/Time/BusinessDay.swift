import Foundation

/// A calendar day in a site's time zone: the unit that numbering restarts on.
public struct BusinessDay: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Creates a day from its parts; `nil` when they do not form a real date.
    public init?(year: Int, month: Int, day: Int) {
        // Plain arithmetic: this runs for every ticket row read, and a Calendar per call was 5 % of
        // the daemon's CPU while the board was rebuilt.
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1, day <= Self.days(inMonth: month, of: year) else {
            return nil
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The day an instant falls on in a time zone.
    /// - Parameters:
    ///   - date: The instant.
    ///   - timeZone: The site's time zone.
    public init(_ date: Date, in timeZone: TimeZone) {
        let parts = Calendar.gregorian(in: timeZone).dateComponents([.year, .month, .day], from: date)
        self.year = parts.year!
        self.month = parts.month!
        self.day = parts.day!
    }

    /// Parses `YYYY-MM-DD`.
    public init?(iso text: String) {
        let pieces = text.split(separator: "-")
        guard pieces.count == 3, pieces[0].count == 4, pieces[1].count == 2, pieces[2].count == 2,
            let y = Int(pieces[0]), let m = Int(pieces[1]), let d = Int(pieces[2])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// `YYYY-MM-DD`, the form stored in the database.
    public var iso: String {
        "\(year.zeroPadded(4))-\(month.zeroPadded(2))-\(day.zeroPadded(2))"
    }

    /// Days in a month of the Gregorian calendar.
    static func days(inMonth month: Int, of year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public var description: String { iso }

    /// As `YYYY-MM-DD`.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let day = BusinessDay(iso: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a YYYY-MM-DD day: \(text)"))
        }
        self = day
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso)
    }

    /// The instant this day begins in a time zone (its midnight; the first instant of the day
    /// where a zone skips midnight).
    public func start(in timeZone: TimeZone) -> Date {
        let calendar = Calendar.gregorian(in: timeZone)
        return calendar.date(from: DateComponents(year: year, month: month, day: day))
            ?? calendar.startOfDay(for: calendar.date(from: DateComponents(year: year, month: month, day: day, hour: 12))!)
    }

    /// The instant the next business day begins after `date`, in a time zone: when a hall's
    /// numbers restart and yesterday's tickets close.
    public static func nextStart(after date: Date, in timeZone: TimeZone) -> Date {
        let calendar = Calendar.gregorian(in: timeZone)
        let today = calendar.startOfDay(for: date)
        return calendar.date(byAdding: .day, value: 1, to: today).map { calendar.startOfDay(for: $0.addingTimeInterval(1)) }
            ?? today.addingTimeInterval(86_400)
    }

    /// The day `days` later (earlier when negative).
    public func adding(days: Int) -> BusinessDay {
        let utc = TimeZone(identifier: "UTC")!
        let date = Calendar.gregorian(in: utc).date(byAdding: .day, value: days, to: start(in: utc))!
        return BusinessDay(date, in: utc)
    }

    public static func < (lhs: BusinessDay, rhs: BusinessDay) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }
}

extension Calendar {
    /// A Gregorian calendar in a time zone.
    public static func gregorian(in timeZone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }
}
