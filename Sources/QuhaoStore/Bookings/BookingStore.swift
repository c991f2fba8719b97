import Foundation
import QuhaoCore

/// What a visitor asks for when booking a slot.
public struct BookingRequest: Sendable, Hashable {
    public var siteID: String
    /// Service id or prefix letter.
    public var service: String
    /// The start of the chosen slot.
    public var slotStart: Date
    /// USCC or resident ID as typed, when the business type asks for one.
    public var identity: String?
    /// Mobile number as typed: every booking needs one (the hall can reach the visitor, and
    /// it identifies a person when the business type asks for no identity).
    public var phone: String?
    /// The phone's device cookie: the take page offers its check-in. Stored hashed.
    public var device: String?
    /// Text messages chosen by the visitor: a confirmation and a reminder before the slot.
    public var notify: Set<NoticeChannel>
    public var language: Language

    public init(
        siteID: String, service: String, slotStart: Date, identity: String? = nil, phone: String? = nil, device: String? = nil,
        notify: Set<NoticeChannel> = [], language: Language = .zhCN
    ) {
        self.notify = notify
        self.language = language
        self.siteID = siteID
        self.service = service
        self.slotStart = slotStart
        self.identity = identity
        self.phone = phone
        self.device = device
    }
}

/// What a booking's check-in gave.
public struct BookingCheckIn: Sendable {
    public let booking: Booking
    public let ticket: Ticket
    /// `true`: after the slot, so the ticket is a normal one.
    public let late: Bool
}

/// A row of `bookings`.
struct BookingRecord: SQLRecord, Sendable {
    static let table = "bookings"
    static let columns = [
        "token", "site_id", "service_id", "day", "slot_start", "slot_end", "state", "person_hash", "identity_kind", "identity_hash",
        "identity_masked", "phone_masked", "device_hash", "created_at", "cancelled_at", "checked_in_at", "ticket_id",
    ]

    var id: Int64?
    var token: String
    var siteID: String
    var serviceID: String
    var day: String
    var slotStart: Date
    var slotEnd: Date
    var state: BookingState
    var personHash: String?
    var identityKind: IdentityKind?
    var identityHash: String?
    var identityMasked: String?
    var phoneMasked: String?
    var deviceHash: String?
    var createdAt: Date
    var cancelledAt: Date?
    var checkedInAt: Date?
    var ticketID: Int64?

    var values: [(any SQLConvertible)?] {
        [
            token, siteID, serviceID, day, slotStart, slotEnd, state, personHash, identityKind, identityHash, identityMasked, phoneMasked,
            deviceHash, createdAt, cancelledAt, checkedInAt, ticketID,
        ]
    }

    func booking(ticket: (token: String, number: String)?) throws -> Booking {
        Booking(
            id: id ?? 0, token: token, siteID: siteID, serviceID: serviceID, slot: try AppointmentSlot(start: slotStart, end: slotEnd),
            state: state, identityMasked: identityMasked, phoneMasked: phoneMasked, createdAt: createdAt, cancelledAt: cancelledAt,
            checkedInAt: checkedInAt, ticketToken: ticket?.token, ticketNumber: ticket?.number)
    }
}

/// The booking queries (plans pinned in `QueryPlanTests`).
enum BookingSQL {
    /// Places taken in one slot of one business type.
    static let taken = """
        SELECT COUNT(*) FROM bookings WHERE site_id = ? AND service_id = ? AND slot_start = ? AND state IN ('booked', 'checked_in')
        """
    /// Places taken and checked in per slot of a day.
    static let daySlots = """
        SELECT slot_start, COUNT(CASE WHEN state IN ('booked', 'checked_in') THEN 1 END) AS taken,
            COUNT(CASE WHEN state = 'checked_in' THEN 1 END) AS arrived
        FROM bookings WHERE site_id = ? AND service_id = ? AND slot_start >= ? AND slot_start < ? GROUP BY slot_start
        """
    /// The ends of a person's missed slots in a period.
    static let missed = """
        SELECT slot_end FROM bookings WHERE person_hash = ? AND slot_end > ? AND slot_end <= ? AND state = 'booked'
        """
    /// A person's live booking of a business type on a day.
    static let sameDay = """
        SELECT * FROM bookings WHERE person_hash = ? AND slot_end >= ? AND slot_end <= ?
        AND site_id = ? AND service_id = ? AND day = ? AND state IN ('booked', 'checked_in') LIMIT 1
        """
    /// A site's bookings of a day, with the tickets of those checked in.
    static let ofDay = """
        SELECT bookings.*, tickets.token AS ticket_token, tickets.number AS ticket_number
        FROM bookings LEFT JOIN tickets ON tickets.id = bookings.ticket_id
        WHERE bookings.site_id = ? AND bookings.day = ? ORDER BY bookings.slot_start, bookings.id
        """
    /// A phone's bookings of a day.
    static let ofDevice = """
        SELECT * FROM bookings WHERE device_hash = ? AND day = ? AND site_id = ? AND state = 'booked' ORDER BY slot_start LIMIT 1
        """
}

