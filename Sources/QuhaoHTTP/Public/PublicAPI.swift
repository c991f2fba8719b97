import Foundation
import Hummingbird
import LiveBoard
import Logging
import Presence
import Printing
import QuhaoCore
import QuhaoStore
import ServiceLifecycle
import Speech

/// What the routes share.
struct AppDependencies: Sendable {
    let settings: AppSettings
    let store: TicketStore
    let board: LiveBoard
    let presence: PresenceCodes
    let issueLimiter: RateLimiter
    let clock: any QuhaoClock
    let random: RandomSource
    /// Spoken calls for the hall displays.
    let speech: SpeechSynthesizer
    /// Paper tickets (staff's F9) for the sites with a printer.
    let printing: PrintSpooler
    /// Messages for the page a refused form redirects to.
    let flash: FormFlash
    /// The application's log (what a handler notes beyond its request line).
    var logger = Logger(label: "quhao")
    /// Photo uploads read at once (``UploadGate``).
    let uploads = UploadGate()

    /// The public address of a ticket's page.
    func ticketURL(_ token: String) -> String { PublicLinks.ticket(token, base: settings.publicURL) }

    /// The public address the hall QR carries: with the current code when the site rotates codes.
    func hallURL(_ site: Site) -> String {
        let base = "\(settings.publicURL)/s/\(site.id)"
        return site.rules.presence == .rotating ? "\(base)?p=\(presence.current(site: site.id))" : base
    }

    /// What a hall display's QR should carry now, and for how many seconds: until the code
    /// rotates (the previous code stays valid one more window), or five minutes for a fixed address.
    func hallCode(_ site: Site) -> (url: String, refreshIn: Int) {
        (hallURL(site), site.rules.presence == .rotating ? presence.secondsLeft() : 300)
    }

    /// Whether a ticket taken now with this code is in the hall or remote; refuses when remote is not allowed.
    func isRemote(site: Site, code: String?) throws -> Bool {
        guard site.rules.presence == .rotating, !presence.isValid(code, site: site.id) else { return false }
        guard site.rules.allowRemote else { throw QuhaoError(.presenceRequired) }
        return true
    }

    /// How long a handler waits for the board to hold its own change before it answers without it.
    static let boardWaitDeadline = Duration.seconds(2)

    /// Returns once the live board holds every change this daemon committed for the site so far
    /// (this request's among them): the store's commit hook is what moves the board; a handler
    /// only waits for it, never rebuilds (DESIGN.md decision 11). Past ``boardWaitDeadline``, or
    /// when the rebuild failed, it returns `false` (and says so in the log): the change is
    /// committed, so the handler answers from what its command returned and never reports it as
    /// failed (a visitor's retry would then be refused as holding a number already).
    @discardableResult
    func boardHoldsOwnChanges(site siteID: String, logger: Logger? = nil) async -> Bool {
        let held = await board.holds(siteID, sequence: store.commitSequence(site: siteID), within: Self.boardWaitDeadline)
        if !held {
            (logger ?? self.logger).warning(
                "the board did not take a committed change in time; answered from the command's result", metadata: ["site": "\(siteID)"])
        }
        return held
    }

    /// Takes a number for a visitor's phone.
    func take(site siteID: String, form: TakeForm, device: String, client: String, language: Language) async throws -> Ticket {
        let channels = try form.channels()
        try issueLimiter.take(client)
        let site = try await board.snapshot(siteID).site
        let remote = try isRemote(site: site, code: form.presence)
        let ticket = try await issueLimiter.refundingMistakes(client) {
            try await store.issue(
                IssueRequest(
                    siteID: siteID, service: form.service ?? "", identity: form.identity, phone: form.phone, channel: .phone, remote: remote,
                    device: device, notify: channels, language: language))
        }
        await boardHoldsOwnChanges(site: siteID)
        return ticket
    }

