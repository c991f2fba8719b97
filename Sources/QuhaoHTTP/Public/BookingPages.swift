import Foundation
import Hummingbird
import LiveBoard
import Presence
import QuhaoCore
import QuhaoStore

/// The booking pages: `/s/{site}/book` (pick a business type, a day, a time; give what the type
/// needs), `/b/{token}` (the booking: its QR, a calendar file, cancel, check in on arrival).
/// Forms work without JavaScript; take.js checks the identity and phone as they are typed.
struct BookingPages {
    let services: AppDependencies
    let templates: Templates

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get("s/:site/book", use: bookPage)
        routes.post("s/:site/book", use: bookSubmit)
        routes.get("b/:token", use: bookingPage)
        routes.get("b/:token/calendar.ics", use: calendar)
        routes.post("b/:token/cancel", use: cancelSubmit)
        routes.post("b/:token/checkin", use: checkInSubmit)
        return routes
    }

    // MARK: - Book

    @Sendable func bookPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let siteID = try context.parameters.require("site")
        // An inspection office takes no bookings either: the take page says who may do what.
        if try await services.board.snapshot(siteID).site.kind == .inspection {
            return Response(status: .seeOther, headers: [.location: "/s/\(siteID)\(PublicPages.langQuery(request))"])
        }
        let query = request.uri.queryParameters
        return try await renderBook(
            request, site: try context.parameters.require("site"), form: BookForm(service: query.get("service")), day: query.get("day"),
            error: nil)
    }

    @Sendable func bookSubmit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let siteID = try context.parameters.require("site")
        let form = try await PublicPages.form(BookForm.self, request, context)
        let (device, cookie) = PublicAPI.device(request, random: services.random, secure: services.settings.isHTTPS)
        do {
            let booking = try await services.book(site: siteID, form: form, device: device, client: context.clientKey, language: request.language)
            var headers: HTTPFields = [.location: "/b/\(booking.token)\(PublicPages.langQuery(request))"]
            if let cookie { headers[.setCookie] = cookie.description }
            return Response(status: .seeOther, headers: headers)
        } catch let error as QuhaoError where error.code != .siteNotFound {
            var response = try await renderBook(request, site: siteID, form: form, day: nil, error: error)
            if let cookie { response.headers[.setCookie] = cookie.description }
            return response
        }
    }

    func renderBook(_ request: Request, site siteID: String, form: BookForm, day: String?, error: QuhaoError?) async throws -> Response {
        let site = try await services.board.snapshot(siteID).site
        // After a refusal, the day of the slot that was chosen.
        let day = day ?? form.start.flatMap(AppDependencies.instant).map { BusinessDay($0, in: site.zone).iso }
        let language = request.language
        let (t, script) = Templates.strings(language)
        let catalogue = Catalogue.of(language)
        let langQuery = PublicPages.langQuery(request)
        let joiner = langQuery.isEmpty ? "?" : "&"
        let bookable = site.services.filter { $0.appointments != nil }
        var data: [String: Any] = [
            "t": t, "lang": language.rawValue, "title": t["book_title"] ?? "", "siteID": site.id, "siteName": site.name.text(language),
            "langQuery": langQuery, "stringsJSON": script, "identity": form.identity ?? "", "phone": form.phone ?? "",
            "smsOffered": site.notices.map { $0.channels.contains(.sms) && ($0.kinds.contains(.booked) || $0.kinds.contains(.bookingReminder)) }
                == true, "smsChecked": form.notify?.contains("sms") == true,
            "langSwitch": "?lang=\(t["common_lang_code"] ?? "en")\(form.service.map { "&service=\($0)" } ?? "")",
        ]
        let chosen =
            form.service.flatMap { key in bookable.first { $0.id == key || $0.prefix == key } } ?? (bookable.count == 1 ? bookable.first : nil)
        if bookable.isEmpty { data["noServices"] = true }
        data["services"] = bookable.map { service -> [String: Any] in
            [
                "id": service.id, "prefix": service.prefix, "name": service.name.text(language),
                "href": "/s/\(site.id)/book\(langQuery)\(joiner)service=\(service.id)",
            ]
        }
        if let service = chosen, let rules = service.appointments {
            // Each bookable day with its places left, read once; the chosen day (or the first with a place) is shown.
            var days: [(iso: String, slots: [SlotsView.Slot])] = []
            for day in rules.bookableDays(at: services.clock.now(), in: site.zone) {
                days.append((day.iso, try await services.slotsView(site: site.id, service: service.id, day: day.iso).slots))
            }
            let left = { (slots: [SlotsView.Slot]) in slots.filter(\.bookable).reduce(0) { $0 + $1.left } }
            let shown = day.flatMap { wanted in days.first { $0.iso == wanted } } ?? days.first { left($0.slots) > 0 } ?? days[0]
            data["days"] = days.map { entry -> [String: Any] in
                // No place left: "full" when some slot filled up, else "closed" (past, or no slots that day).
                let full = entry.slots.contains { $0.reason == QuhaoError.Code.slotFull.rawValue }
                return [
                    "label": Self.dayLabel(entry.iso, language: language, t: t), "current": entry.iso == shown.iso,
                    "href": "/s/\(site.id)/book\(langQuery)\(joiner)service=\(service.id)&day=\(entry.iso)",
                    "meta": left(entry.slots) > 0
                        ? Catalogue.fill(t["book_left"] ?? "", with: ["n": String(left(entry.slots))])
                        : (full ? t["book_full"] : t["book_closed"]) ?? "",
                ]
            }
            let slots = shown.slots
            let formatter = ISO8601DateFormatter()
            data["slots"] = slots.map { slot -> [String: Any] in
                let start = formatter.string(from: slot.start)
                return [
                    "start": start, "time": slot.time, "bookable": slot.bookable, "checked": form.start == start && slot.bookable,
                    "meta": slot.bookable
                        ? Catalogue.fill(t["book_left"] ?? "", with: ["n": String(slot.left)])
                        : (slot.reason == QuhaoError.Code.slotFull.rawValue ? t["book_full"] ?? "" : t["book_closed"] ?? ""),
                ]
            }
            data["noSlots"] = !slots.contains { $0.bookable }
            data["service"] = [
                "id": service.id, "prefix": service.prefix, "name": service.name.text(language), "identityKind": service.identity.rawValue,
                "needsIdentity": service.identity != .none,
                "identityLabel": t["take_identity_\(service.identity.rawValue)"] ?? t["take_identity_either"] ?? "",
            ]
            data["rulesText"] = Catalogue.fill(
                // Where the hall QR proves nothing (presence static or none), check-in is this page's button.
                t[site.rules.presence == .rotating ? "book_rules" : "book_rules_here"] ?? "",
                with: ["cutoff": String(rules.cutoffMinutes), "early": String(site.booking.checkInEarlyMinutes)])
            data["changeService"] = bookable.count > 1 ? "/s/\(site.id)/book\(langQuery)" : nil
        }
        var status: HTTPResponse.Status = .ok
        if let error {
            status = error.status
            let message = catalogue.message(for: error)
            switch error.code {
            case .identityRequired, .identityNotAccepted, .identityFormat, .identityChecksum, .identityBirthDate, .identityRegion:
                data["identityError"] = message
            case .phoneRequired, .phoneFormat: data["phoneError"] = message
            default: break
            }
            data["error"] = message
        }
        return templates.page("book", data, status: status)
    }

    /// `12-01 周二` / `Tue 12-01`.
    static func dayLabel(_ iso: String, language: Language, t: [String: String]) -> String {
        let short = String(iso.dropFirst(5))
        return language == .en ? "\(weekdayName(iso, t: t)) \(short)" : "\(short) \(weekdayName(iso, t: t))"
    }

    /// `周二` / `Tue`.
    static func weekdayName(_ iso: String, t: [String: String]) -> String {
        guard let day = BusinessDay(iso: iso) else { return "" }
        let names = (t["common_weekdays"] ?? "").split(separator: ",").map(String.init)
        let utc = TimeZone(identifier: "UTC")!
        let weekday = Weekday(day.start(in: utc).addingTimeInterval(43_200), in: utc)
        return names.count == 7 ? names[Weekday.allCases.firstIndex(of: weekday)!] : ""
    }

    // MARK: - The booking

    @Sendable func bookingPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await renderBooking(request, token: try context.parameters.require("token"), error: nil)
    }

    func renderBooking(_ request: Request, token: String, error: QuhaoError?, presence: String? = nil) async throws -> Response {
        let booking = try await services.store.bookings.booking(token: token)
        let view = try await services.bookingView(booking)
        let site = try await services.board.snapshot(booking.siteID).site
        let language = request.language
        let (t, script) = Templates.strings(language)
        let langQuery = PublicPages.langQuery(request)
        let zone = site.zone
        let when = Catalogue.fill(
            t["booking_when"] ?? "", with: ["day": view.day, "time": view.time, "weekday": Self.weekdayName(view.day, t: t)])
        // The hall's code: from the form, the address, or the take page visited moments ago in the hall.
        let code = presence ?? request.uri.queryParameters.get("p") ?? PublicPages.hallCode(request, site: site.id)
        let inHall = site.rules.presence != .rotating || services.presence.isValid(code, site: site.id)
        var data: [String: Any] = [
            "t": t, "lang": language.rawValue, "title": t["booking_title"] ?? "", "siteName": site.name.text(language), "token": token,
            "langQuery": langQuery, "stringsJSON": script, "when": when,
            "serviceName": language == .en ? (view.serviceNameEn ?? view.serviceName) : view.serviceName,
            "statusText": t["booking_status_\(view.status)"] ?? view.status, "status": view.status, "identity": view.identity ?? "",
            "phone": view.phone ?? "", "calendarHref": "/b/\(token)/calendar.ics", "presence": code ?? "",
            "langSwitch": "?lang=\(t["common_lang_code"] ?? "en")\(code.map { "&p=\($0)" } ?? "")",
            "bookAgain": "/s/\(site.id)/book\(langQuery)",
        ]
        if view.status == "booked" {
            data["booked"] = true
            data["checkInHint"] = Catalogue.fill(
                t[site.rules.presence == .rotating ? "booking_check_in_hint" : "booking_check_in_hint_here"] ?? "",
                with: ["from": AppointmentRules.clock(view.checkInFrom, in: zone), "end": AppointmentRules.clock(view.end, in: zone)])
            data["canCheckIn"] = inHall
            if view.canCancel {
                data["cancelUntil"] = Catalogue.fill(
                    t["booking_cancel_until"] ?? "",
                    with: ["time": "\(BusinessDay(view.cancelUntil, in: zone).iso) \(AppointmentRules.clock(view.cancelUntil, in: zone))"])
                data["canCancel"] = true
                if request.uri.queryParameters.get("confirm") == "cancel" {
                    data["confirmCancel"] = Catalogue.fill(t["booking_cancel_question"] ?? "", with: ["when": when])
                }
            }
        }
        if let ticket = view.ticket {
            data["ticket"] = [
                "href": "/t/\(ticket.token)\(langQuery)", "text": Catalogue.fill(t["booking_view_ticket"] ?? "", with: ["number": ticket.number]),
            ]
        }
        if let error { data["error"] = Catalogue.of(language).message(for: error) }
        return templates.page("booking", data, status: error?.status ?? .ok)
    }

    @Sendable func calendar(_ request: Request, context: AppRequestContext) async throws -> Response {
        let booking = try await services.store.bookings.booking(token: try context.parameters.require("token"))
        let text = try await services.calendar(booking)
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/calendar; charset=utf-8", .contentDisposition: "attachment; filename=\"quhao-booking.ics\"",
                .cacheControl: "no-store",
            ], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    @Sendable func cancelSubmit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = try context.parameters.require("token")
        let form = try await PublicPages.form(PublicPages.CancelForm.self, request, context)
        _ = try await services.store.bookings.booking(token: token)
        let langQuery = PublicPages.langQuery(request)
        guard form.confirmed == "yes" else {
            return Response(status: .seeOther, headers: [.location: "/b/\(token)\(langQuery.isEmpty ? "?" : langQuery + "&")confirm=cancel"])
        }
        do {
            _ = try await services.store.bookings.cancel(token: token)
            return Response(status: .seeOther, headers: [.location: "/b/\(token)\(langQuery)"])
        } catch let error as QuhaoError where error.code != .bookingNotFound {
            return try await renderBooking(request, token: token, error: error)
        }
    }

    @Sendable func checkInSubmit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = try context.parameters.require("token")
        let form = try await PublicPages.form(PublicPages.PresenceForm.self, request, context)
        do {
            let done = try await services.checkIn(booking: token, presence: form.presence)
            let langQuery = PublicPages.langQuery(request)
            let late = done.late ? "\(langQuery.isEmpty ? "?" : langQuery + "&")late=1" : langQuery
            return Response(status: .seeOther, headers: [.location: "/t/\(done.ticket.token)\(late)"])
        } catch let error as QuhaoError where error.code != .bookingNotFound {
            return try await renderBooking(request, token: token, error: error, presence: form.presence)
        }
    }
}