extension BookingStore {
    // MARK: - Bookings: reads

    /// A day's slots of a business type with their places, as a visitor would see them now.
    /// - Throws: `service.not_found`, `booking.not_offered`.
    public func slots(site siteID: String, service key: String, day: BusinessDay) async throws -> [SlotAvailability] {
        let now = clock.now()
        return try await read { db in
            let site = try sites.load(db, siteID)
            let (service, rules) = try Self.bookable(site, key)
            let slots = rules.slots(on: day, in: site.zone)
            guard let first = slots.first, let last = slots.last else { return [] }
            var counts: [Date: (taken: Int, arrived: Int)] = [:]
            for row in try db.rows(BookingSQL.daySlots, [siteID, service.id, first.start, last.end]) {
                counts[try row["slot_start"]] = (try row["taken"], try row["arrived"])
            }
            return slots.map { slot in
                let count = counts[slot.start] ?? (0, 0)
                return SlotAvailability(
                    slot: slot, capacity: rules.capacity, booked: count.taken, checkedIn: count.arrived,
                    refusal: rules.refusal(booking: slot, at: now, in: site.zone))
            }
        }
    }

    /// A booking by the token in its link.
    /// - Throws: `booking.not_found`.
    public func booking(token: String) async throws -> Booking {
        try await read { db in try Self.loadBooking(db, token: token) }
    }

    /// A site's bookings of a day, in slot order (the console's list).
    public func all(site siteID: String, day: BusinessDay) async throws -> [Booking] {
        try await read { db in
            try db.rows(BookingSQL.ofDay, [siteID, day.iso]).map(Self.booking)
        }
    }

    /// The booking this phone holds for today at a site and has not checked in, if any (the take
    /// page offers its check-in).
    public func pending(site siteID: String, device: String) async throws -> Booking? {
        let hash = tickets.keyedHash("device:\(device)")
        let now = clock.now()
        return try await read { db in
            let site = try sites.load(db, siteID)
            return try BookingRecord.fetchOne(db, BookingSQL.ofDevice, [hash, site.businessDay(at: now).iso, siteID])?
                .booking(ticket: nil)
        }
    }

    // MARK: - Bookings: writes

