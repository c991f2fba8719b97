import Foundation
import Hummingbird
import LiveBoard
import Presence
import QuhaoCore
import QuhaoStore

/// What a visitor fills in to book (JSON body or HTML form).
struct BookForm: Codable, Sendable {
    var service: String?
    /// The slot's start, ISO 8601 (`2026-12-01T01:00:00Z`).
    var start: String?
    var identity: String?
    var phone: String?
    /// Text messages chosen by the visitor (`sms`): a confirmation and a reminder before the slot.
    var notify: String?
}

/// A booking as the visitor's page and the API show it.
struct BookingView: Encodable {
    let token: String
    let url: String
    let calendarURL: String
    let site: String
    let siteName: String
    let service: String
    let serviceName: String
    let serviceNameEn: String?
    let day: String
    /// `09:00–09:30` in the hall's zone.
    let time: String
    let start: Date
    let end: Date
    /// booked, cancelled, checked_in or missed.
    let status: String
    let identity: String?
    let phone: String?
    /// Cancelling is possible until then.
    let cancelUntil: Date
    let canCancel: Bool
    /// Check-in opens then (and closes at `end`; later the same day the ticket is a normal one).
    let checkInFrom: Date
    let ticket: TicketLink?

    struct TicketLink: Encodable {
        let token: String
        let number: String
        let url: String
    }
}

/// A day's slots of a business type as the API shows them.
struct SlotsView: Encodable {
    let site: String
    let service: String
    let day: String
    /// The days that can be booked now.
    let days: [String]
    let slots: [Slot]

    struct Slot: Encodable {
        let start: Date
        let end: Date
        let time: String
        let capacity: Int
        let booked: Int
        let left: Int
        let bookable: Bool
        /// Why it cannot be booked (a problem code), when it cannot.
        let reason: String?
    }
}

extension AppDependencies {
    func bookingURL(_ token: String) -> String { "\(settings.publicURL)/b/\(token)" }

    /// Books a slot for a visitor (rate-limited like taking a number).
    func book(site siteID: String, form: BookForm, device: String?, client: String, language: Language) async throws -> Booking {
        let channels = try TakeForm(notify: form.notify).channels()
        try issueLimiter.take(client)
        guard let service = form.service, !service.isEmpty else {
            throw QuhaoError(.requestInvalid, ["reason": "请选择业务类型", "reason@en": "choose a business type (service)"])
        }
        guard let text = form.start, let start = Self.instant(text) else {
            throw QuhaoError(.requestInvalid, ["reason": "请选择预约时段", "reason@en": "choose a slot (start, an ISO 8601 time)"])
        }
        return try await issueLimiter.refundingMistakes(client) {
            try await store.bookings.book(
                BookingRequest(
                    siteID: siteID, service: service, slotStart: start, identity: form.identity, phone: form.phone, device: device,
                    notify: channels, language: language))
        }
    }

    /// Checks a booking in: in a hall with rotating codes only with a current one (the visitor is there).
    func checkIn(booking token: String, presence: String?) async throws -> BookingCheckIn {
        let booking = try await store.bookings.booking(token: token)
        let site = try await board.snapshot(booking.siteID).site
        if site.rules.presence == .rotating, !self.presence.isValid(presence, site: site.id) { throw QuhaoError(.presenceRequired) }
        let done = try await store.bookings.checkIn(token: token)
        await boardHoldsOwnChanges(site: site.id)
        return done
    }

