import Foundation
import Hummingbird
import LiveBoard
import Presence
import QuhaoCore
import QuhaoStore

/// The visitor's pages: `/s/{site}` take a number, `/t/{token}` my ticket. Forms work without
/// JavaScript; the scripts add checks as you type and live updates.
struct PublicPages {
    let services: AppDependencies
    let templates: Templates

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get("s/:site", use: takePage)
        routes.post("s/:site", use: takeSubmit)
        routes.post("s/:site/take-over", use: takeOverSend)
        routes.post("s/:site/take-over/verify", use: takeOverVerify)
        routes.get("t/:token", use: ticketPage)
        routes.post("t/:token/cancel", use: cancelSubmit)
        routes.post("t/:token/checkin", use: checkInSubmit)
        routes.post("t/:token/rating", use: rateSubmit)
        routes.get("t/:token/wechat", use: weChatSubscribe)
        routes.get("t/:token/wechat/back", use: weChatBack)
        return routes
    }

    // MARK: - Take a number

    @Sendable func takePage(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await renderTake(request, site: try context.parameters.require("site"), form: TakeForm(), error: nil)
    }

    @Sendable func takeSubmit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let siteID = try context.parameters.require("site")
        let form = try await Self.form(TakeForm.self, request, context)
        let (device, cookie) = PublicAPI.device(request, random: services.random, secure: services.settings.isHTTPS)
        do {
            let ticket = try await services.take(site: siteID, form: form, device: device, client: context.clientKey, language: request.language)
            var headers: HTTPFields = [.location: "/t/\(ticket.token)\(Self.langQuery(request))"]
            if let cookie { headers[.setCookie] = cookie.description }
            return Response(status: .seeOther, headers: headers)
        } catch let error as QuhaoError where error.code != .siteNotFound {
            var response = try await renderTake(request, site: siteID, form: form, error: error)
            if let cookie { response.headers[values: .setCookie].append(cookie.description) }
            return response
        }
    }

    // MARK: - WeChat's one-time subscription

    /// Sends the visitor to WeChat's confirmation page for one kind of message about their ticket.
    @Sendable func weChatSubscribe(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = try context.parameters.require("token")
        let ticket = try await services.store.ticket(.token(token))
        let site = try await services.board.snapshot(ticket.siteID).site
        let reader = QueryReader(request)
        guard let wechat = services.settings.wechat, site.notices?.channels.contains(.wechat) == true else {
            throw QuhaoError(.noticeUnavailable, ["site": site.name.zh, "site@en": site.name.en ?? site.name.zh])
        }
        let kind = try reader.choice("kind", among: [NoticeRules.Kind.near, .called, .recalled, .taken].map(\.rawValue)) ?? "called"
        let chosen = NoticeRules.Kind(rawValue: kind) ?? .called
        let back = "\(services.settings.publicURL)/t/\(token)/wechat/back"
        let link = wechat.confirmLink(kind: chosen, back: back, reserved: services.store.stateTag("\(token):\(chosen.rawValue)"))
        return Response(status: .seeOther, headers: [.location: link])
    }

    /// WeChat's answer: the visitor consented (or not) to one message of a kind, with their openid.
    @Sendable func weChatBack(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = try context.parameters.require("token")
        let query = request.uri.queryParameters
        let scene = query.get("scene").flatMap { Int($0) }
        guard let wechat = services.settings.wechat, let kind = scene.flatMap(WeChatSubscription.kind(scene:)),
            query.get("reserved") == services.store.stateTag("\(token):\(kind.rawValue)"), query.get("template_id") == wechat.templateID
        else {
            throw QuhaoError(.requestInvalid, ["reason": "微信返回的订阅结果无法核对", "reason@en": "WeChat's answer could not be checked"])
        }
        guard query.get("action") == "confirm", let openID = query.get("openid"), !openID.isEmpty, openID.count <= 64 else {
            return Response(status: .seeOther, headers: [.location: "/t/\(token)?wechat=declined"])
        }
        try await services.store.subscribeWeChat(ticket: token, openID: openID, kind: kind, language: request.language)
        return Response(status: .seeOther, headers: [.location: "/t/\(token)?wechat=\(kind.rawValue)"])
    }

    // MARK: - Taking a number over in another browser

    /// Texts a code to the phone of the number this identity and phone hold (the page then asks for it).
    @Sendable func takeOverSend(_ request: Request, context: AppRequestContext) async throws -> Response {
        let siteID = try context.parameters.require("site")
        let form = try await Self.form(TakeForm.self, request, context)
        let (t, _) = Templates.strings(request.language)
        var held = Self.heldFields(form)
        do {
            try services.issueLimiter.take(context.clientKey)
            let phone = try await services.store.sendTakeOverCode(Self.issueRequest(siteID, form))
            held["sent"] = Catalogue.fill(t["take_code_sent"] ?? "", with: ["phone": phone])
            return try await renderTake(request, site: siteID, form: form, error: nil, held: held)
        } catch let error as QuhaoError where error.code != .siteNotFound {
            held["canSend"] = true
            held["error"] = Catalogue.of(request.language).message(for: error)
            return try await renderTake(request, site: siteID, form: form, error: nil, held: held, status: error.status)
        }
    }

    /// Takes the number over with the texted code: this browser holds it from now on.
    @Sendable func takeOverVerify(_ request: Request, context: AppRequestContext) async throws -> Response {
        let siteID = try context.parameters.require("site")
        let form = try await Self.form(TakeOverForm.self, request, context)
        let (device, cookie) = PublicAPI.device(request, random: services.random, secure: services.settings.isHTTPS)
        do {
            try services.issueLimiter.take(context.clientKey)
            // A mistyped code costs a fifth of a token (five wrong tries burn the code anyway).
            let ticket = try await services.issueLimiter.refundingMistakes(context.clientKey) {
                try await services.store.takeOver(Self.issueRequest(siteID, form.take), code: form.code ?? "", device: device)
            }
            var headers: HTTPFields = [.location: "/t/\(ticket.token)\(Self.langQuery(request))"]
            if let cookie { headers[.setCookie] = cookie.description }
            return Response(status: .seeOther, headers: headers)
        } catch let error as QuhaoError where error.code != .siteNotFound {
            let (t, _) = Templates.strings(request.language)
            var held = Self.heldFields(form.take)
            held["sent"] = t["take_code_again"] ?? ""
            held["canSend"] = true
            held["error"] = Catalogue.of(request.language).message(for: error)
            var response = try await renderTake(request, site: siteID, form: form.take, error: nil, held: held, status: error.status)
            if let cookie { response.headers[values: .setCookie].append(cookie.description) }
            return response
        }
    }

    /// What the take-over forms carry back (the business type, identity and phone typed).
    static func heldFields(_ form: TakeForm) -> [String: Any] {
        ["service": form.service ?? "", "identity": form.identity ?? "", "phone": form.phone ?? ""]
    }

    static func issueRequest(_ siteID: String, _ form: TakeForm) -> IssueRequest {
        IssueRequest(siteID: siteID, service: form.service ?? "", identity: form.identity, phone: form.phone)
    }

    func renderTake(
        _ request: Request, site siteID: String, form: TakeForm, error: QuhaoError?, held: [String: Any]? = nil,
        status forced: HTTPResponse.Status? = nil
    ) async throws -> Response {
        let snapshot = try await services.board.snapshot(siteID)
        let site = snapshot.site
        let language = request.language
        let (t, script) = Templates.strings(language)
        let catalogue = Catalogue.of(language)
        if site.kind == .inspection {
            // An inspection office takes no anonymous numbers: the page says who may do what instead of a form.
            let refusal = QuhaoError(.inspectionUnitLinkRequired, ["site": site.id])
            let data: [String: Any] = [
                "t": t, "lang": language.rawValue, "title": t["take_office_title"] ?? "", "siteName": site.name.text(language),
                "langQuery": Self.langQuery(request), "office": true, "error": catalogue.message(for: refusal),
            ]
            return templates.page("take", data, status: refusal.status)
        }
        let code: String? = form.presence ?? request.uri.queryParameters.get("p")
        let inHall = site.rules.presence != .rotating || services.presence.isValid(code, site: site.id)
        var data: [String: Any] = [
            "t": t, "lang": language.rawValue, "title": t["take_title"] ?? "", "siteID": site.id,
            "siteName": site.name.text(language), "presence": code ?? "", "langQuery": Self.langQuery(request), "stringsJSON": script,
            "identity": form.identity ?? "", "phone": form.phone ?? "",
        ]
        // Text reminders, when the hall sends them: chosen by the visitor, never ticked for them.
        if let rules = site.notices, rules.channels.contains(.sms) {
            data["smsOffered"] = true
            let chosen = site.services.first { $0.id == form.service || $0.prefix == form.service }
            data["smsLabel"] = Self.smsLabel(rules, service: chosen?.id ?? "", t)
            data["smsChecked"] = (try? form.channels())?.contains(.sms) == true
        }
        if !inHall {
            data["remoteNotice"] = site.rules.allowRemote ? t["take_remote_notice"] : t["take_presence_notice"]
        }
        let views = snapshot.board.services.map { view -> [String: Any] in
            var item: [String: Any] = [
                "id": view.id, "prefix": view.prefix, "name": language == .en ? (view.nameEn ?? view.name) : view.name, "open": view.open,
                "identity": view.identity, "phone": view.phone, "selected": form.service == view.id || form.service == view.prefix,
                "waitingText": Catalogue.fill(t["take_waiting"] ?? "", with: ["n": String(view.waiting)]),
            ]
            if let rules = site.notices, rules.channels.contains(.sms) { item["smsLabel"] = Self.smsLabel(rules, service: view.id, t) }
            if let seconds = view.estimatedWaitSeconds, view.waiting > 0 {
                item["waitText"] = Catalogue.fill(t["take_wait_about"] ?? "", with: ["minutes": String(max(1, (seconds + 59) / 60))])
            }
            return item
        }
        data["services"] = views
        data["anyOpen"] = snapshot.board.services.contains { $0.open }
        if let device = request.cookies["qh_device"]?.value, let mine = try await services.store.activeTicket(site: site.id, device: device) {
            data["ticket"] = [
                "token": mine.token, "canCheckIn": mine.state == .remote && inHall && site.rules.presence == .rotating,
                "haveTicket": Catalogue.fill(t["take_have_ticket"] ?? "", with: ["number": mine.number.description]),
            ]
        }
        // A booking of today on this phone: arriving, the visitor checks it in from here.
        if data["ticket"] == nil, let device = request.cookies["qh_device"]?.value,
            let booking = try await services.store.bookings.pending(site: site.id, device: device),
            let service = site.service(booking.serviceID)
        {
            let time = booking.slot.times(in: site.zone)
            data["booking"] = [
                "token": booking.token, "canCheckIn": inHall,
                "text": Catalogue.fill(t["take_have_booking"] ?? "", with: ["time": time, "service": service.name.text(language)]),
            ]
        }
        let bookable = site.services.contains { $0.appointments != nil }
        if bookable { data["bookHref"] = "/s/\(site.id)/book\(Self.langQuery(request))" }
        if bookable, inHall, site.rules.presence == .rotating, data["booking"] == nil, data["ticket"] == nil {
            data["bookedElsewhere"] = t["take_booked_elsewhere"]
        }
        var status: HTTPResponse.Status = .ok
        if let error {
            status = error.status
            let message = catalogue.message(for: error)
            switch error.code {
            case .identityRequired, .identityNotAccepted, .identityFormat, .identityChecksum, .identityBirthDate, .identityRegion,
                .identityDuplicate:
                data["identityError"] = message
            case .phoneRequired, .phoneFormat: data["phoneError"] = message
            default: break
            }
            if error.code == .ticketHeldElsewhere {
                // Told the number and its place; acting on it needs the original browser or a code.
                var fields = Self.heldFields(form)
                fields["text"] = message
                fields["canSend"] = true
                data["heldElsewhere"] = fields
            } else {
                data["error"] = message
            }
        }
        if let held { data["heldElsewhere"] = held }
        if let forced { status = forced }
        var response = templates.page("take", data, status: status)
        // In the hall with a current code: remembered for two minutes, so a booking link opened
        // next on this phone (from a message or the calendar) can check in (``BookingPages``).
        if bookable, site.rules.presence == .rotating, inHall, let code {
            response.headers[values: .setCookie].append(Self.hallCodeCookie(site: site.id, code: code, secure: services.settings.isHTTPS))
        }
        return response
    }

    // MARK: - My ticket

    @Sendable func ticketPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await renderTicket(request, token: try context.parameters.require("token"), error: nil)
    }

    func renderTicket(_ request: Request, token: String, error: QuhaoError?) async throws -> Response {
        let current = try await services.ticketView(token)
        let ticket = current.view
        let language = request.language
        let (t, script) = Templates.strings(language)
        let catalogue = Catalogue.of(language)
        let site = try await services.board.snapshot(ticket.site).site
        var data: [String: Any] = [
            "t": t, "lang": language.rawValue, "title": t["ticket_title"] ?? "", "siteName": site.name.text(language), "token": token,
            "etag": current.etag ?? "", "number": ticket.number, "langQuery": Self.langQuery(request), "stringsJSON": script,
            "serviceName": language == .en ? (ticket.serviceNameEn ?? ticket.serviceName) : ticket.serviceName,
            "stateText": catalogue.template("state.\(ticket.state)") ?? ticket.state, "canCancel": ticket.canCancel,
            "canCheckIn": ticket.canCheckIn, "canRate": ticket.canRate,
            "ratings": (1...5).reversed().map { ["score": $0, "label": t["ticket_rate_\($0)"] ?? String($0)] },
        ]
        if let ahead = ticket.peopleAhead {
            // A remote ticket keeps its place but is passed over until it checks in: say where it
            // will stand then, never "you are next".
            let (next, behind) = ticket.state == "remote" ? ("ticket_remote_next", "ticket_remote_ahead") : ("ticket_next", "ticket_ahead")
            data["aheadText"] = ahead == 0 ? t[next] : Catalogue.fill(t[behind] ?? "", with: ["n": String(ahead)])
            if let seconds = ticket.estimatedWaitSeconds, ahead > 0 {
                data["waitText"] = Catalogue.fill(t["ticket_wait"] ?? "", with: ["minutes": String(max(1, (seconds + 59) / 60))])
            }
        }
        if let counter = ticket.counter {
            let values = ["number": ticket.number, "counter": String(counter)]
            if ticket.state == "called" {
                data["calledText"] = Catalogue.fill(t["ticket_called"] ?? "", with: values)
                // Without JavaScript 「知道了」 is a form: it reloads the page with this call marked seen,
                // and a recall (a new key) shows the call again.
                let key = Self.callKey(ticket)
                data["callKey"] = key
                data["calledShown"] = request.uri.queryParameters.get("seen") != key
            }
            if ticket.state == "serving" { data["stateText"] = Catalogue.fill(t["ticket_serving"] ?? "", with: values) }
        }
        if let rating = ticket.rating {
            data["ratedText"] = Catalogue.fill(t["ticket_rated"] ?? "", with: ["label": t["ticket_rate_\(rating)"] ?? ""])
        }
        // Inside WeChat: one tap per kind of message on WeChat's own page (a one-time subscription each).
        if let rules = site.notices, rules.channels.contains(.wechat), services.settings.wechat != nil,
            WeChatSubscription.isWeChat(userAgent: request.headers[.userAgent]), ["remote", "waiting", "called"].contains(ticket.state)
        {
            let items = [NoticeRules.Kind.near, .called].filter { rules.sends($0, service: ticket.service) }.map { kind in
                ["href": "/t/\(token)/wechat?kind=\(kind.rawValue)", "text": t["ticket_wechat_\(kind.rawValue)"] ?? kind.rawValue]
            }
            if !items.isEmpty { data["wechat"] = ["items": items] }
        }
        if let answer = request.uri.queryParameters.get("wechat") {
            data["wechatAnswer"] = answer == "declined" ? t["ticket_wechat_declined"] : t["ticket_wechat_on"]
        }
        if site.notices != nil, let held = try? await services.store.ticket(.token(token)) {
            let channels = try await services.store.notices.channels(ticket: held.id)
            let chosen = !channels.isEmpty
            data["notices"] = NoticeWords.describe(
                try await services.store.notices.status(ticket: held.id), chosen: chosen,
                phoneMasked: channels.contains(.sms) ? held.phoneMasked : nil, site: site,
                t: t)
        }
        if let error { data["error"] = catalogue.message(for: error) }
        if request.uri.queryParameters.get("confirm") == "cancel", ticket.canCancel {
            data["confirmCancel"] = Catalogue.fill(t["ticket_cancel_question"] ?? "", with: ["number": ticket.number])
        }
        if request.uri.queryParameters.get("late") == "1", ticket.priority == PriorityClass.normal.rawValue { data["lateText"] = t["ticket_late"] }
        if ticket.priority == PriorityClass.appointment.rawValue { data["appointmentText"] = t["ticket_appointment"] }
        data["langValue"] = request.uri.queryParameters.get("lang")
        // Without JavaScript the page offers a refresh link, and reloads itself only when the visitor
        // asks for it (?auto=30 or 120), with links to stop or lengthen it: no timed reload nobody
        // chose (WCAG 2.2.1).
        if ["remote", "waiting", "called", "serving"].contains(ticket.state), data["confirmCancel"] == nil {
            let lang = Self.langQuery(request).dropFirst()
            func href(_ auto: Int?) -> String {
                let query = [auto.map { "auto=\($0)" }, lang.isEmpty ? nil : String(lang)].compactMap { $0 }.joined(separator: "&")
                return "/t/\(token)\(query.isEmpty ? "" : "?" + query)"
            }
            let chosen = request.uri.queryParameters.get("auto").flatMap { Int($0) }.flatMap { Self.refreshChoices.contains($0) ? $0 : nil }
            var refresh: [String: Any] = [
                "href": href(chosen),
                "choices": Self.refreshChoices.filter { $0 != chosen }.map {
                    ["href": href($0), "text": Catalogue.fill(t["ticket_refresh_every"] ?? "", with: ["seconds": String($0)])]
                },
            ]
            if let chosen {
                data["refreshSeconds"] = chosen
                refresh["onText"] = Catalogue.fill(t["ticket_refresh_on"] ?? "", with: ["seconds": String(chosen)])
                refresh["offHref"] = href(nil)
            }
            data["refresh"] = refresh
        }
        return templates.page("ticket", data, status: error?.status ?? .ok)
    }

    /// The reload intervals a visitor without JavaScript may choose on the ticket page, in seconds.
    static let refreshChoices = [30, 120]

    /// What identifies one call of a ticket (its window, its recalls, when): a recall is a new call.
    static func callKey(_ ticket: TicketView) -> String {
        "\(ticket.counter ?? 0)-\(ticket.recallCount)-\(Int(ticket.calledAt?.timeIntervalSince1970 ?? 0))"
    }

    struct CancelForm: Decodable {
        var confirmed: String?
    }

    /// Cancels only once confirmed: the page's script asks first; without it, the page asks
    /// (`?confirm=cancel`) and its own form confirms.
    @Sendable func cancelSubmit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = try context.parameters.require("token")
        let form = try await Self.form(CancelForm.self, request, context)
        // An unknown ticket is refused as such (404), not sent to a question about it.
        _ = try await services.store.ticket(.token(token))
        guard form.confirmed == "yes" else {
            let query = Self.langQuery(request)
            return Response(status: .seeOther, headers: [.location: "/t/\(token)\(query.isEmpty ? "?" : query + "&")confirm=cancel"])
        }
        return try await act(request, token: token) { _ = try await services.store.cancel(.token(token)) }
    }

    struct PresenceForm: Decodable {
        var presence: String?
    }

    @Sendable func checkInSubmit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = try context.parameters.require("token")
        let form = try await Self.form(PresenceForm.self, request, context)
        return try await act(request, token: token) {
            let ticket = try await services.store.ticket(.token(token))
            let site = try await services.board.snapshot(ticket.siteID).site
            if site.rules.presence == .rotating, !services.presence.isValid(form.presence, site: site.id) {
                throw QuhaoError(.presenceRequired)
            }
            _ = try await services.store.checkIn(.token(token))
        }
    }

    struct RatingForm: Decodable {
        var score: Int
    }

    @Sendable func rateSubmit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = try context.parameters.require("token")
        let form = try await Self.form(RatingForm.self, request, context)
        return try await act(request, token: token) { _ = try await services.store.rate(.token(token), score: form.score) }
    }

    /// Runs a form action, then goes back to the ticket page (303), or shows it with the refusal.
    func act(_ request: Request, token: String, _ action: () async throws -> Void) async throws -> Response {
        do {
            try await action()
            try await services.boardHoldsOwnChanges(site: try await services.store.ticket(.token(token)).siteID)
            return Response(status: .seeOther, headers: [.location: "/t/\(token)\(Self.langQuery(request))"])
        } catch let error as QuhaoError where error.code != .ticketNotFound {
            return try await renderTicket(request, token: token, error: error)
        }
    }

    // MARK: - Helpers

    /// The cookie that remembers a hall's current code for a short while (`qh_hall=site.code`).
    static func hallCodeCookie(site: String, code: String, secure: Bool) -> String {
        Cookie(name: "qh_hall", value: "\(site).\(code)", maxAge: 120, path: "/", secure: secure, httpOnly: true, sameSite: .lax).description
    }

    /// The hall code a `qh_hall` cookie holds for a site, if any.
    static func hallCode(_ request: Request, site: String) -> String? {
        guard let value = request.cookies["qh_hall"]?.value, value.hasPrefix("\(site).") else { return nil }
        return String(value.dropFirst(site.count + 1))
    }

    static func langQuery(_ request: Request) -> String {
        request.uri.queryParameters.get("lang").map { "?lang=\($0.lowercased().hasPrefix("en") ? "en" : "zh-CN")" } ?? ""
    }

    /// A 303 to `target` keeping the page's language: the `lang` query goes before any fragment
    /// (`/inspect/i/3?lang=en#item-2.1`, never after it, where a browser would take it for the fragment).
    static func seeOther(_ request: Request, _ target: String) -> Response {
        let language = langQuery(request).dropFirst()
        let parts = target.split(separator: "#", maxSplits: 1).map(String.init)
        var path = parts[0]
        if !language.isEmpty { path += (path.contains("?") ? "&" : "?") + language }
        return Response(status: .seeOther, headers: [.location: path + (parts.count > 1 ? "#" + parts[1] : "")])
    }

    /// Decodes an `application/x-www-form-urlencoded` body.
    static func form<T: Decodable>(_ type: T.Type, _ request: Request, _ context: AppRequestContext) async throws -> T {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        do {
            return try URLEncodedFormDecoder().decode(type, from: String(buffer: buffer))
        } catch {
            throw QuhaoError(.requestInvalid, ["reason": "表单缺少必填内容", "reason@en": "the form does not have the expected fields"])
        }
    }
}

extension PublicPages {
    /// The reminder box's words for a business type: what it will be texted (found by a walk: a
    /// type that sends only the call still promised "快到我时、叫到我时各发一条").
    static func smsLabel(_ rules: NoticeRules, service: String, _ t: [String: String]) -> String {
        let parts = [(NoticeRules.Kind.taken, "take_sms_taken"), (.near, "take_sms_near"), (.called, "take_sms_called")]
            .filter { rules.sends($0.0, service: service) }.map { t[$0.1] ?? "" }
        return Catalogue.fill(
            t[parts.count > 1 ? "take_sms_each" : "take_sms_one"] ?? "", with: ["when": parts.joined(separator: t["take_sms_and"] ?? "、")])
    }
}
