import Foundation

/// An iCalendar file (RFC 5545) with one event: a booking the visitor adds to their phone's calendar.
public struct CalendarFile: Sendable {
    public let uid: String
    public let start: Date
    public let end: Date
    public let stamp: Date
    public let summary: String
    public let location: String
    public let description: String
    public let url: String
    /// Minutes before the start the phone reminds (none for 0).
    public let reminderMinutes: Int

    public init(
        uid: String, start: Date, end: Date, stamp: Date, summary: String, location: String, description: String, url: String,
        reminderMinutes: Int = 30
    ) {
        self.uid = uid
        self.start = start
        self.end = end
        self.stamp = stamp
        self.summary = summary
        self.location = location
        self.description = description
        self.url = url
        self.reminderMinutes = reminderMinutes
    }

    /// The file's text: CRLF line ends, long lines folded at 75 octets (never inside a character).
    public var text: String {
        var lines = [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Quhao//Bookings//ZH", "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "BEGIN:VEVENT",
            "UID:\(Self.escape(uid))", "DTSTAMP:\(Self.utc(stamp))", "DTSTART:\(Self.utc(start))", "DTEND:\(Self.utc(end))",
            "SUMMARY:\(Self.escape(summary))", "LOCATION:\(Self.escape(location))", "DESCRIPTION:\(Self.escape(description))",
            "URL:\(url)",
        ]
        if reminderMinutes > 0 {
            lines += ["BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:\(Self.escape(summary))", "TRIGGER:-PT\(reminderMinutes)M", "END:VALARM"]
        }
        lines += ["END:VEVENT", "END:VCALENDAR"]
        return lines.map(Self.fold).joined(separator: "\r\n") + "\r\n"
    }

    /// `20261201T010000Z`.
    static func utc(_ date: Date) -> String {
        let parts = Calendar.gregorian(in: TimeZone(identifier: "UTC")!).dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d%02d%02dT%02d%02d%02dZ", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!)
    }

    /// TEXT values: backslash, semicolon, comma and line breaks escaped.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ";", with: "\\;").replacingOccurrences(of: ",", with: "\\,")
            .replacingOccurrences(of: "\r\n", with: "\\n").replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "")
    }

    /// Splits a line into pieces of at most 75 octets, each continuation starting with a space.
    static func fold(_ line: String) -> String {
        var pieces: [String] = []
        var current = ""
        var octets = 0
        for character in line {
            let size = String(character).utf8.count
            // The first line holds 75 octets; a continuation 74 after its leading space.
            if octets + size > (pieces.isEmpty ? 75 : 74) {
                pieces.append(current)
                current = ""
                octets = 0
            }
            current.append(character)
            octets += size
        }
        pieces.append(current)
        return pieces.joined(separator: "\r\n ")
    }
}