    /// Books a slot.
    ///
    /// Checks, in the booking's write transaction: the business type takes bookings, the slot is
    /// one it offers, not too far ahead and not past its cut-off, the identity and phone, the
    /// person is not barred for missed bookings and holds no other booking of the type that day,
    /// and a place is left (so a slot is never overbooked, however many book at once).
    /// - Throws: `service.*`, `booking.*`, `slot.*`, `identity.*`, `phone.*`.
    public func book(_ request: BookingRequest) async throws -> Booking {
        let token = random.token()
        return try await tickets.write(site: request.siteID) { context in
            let site = context.site
            let (service, rules) = try Self.bookable(site, request.service)
            let named = service.messageParameters
            let day = BusinessDay(request.slotStart, in: site.zone)
            guard let slot = rules.slots(on: day, in: site.zone).first(where: { $0.start == request.slotStart }) else {
                throw QuhaoError(.slotNotOffered, ["time": "\(day.iso) \(AppointmentRules.clock(request.slotStart, in: site.zone))"])
            }
            if let refusal = rules.refusal(booking: slot, at: context.now, in: site.zone) { throw refusal }
            let identity = try IdentityCheck.validate(request.identity, for: service.identity, service: named, today: context.day)
            guard let phone = try IdentityCheck.validatePhone(request.phone, for: .required, service: named) else {
                throw QuhaoError(.phoneRequired, named)
            }
            let person = identity.map(tickets.identityHash) ?? tickets.keyedHash("phone:\(phone)")
            let db = context.db
            let policy = site.booking
            let missed = try db.values(
                Date.self, BookingSQL.missed, [person, context.now.addingTimeInterval(-Double(policy.noShowWindowDays) * 86_400), context.now])
            if let until = policy.barredUntil(missedSlotEnds: missed, at: context.now) {
                throw QuhaoError(
                    .bookingBarred,
                    ["count": String(missed.count), "days": String(policy.noShowWindowDays), "until": site.businessDay(at: until).iso])
            }
            let dayStart = day.start(in: site.zone)
            if let held = try BookingRecord.fetchOne(
                db, BookingSQL.sameDay, [person, dayStart, day.adding(days: 1).start(in: site.zone), site.id, service.id, day.iso])
            {
                let heldSlot = try AppointmentSlot(start: held.slotStart, end: held.slotEnd)
                throw QuhaoError(
                    .bookingDuplicate, named.merging(["day": day.iso, "time": AppointmentRules.describe(heldSlot, in: site.zone)]) { $1 })
            }
            let taken = try db.value(Int.self, BookingSQL.taken, [site.id, service.id, slot.start]) ?? 0
            guard taken < rules.capacity else {
                throw QuhaoError(.slotFull, ["time": AppointmentRules.describe(slot, in: site.zone)])
            }
            var record = BookingRecord(
                id: nil, token: token, siteID: site.id, serviceID: service.id, day: day.iso, slotStart: slot.start, slotEnd: slot.end,
                state: .booked, personHash: person, identityKind: identity?.kind, identityHash: identity.map(tickets.identityHash),
                identityMasked: identity?.masked, phoneMasked: Masking.phone(phone),
                deviceHash: request.device.map { tickets.keyedHash("device:\($0)") }, createdAt: context.now, cancelledAt: nil, checkedInAt: nil,
                ticketID: nil)
            try record.insert(db)
            if request.notify.contains(.sms) {
                guard let rules = site.notices, rules.channels.contains(.sms),
                    rules.sends(.booked, service: service.id) || rules.sends(.bookingReminder, service: service.id)
                else {
                    throw QuhaoError(.noticeUnavailable, ["site": site.name.zh, "site@en": site.name.en ?? site.name.zh])
                }
                // The phone rides on the messages' own rows until they are sent or the booking ends;
                // their language in `detail`.
                let language = request.language == .en ? "en" : "zh"
                if rules.sends(.booked, service: service.id) {
                    try TicketStore.insertNotice(.booked, channel: .sms, about: .booking(record.id ?? 0), address: phone, detail: language, context)
                }
                let remind = slot.start.addingTimeInterval(-Double(rules.bookingReminderMinutes) * 60)
                if rules.sends(.bookingReminder, service: service.id), remind > context.now {
                    try TicketStore.insertNotice(
                        .bookingReminder, channel: .sms, about: .booking(record.id ?? 0), address: phone, detail: language, due: remind, context)
                }
            }
            return try record.booking(ticket: nil)
        }
    }

    /// Gives a booking up, up to the cut-off before its slot; the place is free again.
    /// - Throws: `booking.not_found`, `booking.invalid_state`, `booking.cancel_too_late`.
    public func cancel(token: String) async throws -> Booking {
        let siteID = try await booking(token: token).siteID
        return try await tickets.write(site: siteID) { context in
            var record = try Self.loadRecord(context.db, token: token)
            let site = context.site
            try Self.requireBooked(record, action: "cancel", at: context.now)
            let rules = try Self.bookable(site, record.serviceID).rules
            let slot = try AppointmentSlot(start: record.slotStart, end: record.slotEnd)
            guard context.now <= rules.cutoff(of: slot) else {
                throw QuhaoError(
                    .bookingCancelTooLate,
                    ["minutes": String(rules.cutoffMinutes), "cutoff": AppointmentRules.clock(rules.cutoff(of: slot), in: site.zone)])
            }
            record.state = .cancelled
            record.cancelledAt = context.now
            try record.update(context.db)
            try TicketStore.endNotices(about: .booking(record.id ?? 0), context)
            return try record.booking(ticket: nil)
        }
    }

