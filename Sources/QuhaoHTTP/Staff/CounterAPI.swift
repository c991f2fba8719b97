import Foundation
import Hummingbird
import LiveBoard
import Printing
import QuhaoCore
import QuhaoStore

/// A window's console and actions under `/api/v1/counters/{site}/{counter}`. Signed-in staff
/// (or a bearer token) only, and only at the windows they are bound to (admins anywhere).
struct CounterAPI {
    let services: AppDependencies

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get(":site/:counter", use: console)
        for action in Action.allCases { routes.post(":site/:counter/\(action.rawValue)", use: handler(action)) }
        return routes
    }

    enum Action: String, CaseIterable {
        case callNext = "call-next"
        /// Call a given number out of turn.
        case call
        case recall, start, complete
        case noShow = "no-show"
        case transfer, pause, resume
        /// Take a number on a visitor's behalf (no phone), channel `staff`.
        case issue
        /// Print an open ticket's slip again (`number`): the first did not come out, or was lost.
        case reprint
    }

    /// Optional body: the ticket the console believes the window holds (a retried or stale
    /// click is refused with `ticket.stale` instead of acting on another ticket), the target of
    /// a transfer, the number to call.
    struct Body: Decodable {
        var expecting: Int64?
        var service: String?
        var number: String?
    }

    /// What staff enter to take a number for a visitor.
    struct IssueBody: Decodable {
        var service: String
        var identity: String?
        var phone: String?
        var priority: PriorityClass?
        /// Accept a well-formed USCC whose check character fails (old certificates); logged.
        var identityOverride: Bool?

        enum CodingKeys: String, CodingKey {
            case service, identity, phone, priority
            case identityOverride = "identity_override"
        }
    }

    struct Issued: Encodable {
        let token: String
        let url: String
        let ticket: StaffTicketView
        let printing: String?
        let printingMessage: String?

        enum CodingKeys: String, CodingKey {
            case token, url, ticket, printing
            case printingMessage = "printing_message"
        }
    }

    /// A reprint's answer.
    struct Reprinted: Encodable {
        let number: String
        let printing: String
        let printingMessage: String

        enum CodingKeys: String, CodingKey {
            case number, printing
            case printingMessage = "printing_message"
        }
    }

    /// What became of a slip, in the staff member's language (`nil`: no printer).
    static func printingMessage(_ outcome: PrintSpooler.Outcome?, _ language: Language) -> String? {
        guard let outcome else { return nil }
        let catalogue = Catalogue.of(language)
        let reason = outcome.problem.map { language == .en ? $0.en : $0.zh } ?? ""
        return Catalogue.fill(
            catalogue.template("ui.staff.printing_\(outcome.problem == nil ? outcome.code : "failed")") ?? "", with: ["reason": reason])
    }

    /// The console's state, from the live snapshot, with ETag and `?wait=N` long-polling like the board.
    @Sendable func console(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (site, counter) = try Self.window(context)
        _ = try await StaffAuth.require(request, services: services, site: site, counter: counter)
        let wait = try PublicAPI.wait(request)
        let known = request.headers[.ifNoneMatch]
        if let known, let wait, wait > 0 {
            // The board's part of the console's ETag: what a long-poll waits on.
            try await services.waitWhileCurrent(site, etag: Self.boardETag(of: known), timeout: .seconds(wait))
        }
        let snapshot = try await services.board.snapshot(site)
        guard let view = CounterConsoleView(snapshot.day, counter: counter, now: services.clock.now()) else {
            throw QuhaoError(.counterNotFound, ["counter": String(counter)])
        }
        // Today's bookings of the window's business types: read per request (a booking touches
        // no ticket, so the board does not move for it); their fingerprint joins the ETag, so a
        // console sees a new booking at its next poll at the latest.
        let bookings = try await services.consoleBookings(site: snapshot.site, services: view.counter.services)
        // A printer's trouble: its last failure, until a ticket prints again, whichever daemon drove
        // the printer (read per request, like the bookings, and part of the ETag).
        let problem = snapshot.site.printer == nil ? nil : await services.printing.status(site: site)?.problem
        // Whether the called visitor was reached, and how (read per request, part of the ETag):
        // staff know whether to wait or mark a no-show.
        let reminder = try await reminder(for: view.current, site: snapshot.site, language: request.language)
        var parts: [String] = []
        if !bookings.isEmpty { parts.append("b\(Self.fingerprint(bookings))") }
        if let problem { parts.append("p\(Self.fingerprint([problem.en]))") }
        if let reminder { parts.append("n\(Self.fingerprint(reminder))") }
        let etag = Self.consoleETag(board: snapshot.etag, parts)
        if known == etag { return PublicAPI.notModified(etag) }
        let body = try JSON.encoder.encode(
            ConsoleAnswer(
                view: view, bookings: bookings.isEmpty ? nil : bookings,
                printerProblem: problem.map { request.language == .en ? $0.en : $0.zh }, reminder: reminder))
        return JSON.response(body, etag: etag, headers: [.cacheControl: "no-store"])
    }

    /// The messages of the ticket a window holds, in words (`nil`: its site sends none).
    struct Reminder: Codable {
        let ticket: Int64
        let text: String
        let reached: Bool
    }

    func reminder(for current: StaffTicketView?, site: Site, language: Language) async throws -> Reminder? {
        guard let current, site.notices != nil else { return nil }
        let (t, _) = Templates.strings(language)
        let chosen = try await !services.store.notices.channels(ticket: current.id).isEmpty
        guard
            let words = NoticeWords.describe(
                try await services.store.notices.status(ticket: current.id), chosen: chosen, phoneMasked: nil, site: site, t: t)
        else { return nil }
        let text = [words["last"] as? String, words["none"] as? String].compactMap { $0 }.joined()
        return Reminder(
            ticket: current.id, text: text.isEmpty ? (t["notice_state_pending"] ?? "") : text, reached: words["reached"] as? Bool ?? false)
    }

    /// The console's JSON: the view and, beside its keys, what is read per request.
    struct ConsoleAnswer: Encodable {
        let view: CounterConsoleView
        let bookings: [ConsoleBookingSlot]?
        let printerProblem: String?
        let reminder: Reminder?

        enum CodingKeys: String, CodingKey { case bookings, printerProblem, reminder }

        func encode(to encoder: any Encoder) throws {
            try view.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(bookings, forKey: .bookings)
            try container.encodeIfPresent(printerProblem, forKey: .printerProblem)
            try container.encodeIfPresent(reminder, forKey: .reminder)
        }
    }

    /// A short stable hash of the bookings' summary (FNV-1a over its JSON).
    /// The console's ETag: the board's, with what is read per request joined inside its quotes
    /// (`"boot-19.b1x.n2y"`; found by a walk: the parts outside the quotes made every long-poll
    /// answer 304 at once, a console polling dozens of times a second).
    static func consoleETag(board: String, _ parts: [String]) -> String {
        guard !parts.isEmpty else { return board }
        let inner = board.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        return "\"" + ([inner] + parts).joined(separator: ".") + "\""
    }

    /// The board's ETag within a console's (a bootID and a version never hold a dot).
    static func boardETag(of console: String) -> String {
        let inner = console.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        return "\"" + (inner.split(separator: ".", maxSplits: 1).first.map(String.init) ?? inner) + "\""
    }

    static func fingerprint(_ value: some Encodable) -> String {
        let data = (try? JSON.encoder.encode(value)) ?? Data()
        let hash = data.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
        return String(hash, radix: 36)
    }

    func handler(_ action: Action) -> @Sendable (Request, AppRequestContext) async throws -> Response {
        { request, context in
            let (site, counter) = try Self.window(context)
            let by = try await StaffAuth.require(request, services: services, site: site, counter: counter).initiator
            let store = services.store
            if action == .issue {
                return try await issue(request, context, site: site, by: by)
            }
            if action == .reprint {
                return try await reprint(request, context, site: site)
            }
            let body = try await PublicAPI.optionalBody(Body.self, request, context) ?? Body()
            let expecting = body.expecting
            let ticket: Ticket
            var alreadyHeld = false
            switch action {
            case .callNext:
                let called = try await store.callNext(site: site, counter: counter, by: by)
                (ticket, alreadyHeld) = (called.ticket, called.alreadyHeld)
            case .call:
                guard let number = body.number else {
                    throw QuhaoError(.requestInvalid, ["reason": "按号叫号需要提供号码（number）", "reason@en": "a call by number needs \"number\""])
                }
                let called = try await store.callTicket(site: site, counter: counter, number: number, by: by)
                (ticket, alreadyHeld) = (called.ticket, called.alreadyHeld)
            case .recall: ticket = try await store.recall(site: site, counter: counter, expecting: expecting, by: by)
            case .start: ticket = try await store.start(site: site, counter: counter, expecting: expecting, by: by)
            case .complete: ticket = try await store.complete(site: site, counter: counter, expecting: expecting, by: by)
            case .noShow: ticket = try await store.markNoShow(site: site, counter: counter, expecting: expecting, by: by)
            case .transfer:
                guard let target = body.service else {
                    throw QuhaoError(.requestInvalid, ["reason": "转移需要指定业务类型（service）", "reason@en": "a transfer needs \"service\""])
                }
                ticket = try await store.transfer(site: site, counter: counter, to: target, expecting: expecting, by: by)
            case .pause, .resume:
                if action == .pause {
                    try await store.pause(site: site, counter: counter, by: by)
                } else {
                    try await store.resume(site: site, counter: counter, by: by)
                }
                return try JSON.response(["counter": String(counter), "status": action == .pause ? "paused" : "open"])
            case .issue, .reprint: preconditionFailure("handled above")
            }
            // Neither a refresh nor a wait for the live board here: staff answers come from the
            // store; phones and displays learn of the change through the commit hook, a moment later.
            let definition = try await store.site(site)
            return try JSON.response(StaffTicketView(ticket, site: definition, now: services.clock.now(), alreadyHeld: alreadyHeld))
        }
    }

    /// Takes a number for a visitor at the window: no device, no presence code, the override logged.
    func issue(_ request: Request, _ context: AppRequestContext, site: String, by: Initiator) async throws -> Response {
        let body = try await request.decode(as: IssueBody.self, context: context)
        if body.priority == .appointment {
            throw QuhaoError(
                .requestInvalid, ["reason": "预约号由预约系统产生，不能在窗口取", "reason@en": "appointments come from the booking system, not the window"])
        }
        let ticket = try await services.store.issue(
            IssueRequest(
                siteID: site, service: body.service, identity: body.identity, phone: body.phone, priority: body.priority ?? .normal,
                channel: .staff, identityOverride: body.identityOverride ?? false),
            by: by)
        let definition = try await services.store.site(site)
        // Like every staff answer, from the store: no wait for the live board (the slip's
        // "people ahead" is read from the store when the board does not hold the ticket yet).
        let printed = try await services.print(ticket, site: definition)
        return try JSON.response(
            Issued(
                token: ticket.token, url: services.ticketURL(ticket.token),
                ticket: StaffTicketView(ticket, site: definition, now: services.clock.now()), printing: printed?.code,
                printingMessage: Self.printingMessage(printed, request.language)),
            status: .created)
    }

    /// Prints an open ticket of today's again, and says whether it came out.
    func reprint(_ request: Request, _ context: AppRequestContext, site: String) async throws -> Response {
        let body = try await PublicAPI.optionalBody(Body.self, request, context) ?? Body()
        guard let number = body.number, !number.isEmpty else {
            throw QuhaoError(.requestInvalid, ["reason": "补打号票需要提供号码（number）", "reason@en": "a reprint needs \"number\""])
        }
        let definition = try await services.store.site(site)
        guard definition.printer != nil else { throw QuhaoError(.printerNotConfigured) }
        let ticket = try await services.store.ticket(.number(site: site, number.uppercased()))
        guard !ticket.state.isFinal else { throw QuhaoError(.ticketReprintNotOpen, ["number": ticket.number.description]) }
        guard let printed = try await services.print(ticket, site: definition) else { throw QuhaoError(.printerNotConfigured) }
        // Printing is all a reprint does: when it did not happen, the answer is a refusal (503), not a 200.
        if let problem = printed.problem {
            throw QuhaoError(.printerFailed, ["number": ticket.number.description, "reason": problem.zh, "reason@en": problem.en])
        }
        return try JSON.response(
            Reprinted(
                number: ticket.number.description, printing: printed.code,
                printingMessage: Self.printingMessage(printed, request.language) ?? ""))
    }

    static func window(_ context: AppRequestContext) throws -> (site: String, counter: Int) {
        (try context.parameters.require("site"), try context.parameters.require("counter", as: Int.self))
    }
}
