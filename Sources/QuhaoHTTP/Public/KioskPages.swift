import Foundation
import Hummingbird
import LiveBoard
import Presence
import Printing
import QRCode
import QuhaoCore
import QuhaoStore

/// The hall's touch screen (or a staff tablet): `/kiosk/{site}?key=…`, for visitors without a
/// phone. Very large buttons per business type; an on-screen keypad for what a type needs; a
/// green-channel number only with a staff member's code; the number shown large with its QR and
/// printed when the hall has a printer; back to the start after a short idle time.
///
/// Opened with the site's display key (like the TV's rotating QR): it issues numbers as if in
/// the hall, so a phone must not be able to pose as it. Every page is `no-store` and the number
/// is only in the answer to the POST, never in an address: the next visitor cannot go back to it.
struct KioskPages {
    let services: AppDependencies
    let templates: Templates
    /// Staff codes for green-channel numbers, per site: 5 tries, then one every 30 s.
    let pinAttempts: RateLimiter
    /// Numbers per kiosk (a site's key from one address): a queue of people may take 10 at once,
    /// then one every 3 s, a person's pace at a keypad. Whoever holds the key cannot empty the
    /// day's numbers through it.
    let issues: RateLimiter

    init(services: AppDependencies, templates: Templates) {
        self.services = services
        self.templates = templates
        pinAttempts = RateLimiter(capacity: 5, refillPerSecond: 1.0 / 30, clock: services.clock)
        issues = RateLimiter(capacity: 10, refillPerSecond: 1.0 / 3, clock: services.clock)
    }

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get(":site", use: home)
        routes.get(":site/take", use: formPage)
        routes.post(":site/take", use: take)
        return routes
    }

    /// What a kiosk form carries.
    struct KioskForm: Codable, Sendable {
        var key: String?
        var service: String?
        var identity: String?
        var phone: String?
        var green: String?
        var pin: String?
    }

    // MARK: - Pages

    @Sendable func home(_ request: Request, context: AppRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        return try await render(request, context, form: KioskForm(key: query.get("key"), green: query.get("green")), stage: .home)
    }

    @Sendable func formPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let form = KioskForm(key: query.get("key"), service: query.get("service"), green: query.get("green"))
        return try await render(request, context, form: form, stage: .form)
    }

    @Sendable func take(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await PublicPages.form(KioskForm.self, request, context)
        let siteID = try context.parameters.require("site")
        guard services.presence.isDisplayKey(form.key, site: siteID) else { return try await render(request, context, form: form, stage: .home) }
        let site = try await services.board.snapshot(siteID).site
        do {
            let green = form.green == "1"
            if green {
                guard let pin = site.kiosk.greenPIN else { throw QuhaoError(.kioskGreenUnavailable) }
                try pinAttempts.take("kiosk-pin:\(siteID)")
                guard Self.same(form.pin ?? "", pin) else { throw QuhaoError(.kioskPINInvalid) }
            }
            try issues.take("kiosk:\(siteID):\(context.clientKey)")
            let ticket = try await services.store.issue(
                IssueRequest(
                    siteID: siteID, service: form.service ?? "", identity: form.identity, phone: form.phone, priority: green ? .green : .normal,
                    channel: .kiosk), by: .visitor)
            await services.boardHoldsOwnChanges(site: siteID)
            let printed = try await services.print(ticket, site: site)
            return try await render(request, context, form: form, stage: .result(ticket, printed))
        } catch let error as QuhaoError where error.code != .siteNotFound {
            // Nothing needed to be typed: back to the start with the reason; else the form again.
            let needsForm = site.service(form.service ?? "").map { Self.needsForm($0, green: form.green == "1") } ?? false
            return try await render(request, context, form: form, stage: needsForm ? .form : .home, error: error)
        }
    }

    enum Stage {
        case home
        case form
        case result(Ticket, PrintSpooler.Outcome?)
    }

    /// Whether a business type needs the keypad: an identity, a required phone, or the green channel's code.
    static func needsForm(_ service: Service, green: Bool) -> Bool {
        green || service.identity != .none || service.phone == .required
    }

    func render(_ request: Request, _ context: AppRequestContext, form: KioskForm, stage: Stage, error: QuhaoError? = nil) async throws -> Response {
        let siteID = try context.parameters.require("site")
        let snapshot = try await services.board.snapshot(siteID)
        let site = snapshot.site
        // An inspection office has no kiosk: its requests come from units' own links (the take page explains).
        if site.kind == .inspection { return Response(status: .seeOther, headers: [.location: "/s/\(site.id)\(PublicPages.langQuery(request))"]) }
        let language = request.language
        let (t, script) = Templates.strings(language, script: ["ui.kiosk.", "ui.take."])
        let key = form.key ?? ""
        let langParameter = request.uri.queryParameters.get("lang").map { "&lang=\($0)" } ?? ""
        let home = "/kiosk/\(site.id)?key=\(key)\(langParameter)"
        var data: [String: Any] = [
            "t": t, "lang": language.rawValue, "title": t["kiosk_title"] ?? "", "siteID": site.id, "siteName": site.name.text(language),
            "stringsJSON": script, "key": key, "home": home, "stylesheet": "/static/kiosk.css", "idleSeconds": site.kiosk.idleSeconds,
            "langSwitch": "/kiosk/\(site.id)?key=\(key)&lang=\(t["common_lang_code"] ?? "en")",
        ]
        guard services.presence.isDisplayKey(form.key, site: site.id) else {
            data["refused"] = t["kiosk_key_needed"]
            return templates.page("kiosk", data, status: .forbidden)
        }
        let green = form.green == "1" && site.kiosk.greenPIN != nil
        data["green"] = green
        data["greenOffered"] = site.kiosk.greenPIN != nil
        data["greenHref"] = "\(home)&green=1"
        if let error { data["error"] = Catalogue.of(language).message(for: error) }
        switch stage {
        case .home:
            data["stageHome"] = true
            data["services"] = snapshot.board.services.map { view -> [String: Any] in
                let service = site.service(view.id)
                let needs = service.map { Self.needsForm($0, green: green) } ?? false
                return [
                    "id": view.id, "prefix": view.prefix, "name": language == .en ? (view.nameEn ?? view.name) : view.name, "open": view.open,
                    "needsForm": needs, "formHref": "/kiosk/\(site.id)/take?key=\(key)&service=\(view.id)\(green ? "&green=1" : "")\(langParameter)",
                    "waitingText": Catalogue.fill(t["kiosk_waiting"] ?? "", with: ["n": String(view.waiting)]),
                ]
            }
        case .form:
            guard let service = site.service(form.service ?? "") else { throw QuhaoError(.serviceNotFound, ["service": form.service ?? ""]) }
            data["form"] = true
            data["service"] = [
                "id": service.id, "prefix": service.prefix, "name": service.name.text(language), "identityKind": service.identity.rawValue,
            ]
            if service.identity != .none {
                data["identity"] = [
                    "label": t["kiosk_identity_\(service.identity.rawValue)"] ?? "", "value": form.identity ?? "",
                    // The keys the identity needs: digits and X for an ID number; the USCC alphabet (no I, O, S, V, Z) for a credit code.
                    "keys": Self.keys(for: service.identity).map { ["key": $0] },
                ]
            }
            if service.phone != .none {
                data["phone"] = [
                    "label": (service.phone == .required ? t["kiosk_phone"] : t["kiosk_phone_optional"]) ?? "", "value": form.phone ?? "",
                    "required": service.phone == .required,
                ]
            }
            data["digits"] = (1...9).map { ["key": String($0)] } + [["key": "0"]]
        case .result(let ticket, let printed):
            data["result"] = true
            let view = try await services.ticketView(ticket.token).view
            data["number"] = ticket.number.description
            data["serviceName"] = language == .en ? (view.serviceNameEn ?? view.serviceName) : view.serviceName
            data["isGreen"] = ticket.priority == .green
            if let ahead = view.peopleAhead {
                data["aheadText"] = ahead == 0 ? t["kiosk_next"] : Catalogue.fill(t["kiosk_ahead"] ?? "", with: ["n": String(ahead)])
            }
            data["qr"] = try QRRoutes.matrix(services.ticketURL(ticket.token)).svg(moduleSize: 6, quietZone: 2)
            data["resultSeconds"] = site.kiosk.resultSeconds
            data["resetText"] = Catalogue.fill(t["kiosk_reset_in"] ?? "", with: ["n": String(site.kiosk.resultSeconds)])
            data["takenAt"] = AppointmentRules.clock(ticket.issuedAt, in: site.zone)
            switch printed {
            case .printed?, .queued?:
                // Printed, or still on its way (the printer is slow): the slip is coming.
                data["printed"] = t["kiosk_printed"]
            case .some(let outcome):
                let reason = outcome.problem.map { language == .en ? $0.en : $0.zh } ?? ""
                data["printProblem"] = Catalogue.fill(t["kiosk_print_failed"] ?? "", with: ["reason": reason])
            case nil: break
            }
        }
        return templates.page("kiosk", data, status: error?.status ?? .ok)
    }

    /// The on-screen keys an identity needs besides the digits.
    static func keys(for requirement: IdentityRequirement) -> [String] {
        switch requirement {
        case .none: []
        case .residentID: ["X"]
        case .uscc, .either: "ABCDEFGHJKLMNPQRTUWXY".map(String.init)
        }
    }

    /// Compares a typed code with the configured one without an early exit.
    static func same(_ typed: String, _ expected: String) -> Bool {
        let a = Array(typed.utf8)
        let b = Array(expected.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}