    /// A booking's view.
    func bookingView(_ booking: Booking) async throws -> BookingView {
        let site = try await board.snapshot(booking.siteID).site
        let service = site.service(booking.serviceID)
        let rules = service?.appointments ?? AppointmentRules()
        let now = clock.now()
        let zone = site.zone
        return BookingView(
            token: booking.token, url: bookingURL(booking.token), calendarURL: "\(bookingURL(booking.token))/calendar.ics", site: site.id,
            siteName: site.name.zh, service: booking.serviceID, serviceName: service?.name.zh ?? booking.serviceID,
            serviceNameEn: service?.name.en, day: BusinessDay(booking.slot.start, in: zone).iso,
            time: booking.slot.times(in: zone),
            start: booking.slot.start, end: booking.slot.end, status: booking.status(at: now), identity: booking.identityMasked,
            phone: booking.phoneMasked, cancelUntil: rules.cutoff(of: booking.slot),
            canCancel: booking.state == .booked && now <= rules.cutoff(of: booking.slot),
            checkInFrom: booking.slot.start.addingTimeInterval(-Double(site.booking.checkInEarlyMinutes) * 60),
            ticket: booking.ticketToken.map { .init(token: $0, number: booking.ticketNumber ?? "", url: ticketURL($0)) })
    }

    /// A day's slots with their places; today when no day is given.
    func slotsView(site siteID: String, service key: String, day text: String?) async throws -> SlotsView {
        let site = try await board.snapshot(siteID).site
        let (service, rules) = try BookingStore.bookable(site, key)
        let days = rules.bookableDays(at: clock.now(), in: site.zone)
        let day: BusinessDay
        if let text {
            guard let parsed = BusinessDay(iso: text) else {
                throw QuhaoError(.requestInvalid, ["reason": "day 应为日期，如 2026-12-01", "reason@en": "day must be a date YYYY-MM-DD"])
            }
            day = parsed
        } else {
            day = days[0]
        }
        let slots = try await store.bookings.slots(site: siteID, service: service.id, day: day)
        return SlotsView(
            site: siteID, service: service.id, day: day.iso, days: days.map(\.iso),
            slots: slots.map { availability in
                SlotsView.Slot(
                    start: availability.slot.start, end: availability.slot.end,
                    time:
                        availability.slot.times(in: site.zone),
                    capacity: availability.capacity, booked: availability.booked, left: availability.left, bookable: availability.isBookable,
                    reason: availability.refusal?.code.rawValue ?? (availability.left == 0 ? QuhaoError.Code.slotFull.rawValue : nil))
            })
    }

    /// The add-to-calendar file of a booking.
    func calendar(_ booking: Booking) async throws -> String {
        let site = try await board.snapshot(booking.siteID).site
        let service = site.service(booking.serviceID)
        let opens = AppointmentRules.clock(
            booking.slot.start.addingTimeInterval(-Double(site.booking.checkInEarlyMinutes) * 60), in: site.zone)
        return CalendarFile(
            uid: "\(booking.token)@quhao", start: booking.slot.start, end: booking.slot.end, stamp: booking.createdAt,
            summary: "预约：\(service?.name.zh ?? booking.serviceID) Booking: \(service?.name.en ?? booking.serviceID)",
            location: "\(site.name.zh) \(site.name.en ?? "")".trimmingCharacters(in: .whitespaces),
            description: "到达大厅后扫描大厅二维码签到，\(opens) 起可签到。Scan the hall QR on arrival to check in (from \(opens)). \(bookingURL(booking.token))",
            url: bookingURL(booking.token)
        ).text
    }

    /// An ISO 8601 instant, with or without fractional seconds.
    static func instant(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}

/// `/api/v1`: slots and bookings.
struct BookingAPI {
    let services: AppDependencies

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get("sites/:site/slots", use: slots)
        routes.post("sites/:site/bookings", use: book)
        routes.get("bookings/:token", use: booking)
        routes.post("bookings/:token/cancel", use: cancel)
        routes.post("bookings/:token/checkin", use: checkIn)
        return routes
    }

    @Sendable func slots(_ request: Request, context: AppRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        guard let service = query.get("service"), !service.isEmpty else {
            throw QuhaoError(.requestInvalid, ["reason": "需要指定业务类型（service）", "reason@en": "service is required (a business type id or letter)"])
        }
        let day = query.get("day")
        if let day, day.isEmpty {
            throw QuhaoError(.requestInvalid, ["reason": "day 应为日期，如 2026-12-01", "reason@en": "day must be a date YYYY-MM-DD"])
        }
        return try JSON.response(try await services.slotsView(site: try context.parameters.require("site"), service: service, day: day))
    }