    /// Prints a paper ticket when the site has a printer (staff's F9 and reprint, the kiosk) and
    /// waits for the printer to take it (at most one job's time limit, and a little more), so the
    /// answer says whether the slip came out; `nil` without a printer.
    /// The slip says how many are ahead: from the board when it holds the ticket (the kiosk
    /// waited for it), else from the store (staff never wait for the board).
    func print(_ ticket: Ticket, site: Site) async throws -> PrintSpooler.Outcome? {
        guard let printer = site.printer else { return nil }
        let fromBoard = (try? await board.snapshot(site.id))?.tickets[ticket.token]?.view.peopleAhead
        let ahead: Int
        if let fromBoard { ahead = fromBoard } else { ahead = try await store.position(of: .id(ticket.id)).peopleAhead }
        let slip = TicketSlip(
            site: site, number: ticket.number.description, serviceID: ticket.serviceID,
            peopleAhead: ahead, takenAt: ticket.issuedAt, url: ticketURL(ticket.token))
        return await printing.print(site: site.id, slip: slip, settings: printer, within: printing.patience)
    }

    /// Waits for a site to change, but never past the start of a graceful shutdown: a stopping
    /// daemon answers its long-polls at once instead of holding the shutdown for their timeout.
    ///
    /// A registered handler, not `cancelWhenGracefulShutdown`: that costs a child task per
    /// waiting phone, and 10,000 of them are expected.
    ///
    /// Nothing but the site and version is held while waiting (not a snapshot): with thousands
    /// of phones parked, every byte of a waiting request counts.
    func waitForChange(_ siteID: String, from version: UInt64, timeout: Duration) async {
        await withGracefulShutdownHandler {
            await board.waitForChange(siteID, from: version, timeout: timeout)
        } onGracefulShutdown: { [board] in
            board.close()
        }
    }

    /// Waits, when `etag` is the site's current ETag, until it changes or `timeout` passes.
    func waitWhileCurrent(_ siteID: String, etag: String, timeout: Duration) async throws {
        try await buildBoard(siteID)
        guard let version = board.version(siteID, ifETag: etag) else { return }
        await waitForChange(siteID, from: version, timeout: timeout)
    }

    /// Makes sure a site's snapshot is built (so it has a version to wait on).
    private func buildBoard(_ siteID: String) async throws {
        _ = try await board.snapshot(siteID)
    }

    /// The view of a ticket: from the live snapshot when it is today's, else from the database.
    /// - Parameter fromBoard: `false` to read the store (the board did not take a change yet).
    func ticketView(_ token: String, fromBoard: Bool = true) async throws -> (
        view: TicketView, json: Data, etag: String?, version: UInt64?, site: String?
    ) {
        if fromBoard, let (snapshot, entry) = board.ticket(token) {
            return (entry.view, entry.json, entry.etag, snapshot.version, snapshot.board.site.id)
        }
        let ticket = try await store.ticket(.token(token))
        let site = try await store.site(ticket.siteID)
        let rating = try await store.rating(of: .token(token))?.score
        let view = TicketView(ticket, site: site, peopleAhead: nil, estimatedWait: nil, rating: rating)
        return (view, try JSON.encoder.encode(view), nil, nil, nil)
    }
}

/// The form a visitor fills in (JSON body or HTML form).
struct TakeForm: Codable, Sendable {
    var service: String?
    var identity: String?
    var phone: String?
    /// The rotating code from the hall QR (`p`).
    var presence: String?
    /// The channels the visitor chose for messages, comma-separated (`sms`); none unless chosen.
    var notify: String?

    /// The channels chosen; an unknown name is refused in words.
    func channels() throws -> Set<NoticeChannel> {
        var chosen: Set<NoticeChannel> = []
        for name in (notify ?? "").split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let channel = NoticeChannel(rawValue: name) else {
                throw QuhaoError(
                    .requestInvalid,
                    ["reason": "notify 只能是 sms（短信提醒）", "reason@en": "notify must be sms (text reminders)"])
            }
            chosen.insert(channel)
        }
        return chosen
    }
}

/// The take-over form: what was typed to take the number, and the texted code.
struct TakeOverForm: Decodable, Sendable {
    var take: TakeForm
    var code: String?