    /// The visitor has arrived (their presence checked by the caller): the booking becomes a
    /// ticket in the hall. Inside `[slot start − early, slot end]` the ticket has the appointment's
    /// priority in its slot; later the same day it is a normal ticket; earlier is refused with the
    /// time check-in opens.
    /// - Throws: `booking.not_found`, `booking.invalid_state`, `booking.too_early`, and what issuing refuses.
    public func checkIn(token: String) async throws -> BookingCheckIn {
        let siteID = try await booking(token: token).siteID
        let ticketToken = random.token()
        return try await tickets.write(site: siteID) { context in
            var record = try Self.loadRecord(context.db, token: token)
            let site = context.site
            let slot = try AppointmentSlot(start: record.slotStart, end: record.slotEnd)
            // A booking of an earlier day cannot be used any more, even if "late".
            guard record.state != .booked || record.day >= context.day.iso else {
                throw QuhaoError(.bookingInvalidState, ["state": "missed", "action": "check_in"])
            }
            try Self.requireBooked(record, action: "check_in", at: nil)
            let arrival = site.booking.arrival(for: slot, at: context.now)
            if case .early(let opens) = arrival {
                // Today: the time; another day: the date as well.
                let day = site.businessDay(at: opens)
                let clock = AppointmentRules.clock(opens, in: site.zone)
                let time = day == context.day ? clock : "\(day.iso) \(clock)"
                throw QuhaoError(.bookingTooEarly, ["opens": time, "minutes": String(site.booking.checkInEarlyMinutes)])
            }
            let late = arrival == .late
            let request = IssueRequest(
                siteID: site.id, service: record.serviceID, priority: late ? .normal : .appointment, appointment: late ? nil : slot,
                channel: .phone)
            let ticket = try tickets.issue(
                request, token: ticketToken, by: .visitor, context,
                booked: TicketStore.BookedPerson(
                    identityKind: record.identityKind, identityHash: record.identityHash, identityMasked: record.identityMasked,
                    phoneMasked: record.phoneMasked, detail: "booking \(record.id ?? 0)\(late ? " late" : "")"))
            record.state = .checkedIn
            record.checkedInAt = context.now
            try TicketStore.endNotices(about: .booking(record.id ?? 0), context)
            record.ticketID = ticket.id
            try record.update(context.db)
            return BookingCheckIn(booking: try record.booking(ticket: (ticket.token, ticket.number.description)), ticket: ticket, late: late)
        }
    }

    // MARK: - Helpers

    /// The business type and its booking rules; refuses one that takes no bookings.
    /// - Throws: `service.not_found`, `booking.not_offered`.
    public static func bookable(_ site: Site, _ key: String) throws -> (service: Service, rules: AppointmentRules) {
        guard let service = site.service(key) else { throw QuhaoError(.serviceNotFound, ["service": key]) }
        guard let rules = service.appointments else { throw QuhaoError(.bookingNotOffered, service.messageParameters) }
        return (service, rules)
    }

    static func requireBooked(_ record: BookingRecord, action: String, at now: Date?) throws {
        if record.state != .booked {
            throw QuhaoError(.bookingInvalidState, ["state": record.state.rawValue, "action": action])
        }
        if let now, record.slotEnd < now {
            throw QuhaoError(.bookingInvalidState, ["state": "missed", "action": action])
        }
    }

    static func loadRecord(_ db: any SQLDatabase, token: String) throws -> BookingRecord {
        guard let record = try BookingRecord.fetchOne(db, "SELECT * FROM bookings WHERE token = ?", [token]) else {
            throw QuhaoError(.bookingNotFound)
        }
        return record
    }

    static func loadBooking(_ db: any SQLDatabase, token: String) throws -> Booking {
        guard
            let row = try db.row(
                """
                SELECT bookings.*, tickets.token AS ticket_token, tickets.number AS ticket_number
                FROM bookings LEFT JOIN tickets ON tickets.id = bookings.ticket_id WHERE bookings.token = ?
                """, [token])
        else { throw QuhaoError(.bookingNotFound) }
        return try booking(row)
    }

    static func booking(_ row: SQLRow) throws -> Booking {
        let record = try BookingRecord(row: row)
        let token: String? = try row["ticket_token"]
        let number: String? = try row["ticket_number"]
        let ticket: (String, String)? = token.flatMap { token in number.map { (token, $0) } }
        return try record.booking(ticket: ticket)
    }
}

extension BookingRecord {
    init(row: SQLRow) throws {
        id = try row["id"]
        token = try row["token"]
        siteID = try row["site_id"]
        serviceID = try row["service_id"]
        day = try row["day"]
        slotStart = try row["slot_start"]
        slotEnd = try row["slot_end"]
        state = try row["state"]
        personHash = try row["person_hash"]
        identityKind = try row["identity_kind"]
        identityHash = try row["identity_hash"]
        identityMasked = try row["identity_masked"]
        phoneMasked = try row["phone_masked"]
        deviceHash = try row["device_hash"]
        createdAt = try row["created_at"]
        cancelledAt = try row["cancelled_at"]
        checkedInAt = try row["checked_in_at"]
        ticketID = try row["ticket_id"]
    }
}