    struct Booked: Encodable {
        let token: String
        let url: String
        let booking: BookingView
    }

    @Sendable func book(_ request: Request, context: AppRequestContext) async throws -> Response {
        let siteID = try context.parameters.require("site")
        let form = try await request.decode(as: BookForm.self, context: context)
        let (device, cookie) = PublicAPI.device(request, random: services.random, secure: services.settings.isHTTPS)
        let booking = try await services.book(site: siteID, form: form, device: device, client: context.clientKey, language: request.language)
        var headers: HTTPFields = [.location: "/api/v1/bookings/\(booking.token)"]
        if let cookie { headers[.setCookie] = cookie.description }
        let view = try await services.bookingView(booking)
        return try JSON.response(Booked(token: booking.token, url: view.url, booking: view), status: .created, headers: headers)
    }

    @Sendable func booking(_ request: Request, context: AppRequestContext) async throws -> Response {
        let booking = try await services.store.bookings.booking(token: try context.parameters.require("token"))
        return try JSON.response(try await services.bookingView(booking))
    }

    @Sendable func cancel(_ request: Request, context: AppRequestContext) async throws -> Response {
        let booking = try await services.store.bookings.cancel(token: try context.parameters.require("token"))
        return try JSON.response(try await services.bookingView(booking))
    }

    struct CheckedIn: Encodable {
        let booking: BookingView
        let ticket: BookingView.TicketLink
        /// After the slot: a normal ticket.
        let late: Bool
    }

    @Sendable func checkIn(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = try context.parameters.require("token")
        let body = try await PublicAPI.optionalBody(PublicAPI.CheckInBody.self, request, context) ?? PublicAPI.CheckInBody()
        let done = try await services.checkIn(booking: token, presence: body.presence)
        let link = BookingView.TicketLink(
            token: done.ticket.token, number: done.ticket.number.description, url: services.ticketURL(done.ticket.token))
        return try JSON.response(CheckedIn(booking: try await services.bookingView(done.booking), ticket: link, late: done.late), status: .created)
    }
}

/// One slot of today's bookings as a window's console shows it.
struct ConsoleBookingSlot: Encodable, Equatable {
    let time: String
    let service: String
    let prefix: String
    let capacity: Int
    /// Booked or checked in.
    let booked: Int
    let arrived: Int
    /// Slot over, not checked in.
    let missed: Int
}

extension AppDependencies {
    /// Today's bookings of some business types per slot, in time order (only slots with bookings).
    func consoleBookings(site: Site, services serviceIDs: [String]) async throws -> [ConsoleBookingSlot] {
        let bookable = site.services.filter { serviceIDs.contains($0.id) && $0.appointments != nil }
        guard !bookable.isEmpty else { return [] }
        let now = clock.now()
        let all = try await store.bookings.all(site: site.id, day: site.businessDay(at: now))
        var slots: [ConsoleBookingSlot] = []
        for service in bookable {
            let mine = all.filter { $0.serviceID == service.id && $0.state != .cancelled }
            for start in Set(mine.map(\.slot.start)).sorted() {
                let inSlot = mine.filter { $0.slot.start == start }
                let slot = inSlot[0].slot
                slots.append(
                    ConsoleBookingSlot(
                        time: slot.times(in: site.zone),
                        service: service.id, prefix: service.prefix, capacity: service.appointments?.capacity ?? 0, booked: inSlot.count,
                        arrived: inSlot.filter { $0.state == .checkedIn }.count, missed: inSlot.filter { $0.isMissed(at: now) }.count))
            }
        }
        return slots.sorted { ($0.time, $0.prefix) < ($1.time, $1.prefix) }
    }
}