    enum CodingKeys: String, CodingKey { case code }

    init(from decoder: any Decoder) throws {
        take = try TakeForm(from: decoder)
        code = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(String.self, forKey: .code)
    }
}

enum JSON {
    static var encoder: JSONEncoder { JSONEncoder.quhao }

    static func response(_ data: Data, status: HTTPResponse.Status = .ok, etag: String? = nil, headers extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-cache"]
        if let etag { headers[.eTag] = etag }
        // Extra fields replace the defaults (a `Cache-Control: no-store` must not sit beside `no-cache`).
        for field in extra where field.name != .setCookie { headers[field.name] = field.value }
        headers.append(contentsOf: extra.filter { $0.name == .setCookie })
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        response(try encoder.encode(value), status: status, headers: headers)
    }
}

/// `/api/v1`: the visitor's and the display's JSON.
struct PublicAPI {
    let services: AppDependencies

    /// Longest long-poll, seconds.
    static let maxWait = 30

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get("sites", use: sites)
        routes.get("sites/:site", use: site)
        routes.get("sites/:site/board", use: board)
        routes.post("sites/:site/tickets", use: take)
        routes.get("tickets/:token", use: ticket)
        routes.post("tickets/:token/cancel", use: cancel)
        routes.post("tickets/:token/checkin", use: checkIn)
        routes.post("tickets/:token/rating", use: rate)
        return routes
    }

    struct SiteSummary: Encodable {
        let id: String
        let name: String
        let nameEn: String?
        let kind: String
        let url: String
    }

    @Sendable func sites(_ request: Request, context: AppRequestContext) async throws -> Response {
        var list: [SiteSummary] = []
        for id in try await services.store.siteIDs() {
            let site = try await services.store.site(id)
            list.append(
                SiteSummary(
                    id: id, name: site.name.zh, nameEn: site.name.en, kind: site.kind.rawValue, url: "\(services.settings.publicURL)/s/\(id)"))
        }
        return try JSON.response(["sites": list])
    }

    struct SiteDetail: Encodable {
        let site: BoardView.SiteHeader
        let services: [BoardView.ServiceView]
    }

    @Sendable func site(_ request: Request, context: AppRequestContext) async throws -> Response {
        let snapshot = try await services.board.snapshot(try context.parameters.require("site"))
        return try JSON.response(SiteDetail(site: snapshot.board.site, services: snapshot.board.services))
    }

    /// The board, with ETag / If-None-Match (304) and `?wait=N` long-polling.
    @Sendable func board(_ request: Request, context: AppRequestContext) async throws -> Response {
        let siteID = try context.parameters.require("site")
        let wait = try Self.wait(request)
        let known = request.headers[.ifNoneMatch]
        if let known, let wait, wait > 0 {
            try await services.waitWhileCurrent(siteID, etag: known, timeout: .seconds(wait))
        }
        let snapshot = try await services.board.snapshot(siteID)
        if known == snapshot.etag { return Self.notModified(snapshot.etag) }
        return JSON.response(snapshot.boardJSON, etag: snapshot.etag)
    }

    struct Taken: Encodable {
        let token: String
        let url: String
        let ticket: TicketView
    }

    @Sendable func take(_ request: Request, context: AppRequestContext) async throws -> Response {
        let siteID = try context.parameters.require("site")
        let form = try await request.decode(as: TakeForm.self, context: context)
        let (device, cookie) = Self.device(request, random: services.random, secure: services.settings.isHTTPS)
        let ticket = try await services.take(site: siteID, form: form, device: device, client: context.clientKey, language: request.language)
        let view = try await services.ticketView(ticket.token).view
        var headers: HTTPFields = [.location: "/api/v1/tickets/\(ticket.token)"]
        if let cookie { headers[.setCookie] = cookie.description }
        return try JSON.response(Taken(token: ticket.token, url: services.ticketURL(ticket.token), ticket: view), status: .created, headers: headers)
    }

    /// One ticket, from memory, with ETag / If-None-Match (304) and `?wait=N` long-polling.
    @Sendable func ticket(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = try context.parameters.require("token")
        let known = request.headers[.ifNoneMatch]
        if let wait = try Self.wait(request), wait > 0, let known {
            let deadline = ContinuousClock.now + .seconds(wait)
            // Only the site and version are held while waiting; the view is read after.
            while let (site, version) = services.board.version(ofTicket: token, ifETag: known), ContinuousClock.now < deadline {
                await services.waitForChange(site, from: version, timeout: deadline - ContinuousClock.now)
                // Stopping, or the client left: answer now rather than wait out the deadline.
                if Task.isShuttingDownGracefully || Task.isCancelled { break }
            }
        }
        let current = try await services.ticketView(token)
        if let etag = current.etag, etag == known { return Self.notModified(etag) }
        return JSON.response(current.json, etag: current.etag)
    }

    @Sendable func cancel(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = try context.parameters.require("token")
        _ = try await services.store.cancel(.token(token))
        return try await fresh(token)
    }

    struct CheckInBody: Decodable {
        var presence: String?
    }

    @Sendable func checkIn(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = try context.parameters.require("token")
        let body = try await Self.optionalBody(CheckInBody.self, request, context) ?? CheckInBody()
        let ticket = try await services.store.ticket(.token(token))
        let site = try await services.store.site(ticket.siteID)
        // Checking in is proving presence: a rotating site needs a current code.
        if site.rules.presence == .rotating, !services.presence.isValid(body.presence, site: site.id) {
            throw QuhaoError(.presenceRequired)
        }
        _ = try await services.store.checkIn(.token(token))
        return try await fresh(token)
    }

    struct RatingBody: Decodable {
        var score: Int
    }

    @Sendable func rate(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = try context.parameters.require("token")
        let body = try await request.decode(as: RatingBody.self, context: context)
        _ = try await services.store.rate(.token(token), score: body.score)
        return try await fresh(token)
    }

    // MARK: - Helpers

    /// The ticket's view straight after a change, once the live board holds the change (the same
    /// JSON and ETag the next poll gets).
    /// When the board did not take the change in time, the view is read from the store (no ETag:
    /// the next poll gets the board's).
    func fresh(_ token: String) async throws -> Response {
        let held = await services.boardHoldsOwnChanges(site: try await services.store.ticket(.token(token)).siteID)
        let current = try await services.ticketView(token, fromBoard: held)
        return JSON.response(current.json, etag: current.etag)
    }

    /// `?wait=N`: seconds to hold a poll, at most ``maxWait``; anything but a whole number ≥ 0 is `request.invalid`.
    static func wait(_ request: Request) throws -> Int? {
        guard let text = request.uri.queryParameters.get("wait") else { return nil }
        guard let seconds = Int(text), seconds >= 0 else {
            throw QuhaoError(
                .requestInvalid, ["reason": "wait 应为 0–\(maxWait) 的整数秒", "reason@en": "wait must be a whole number of seconds, 0…\(maxWait)"])
        }
        return min(seconds, maxWait)
    }

    static func notModified(_ etag: String) -> Response {
        Response(status: .notModified, headers: [.eTag: etag, .cacheControl: "no-cache"])
    }

    /// Decodes a JSON body when there is one.
    static func optionalBody<T: Decodable>(_ type: T.Type, _ request: Request, _ context: AppRequestContext) async throws -> T? {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        guard buffer.readableBytes > 0 else { return nil }
        return try await context.requestDecoder.decode(type, from: request, context: context)
    }

    /// The phone's device id from its cookie, or a new one with the cookie to set.
    static func device(_ request: Request, random: RandomSource, secure: Bool) -> (String, Cookie?) {
        if let existing = request.cookies["qh_device"]?.value, existing.count >= 16, existing.count <= 64 { return (existing, nil) }
        let id = random.token()
        return (id, Cookie(name: "qh_device", value: id, maxAge: 400 * 86_400, path: "/", secure: secure, httpOnly: true, sameSite: .lax))
    }
}

extension AppSettings {
    var isHTTPS: Bool { publicURL.hasPrefix("https://") }
}
