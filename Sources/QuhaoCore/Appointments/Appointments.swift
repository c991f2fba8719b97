import Foundation

/// How a business type takes bookings (预约): the slots it offers and when they can be booked.
public struct AppointmentRules: Hashable, Sendable, Codable {
    /// Minutes per slot.
    public let slotMinutes: Int
    /// Places per slot.
    public let capacity: Int
    /// How many days ahead a slot can be booked (0: only today).
    public let daysAhead: Int
    /// Booking and cancelling close this many minutes before a slot starts.
    public let cutoffMinutes: Int
    /// When slots are offered: weekdays and periods (a lunch break is the gap between periods).
    public let hours: OpeningHours
    /// Days with no slots at all (holidays), whatever the weekday.
    public let closedDates: Set<BusinessDay>

    public init(
        slotMinutes: Int = 30, capacity: Int = 10, daysAhead: Int = 7, cutoffMinutes: Int = 60,
        hours: OpeningHours = AppointmentRules.officeHours, closedDates: Set<BusinessDay> = []
    ) {
        self.slotMinutes = slotMinutes
        self.capacity = capacity
        self.daysAhead = daysAhead
        self.cutoffMinutes = cutoffMinutes
        self.hours = hours
        self.closedDates = closedDates
    }

    /// Weekdays 09:00–12:00 and 13:30–17:00: what a hall offers when nothing else is said.
    public static let officeHours = OpeningHours(
        days: [.mon, .tue, .wed, .thu, .fri],
        periods: [
            .init(start: TimeOfDay(minutes: 9 * 60), end: TimeOfDay(minutes: 12 * 60)),
            .init(start: TimeOfDay(minutes: 13 * 60 + 30), end: TimeOfDay(minutes: 17 * 60)),
        ])

    /// The slots of a day, in order: each period cut into whole slots (a remainder too short for
    /// a slot is not offered). None on a closed weekday or date.
    public func slots(on day: BusinessDay, in zone: TimeZone) -> [AppointmentSlot] {
        let midnight = day.start(in: zone)
        guard !closedDates.contains(day), hours.days.contains(Weekday(midnight.addingTimeInterval(43_200), in: zone)) else { return [] }
        let calendar = Calendar.gregorian(in: zone)
        func instant(_ minutes: Int) -> Date? {
            minutes == 1440
                ? day.adding(days: 1).start(in: zone)
                : calendar.date(bySettingHour: minutes / 60, minute: minutes % 60, second: 0, of: midnight)
        }
        var slots: [AppointmentSlot] = []
        for period in hours.periods {
            var start = period.start.minutes
            while start + slotMinutes <= period.end.minutes {
                if let from = instant(start), let to = instant(start + slotMinutes), let slot = try? AppointmentSlot(start: from, end: to) {
                    slots.append(slot)
                }
                start += slotMinutes
            }
        }
        return slots
    }

    /// The days that can be booked at an instant: today and the next ``daysAhead``.
    public func bookableDays(at now: Date, in zone: TimeZone) -> [BusinessDay] {
        let today = BusinessDay(now, in: zone)
        return (0...max(0, daysAhead)).map { today.adding(days: $0) }
    }

    /// The last instant a slot can be booked or cancelled.
    public func cutoff(of slot: AppointmentSlot) -> Date { slot.start.addingTimeInterval(-Double(cutoffMinutes) * 60) }

    /// Why a slot cannot be booked at `now`, or `nil` when it can (places aside).
    public func refusal(booking slot: AppointmentSlot, at now: Date, in zone: TimeZone) -> QuhaoError? {
        let day = BusinessDay(slot.start, in: zone)
        guard slots(on: day, in: zone).contains(slot) else {
            return QuhaoError(.slotNotOffered, ["time": Self.describe(slot, in: zone)])
        }
        guard let last = bookableDays(at: now, in: zone).last, day <= last else {
            return QuhaoError(.slotTooFarAhead, ["days": String(daysAhead)])
        }
        guard now <= cutoff(of: slot) else {
            return QuhaoError(.slotClosed, ["time": Self.describe(slot, in: zone), "minutes": String(cutoffMinutes)])
        }
        return nil
    }

    /// `2026-12-01 09:00–09:30` in the site's zone.
    public static func describe(_ slot: AppointmentSlot, in zone: TimeZone) -> String {
        "\(BusinessDay(slot.start, in: zone).iso) \(slot.times(in: zone))"
    }

    /// `09:00` in the zone.
    public static func clock(_ date: Date, in zone: TimeZone) -> String {
        let parts = Calendar.gregorian(in: zone).dateComponents([.hour, .minute], from: date)
        return TimeOfDay(minutes: parts.hour! * 60 + parts.minute!).description
    }
}

/// The site's rules for bookings that apply to every business type.
public struct BookingRules: Hashable, Sendable, Codable {
    /// Check-in opens this many minutes before the slot starts.
    public let checkInEarlyMinutes: Int
    /// Missed bookings (not checked in by the slot's end) that bar booking; 0: never barred.
    public let noShowLimit: Int
    /// Over how many days missed bookings are counted.
    public let noShowWindowDays: Int
    /// How long booking stays barred after the last missed booking, days.
    public let barDays: Int

    public init(checkInEarlyMinutes: Int = 15, noShowLimit: Int = 3, noShowWindowDays: Int = 30, barDays: Int = 30) {
        self.checkInEarlyMinutes = checkInEarlyMinutes
        self.noShowLimit = noShowLimit
        self.noShowWindowDays = noShowWindowDays
        self.barDays = barDays
    }

    /// When a visitor arrives for a booked slot.
    public enum Arrival: Hashable, Sendable {
        /// Before check-in opens (at `opens`).
        case early(opens: Date)
        /// Inside `[start − early, end]`: the ticket has the appointment's priority.
        case onTime
        /// After the slot: a normal ticket.
        case late
    }

    /// Where `now` falls against a slot's check-in window `[start − checkInEarlyMinutes, end]`.
    public func arrival(for slot: AppointmentSlot, at now: Date) -> Arrival {
        let opens = slot.start.addingTimeInterval(-Double(checkInEarlyMinutes) * 60)
        if now < opens { return .early(opens: opens) }
        return now <= slot.end ? .onTime : .late
    }

    /// Until when a person is barred from booking, given the ends of the slots they missed; `nil`
    /// when they are not. Barred when at least ``noShowLimit`` misses fall within the last
    /// ``noShowWindowDays``; the bar lasts ``barDays`` from the latest miss.
    public func barredUntil(missedSlotEnds: [Date], at now: Date) -> Date? {
        guard noShowLimit > 0 else { return nil }
        let since = now.addingTimeInterval(-Double(noShowWindowDays) * 86_400)
        let recent = missedSlotEnds.filter { $0 > since && $0 <= now }
        guard recent.count >= noShowLimit, let latest = recent.max() else { return nil }
        let until = latest.addingTimeInterval(Double(barDays) * 86_400)
        return until > now ? until : nil
    }
}

extension AppointmentSlot {
    /// `09:00–09:30` in a zone.
    public func times(in zone: TimeZone) -> String {
        "\(AppointmentRules.clock(start, in: zone))–\(AppointmentRules.clock(end, in: zone))"
    }
}

extension AppointmentSlot: Codable {
    enum CodingKeys: String, CodingKey { case start, end }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(start: try container.decode(Date.self, forKey: .start), end: try container.decode(Date.self, forKey: .end))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(start, forKey: .start)
        try container.encode(end, forKey: .end)
    }
}
