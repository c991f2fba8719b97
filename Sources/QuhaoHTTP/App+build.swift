import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import LiveBoard
import Logging
import NIOCore
import Presence
import Printing
import QuhaoCore
import QuhaoStore
import ServiceLifecycle
import Speech
import Synchronization

/// What the HTTP application needs from outside.
public struct AppSettings: Sendable {
    public var host: String
    public var port: Int
    /// Where phones reach the daemon (QR codes carry it), without a trailing slash.
    public var publicURL: String
    /// Seconds a rotating presence code lasts.
    public var presenceWindow: Int
    /// Numbers one client may take in a burst, and how fast that allowance comes back.
    public var issueBurst: Int
    public var issueRefillPerSecond: Double
    /// The speech command for spoken calls, resolved (``SpeechSynthesizer/resolve(configured:searchPath:)``);
    /// `nil`: the chime only.
    public var speechCommand: String?
    /// Where spoken calls are kept once made; `nil`: nowhere (made again each time).
    public var speechCache: String?
    /// Seconds a connection may stay silent (unfinished headers, idle keep-alive).
    public var idleTimeoutSeconds: Int
    /// Connections per client address; 0: no cap.
    public var maxConnectionsPerAddress: Int
    /// Where uploaded photos are kept (`<data>/evidence` beside the database); `nil`: a folder in the temporary directory.
    public var evidenceDirectory: String?
    /// Days a ticket's personal data is kept (``StoreOperations/purgePersonalData(olderThanDays:)``, run at start and each new day).
    public var personalDataDays: Int
    /// Files the daemon holds besides the database (its lock): `/readyz` fails when one is no longer at its path.
    public var heldFiles: [HeldFile]
    /// HTTPS: the certificate served (reloaded on SIGHUP); `nil`: plain HTTP.
    public var tls: TLSCertificates?
    /// The reverse proxies whose `Forwarded`/`X-Forwarded-For` is believed (rate limits, connection caps, bookings).
    public var trustedProxies: TrustedProxies
    /// How often the request log sums up the polls it does not log one by one (see ``PollTally``).
    public var pollSummaryInterval: Duration
    /// How long a window waits to hear its slip came out (`nil`: the spooler's own, ``PrintSpooler/patience``).
    public var printPatience: Duration?
    /// The WeChat official account's one-time subscription (`notify.wechat`), for the ticket page's consent; `nil`: none.
    public var wechat: WeChatSubscription?

    public init(
        host: String, port: Int, publicURL: String, presenceWindow: Int = 60, issueBurst: Int = 5, issueRefillPerSecond: Double = 1.0 / 30,
        speechCommand: String? = nil, speechCache: String? = nil, idleTimeoutSeconds: Int = 10, maxConnectionsPerAddress: Int = 256,
        evidenceDirectory: String? = nil, personalDataDays: Int = 30, heldFiles: [HeldFile] = [], tls: TLSCertificates? = nil,
        trustedProxies: TrustedProxies = TrustedProxies(), pollSummaryInterval: Duration = .seconds(60), printPatience: Duration? = nil,
        wechat: WeChatSubscription? = nil
    ) {
        self.printPatience = printPatience
        self.wechat = wechat
        self.host = host
        self.port = port
        self.publicURL = publicURL
        self.presenceWindow = presenceWindow
        self.issueBurst = issueBurst
        self.issueRefillPerSecond = issueRefillPerSecond
        self.speechCommand = speechCommand
        self.speechCache = speechCache
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
        self.evidenceDirectory = evidenceDirectory
        self.personalDataDays = personalDataDays
        self.heldFiles = heldFiles
        self.tls = tls
        self.trustedProxies = trustedProxies
        self.pollSummaryInterval = pollSummaryInterval
    }

    /// The photo store for these settings.
    var evidence: EvidenceFiles {
        EvidenceFiles(
            directory: evidenceDirectory.map { URL(fileURLWithPath: $0) }
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("quhao-evidence"))
    }
}

/// Builds the daemon's application: routes, the live board and the background housekeeping.
/// - Parameters:
///   - settings: Address, public URL, limits.
///   - store: The ticket store.
///   - clock: The source of "now".
///   - random: The source of tokens (device cookies, boot id).
///   - logger: The application's logger.
///   - services: Further long-running work to run and stop with the server (the executable's config reloader).
///   - boardServices: Further work that follows the live board (the executable's console board for
///     `serve --display`, and the messages' planner, which reads the board's day), given the board
///     and the hall's rotating QR address.
///   - board: The live board to serve from; by default one over `store` (tests pass theirs to watch it).
///   - metrics: Where `/metrics` reads from; give the store ``ServerMetrics/store`` when opening it so its counts land there too.
///   - onServerRunning: Called once the socket is listening (the executable prints the address).
public func buildApplication(
    settings: AppSettings, store: TicketStore, clock: any QuhaoClock, random: RandomSource = .system, logger: Logger,
    services: [any ServiceLifecycle.Service] = [],
    boardServices: (LiveBoard, _ hallCode: @escaping @Sendable (Site) -> HallCode) -> [any ServiceLifecycle.Service] = { _, _ in [] },
    board: LiveBoard? = nil,
    metrics: ServerMetrics = ServerMetrics(),
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let board = board ?? LiveBoard(bootID: random.token(byteCount: 6)) { try await store.siteDay(site: $0, updating: $1, changes: $2) }
    store.onCommit { board.invalidate($0, changes: $1, through: $2) }
    let shared = AppDependencies(
        settings: settings, store: store, board: board,
        presence: PresenceCodes(store: store, clock: clock, window: settings.presenceWindow),
        issueLimiter: RateLimiter(capacity: settings.issueBurst, refillPerSecond: settings.issueRefillPerSecond, clock: clock), clock: clock,
        random: random,
        speech: try SpeechSynthesizer(command: settings.speechCommand, cacheDirectory: settings.speechCache.map { URL(fileURLWithPath: $0) }),
        printing: PrintSpooler(store: store, clock: clock, patience: settings.printPatience), flash: FormFlash(clock: clock, random: random),
        logger: logger)
    // A printer's trouble reaches the window's console through the board's next version (and the log).
    shared.printing.onStatus { [board] site, status in
        if let problem = status.problem {
            logger.error("ticket printer failed", metadata: ["site": "\(site)", "problem": "\(problem.en)"])
        }
        board.invalidate(site)
    }
    let connections = ConnectionsPerAddress(limit: settings.maxConnectionsPerAddress, trusted: settings.trustedProxies, logger: logger)
    let idleTimeout = TimeAmount.seconds(Int64(settings.idleTimeoutSeconds))
    let http1: HTTPServerBuilder = .http1(
        configuration: .init(
            // The guard keeps the idle timeout (see there: Hummingbird's own would cut parked polls).
            additionalChannelHandlers: [
                ConnectionGuard(addresses: connections, idleTimeout: idleTimeout),
                LongPollParking(board: board, maxWait: PublicAPI.maxWait),
            ],
            idleTimeout: nil))
    let polls = PollTally()
    var app = Application(
        router: buildRouter(shared, templates: try Templates(), logger: logger, metrics: metrics, polls: polls),
        // HTTPS when the hall has no proxy in front: Hummingbird's TLS channel around the same HTTP/1.
        server: try settings.tls.map { try .tls(http1, tlsConfiguration: $0.configuration) } ?? http1,
        // A hall's phones arrive in bursts (a queue of people scanning at once): a longer accept
        // queue than the default 256, so a burst is not met with dropped SYNs and one-second retries.
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "quhao", backlog: 2048),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
        logger: logger)
    app.addServices(
        SignInWarmUp(), LiveBoardService(board: board, store: store), ExternalChanges(board: board, store: store),
        Housekeeping(store: store, clock: clock, logger: logger, personalDataDays: settings.personalDataDays),
        PrintingService(spooler: shared.printing), PollSummary(tally: polls, interval: settings.pollSummaryInterval, logger: logger))
    app.addServices(services)
    app.addServices(boardServices(board) { [shared] in shared.hallCode($0) })
    return app
}

/// The hall's take-a-number address with its current presence code, and the seconds until the code rotates.
public typealias HallCode = (url: String, refreshIn: Int)

/// Every route as `METHOD /path` (`GET /api/v1/tickets/{token}`): for the tests that keep the
/// OpenAPI description and the access rules true.
public func routeTable(store: TicketStore, clock: any QuhaoClock) throws -> [String] {
    let settings = AppSettings(host: "127.0.0.1", port: 0, publicURL: "http://127.0.0.1")
    let services = AppDependencies(
        settings: settings, store: store, board: LiveBoard(bootID: "routes") { try await store.siteDay(site: $0, updating: $1, changes: $2) },
        presence: PresenceCodes(store: store, clock: clock), issueLimiter: RateLimiter(capacity: 1, refillPerSecond: 1, clock: clock),
        clock: clock, random: .system, speech: try SpeechSynthesizer(command: nil, cacheDirectory: nil),
        printing: PrintSpooler(store: store, clock: clock),
        flash: FormFlash(clock: clock, random: .system))
    return buildRouter(services, templates: try Templates(), logger: Logger(label: "routes"), metrics: ServerMetrics()).routes.map {
        "\($0.method) \($0.path)"
    }.sorted()
}

/// The routes, by audience.
func buildRouter(
    _ services: AppDependencies, templates: Templates, logger: Logger, metrics: ServerMetrics, polls: PollTally = PollTally()
) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    // First: it sees every answer as sent, refusals included.
    router.add(middleware: ClientAddressMiddleware(trusted: services.settings.trustedProxies))
    router.add(middleware: RequestObserver(metrics: metrics, polls: polls))
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: InputGuardsMiddleware())
    // Static files are a route of their own, from memory: no middleware in every request's stack
    // (parked long-polls included), no folder beside the binary.
    StaticFiles().add(to: router)
    OperationsRoutes(services: services, metrics: metrics).add(to: router)
    router.get("/healthz") { _, context -> Response in
        // Healthy means the database answers, not merely that the socket is open. The error itself
        // (paths, SQL) goes to the log, never to whoever asks.
        do {
            let sites = try await services.store.siteIDs()
            return try JSON.response(["status": "ok", "sites": String(sites.count)])
        } catch {
            context.logger.error("health check: the database does not answer", metadata: ["error": "\(error)"])
            return try JSON.response(["status": "unavailable", "reason": "the database does not answer"], status: .serviceUnavailable)
        }
    }
    router.addRoutes(PublicAPI(services: services).routes, atPath: "/api/v1")
    router.addRoutes(BookingAPI(services: services).routes, atPath: "/api/v1")
    let signIn = SignIn(services: services)
    router.addRoutes(AuthAPI(services: services, signIn: signIn).routes, atPath: "/api/v1/auth")
    router.addRoutes(CounterAPI(services: services).routes, atPath: "/api/v1/counters")
    router.addRoutes(AuditAPI(services: services).routes, atPath: "/api/v1/audit")
    router.addRoutes(InspectionAPI(services: services).routes, atPath: "/api/v1/inspections")
    router.addRoutes(ReportsAPI(services: services).routes, atPath: "/api/v1/reports")
    router.addRoutes(PublicPages(services: services, templates: templates).routes)
    router.addRoutes(BookingPages(services: services, templates: templates).routes)
    router.addRoutes(KioskPages(services: services, templates: templates).routes, atPath: "/kiosk")
    router.addRoutes(StaffPages(services: services, templates: templates, signIn: signIn).routes, atPath: "/staff")
    router.addRoutes(QRRoutes(services: services).routes, atPath: "/qr")
    router.addRoutes(DisplayPages(services: services, templates: templates).routes, atPath: "/display")
    router.addRoutes(UnitPages(services: services, templates: templates).routes)
    router.addRoutes(PlanNoticePages(services: services, templates: templates).routes)
    router.addRoutes(InspectorPages(services: services, templates: templates).routes, atPath: "/inspect")
    router.addRoutes(EvidenceRoutes(services: services).routes, atPath: "/evidence")
    router.addRoutes(AdminUnitPages(services: services, templates: templates).routes, atPath: "/admin")
    router.addRoutes(OfficePages(services: services, templates: templates).routes, atPath: "/admin")
    router.addRoutes(AdminPages(services: services, templates: templates).routes, atPath: "/admin")
    return router
}

/// Makes the sign-in decoy hash at start, on the blocking-work pool, beside the socket opening
/// rather than before it (a bcrypt hash is ~0.3 s: start-up to the first answer must not wait
/// for it), so the first unknown login does not pay for it.
struct SignInWarmUp: ServiceLifecycle.Service {
    func run() async throws {
        try await PasswordHashing.prepare()
        try? await gracefulShutdown()
    }
}

/// Prints the queued tickets until the daemon stops.
struct PrintingService: ServiceLifecycle.Service {
    let spooler: PrintSpooler

    func run() async throws {
        await cancelWhenGracefulShutdown { await spooler.run() }
    }
}

/// Runs the live board's rebuild loop, after building every site once so the first polls are answered from memory.
struct LiveBoardService: ServiceLifecycle.Service {
    let board: LiveBoard
    let store: TicketStore

    func run() async throws {
        for site in (try? await store.siteIDs()) ?? [] { board.invalidate(site) }
        await cancelWhenGracefulShutdown { await board.run() }
    }
}

/// Notices commits made by other processes on the same database (`quhao ticket call` beside the
/// daemon; the other daemons on a city's PostgreSQL) and rebuilds the boards, so pages never show
/// stale state for long: told at once where the database notifies (``TicketStore/followChanges(_:)``),
/// and in any case by polling the change counter four times a second.
struct ExternalChanges: ServiceLifecycle.Service {
    let board: LiveBoard
    let store: TicketStore
    var interval: Duration = .milliseconds(250)

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await cancelWhenGracefulShutdown {
                    await store.followChanges { site, tickets in
                        if let site {
                            board.invalidate(site, changes: tickets.map { .only($0) } ?? .all)
                        } else {
                            for site in (try? await store.siteIDs()) ?? [] { board.invalidate(site) }
                        }
                    }
                }
            }
            group.addTask { await poll() }
            await group.waitForAll()
        }
    }

    private func poll() async {
        _ = try? await store.sitesChangedElsewhere()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            for site in (try? await store.sitesChangedElsewhere()) ?? [] { board.invalidate(site) }
        }
    }
}

/// Closes what each day leaves open (``TicketStore/expireClosed(by:)``) at start, at each site's
/// midnight to the second (the board then shows the new date and empty queues at once, and a
/// window's call from yesterday is gone), and once a minute between (services closing). At start
/// and with each new day, clears the personal data older than the retention period.
struct Housekeeping: ServiceLifecycle.Service {
    let store: TicketStore
    let clock: any QuhaoClock
    let logger: Logger
    let personalDataDays: Int
    var interval: TimeInterval = 60

    func run() async throws {
        var days: [String: BusinessDay] = [:]
        var purgeDue = true
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            var sites: [Site] = []
            do {
                sites = try await store.siteIDs().asyncMap { try await store.site($0) }
                let now = clock.now()
                // Many daemons on one database: the first to come takes each chore, the others skip
                // it; a new day at any site makes it due at once.
                let dayStart = sites.map { $0.businessDay(at: now).start(in: $0.zone) }.max() ?? .distantPast
                if try await store.operations.claim("housekeeping", notDoneSince: max(now.addingTimeInterval(-interval / 2), dayStart)) {
                    let expired = try await store.expireClosed()
                    if expired > 0 { logger.info("closed tickets left open by the day", metadata: ["count": "\(expired)"]) }
                    // A plan drawn ahead of its period is queued as the period begins (and as its business type opens).
                    let queued = try await store.inspections.queueDrawnVisits()
                    if queued > 0 { logger.info("drawn visits queued", metadata: ["count": "\(queued)"]) }
                }
                for site in sites {
                    let today = site.businessDay(at: now)
                    if let known = days[site.id], known != today {
                        logger.info("new business day", metadata: ["site": "\(site.id)", "day": "\(today)"])
                        store.beginDay(site: site.id)
                        purgeDue = true
                    }
                    days[site.id] = today
                }
                if purgeDue {
                    purgeDue = false
                    if try await store.operations.claim("retention", notDoneSince: max(now.addingTimeInterval(-600), dayStart)) {
                        let cleared = try await store.operations.purgePersonalData(olderThanDays: personalDataDays)
                        if cleared > 0 {
                            logger.info("personal data cleared", metadata: ["tickets": "\(cleared)", "older than days": "\(personalDataDays)"])
                        }
                        // Printed slips are kept a day (what became of one is asked the same day, if ever).
                        try await store.printQueue.purge(settledBefore: now.addingTimeInterval(-86_400))
                    }
                }
            } catch is CancellationError {
                return
            } catch {
                logger.error("housekeeping failed", metadata: logCause(error))
            }
            let now = clock.now()
            let next = TicketStore.nextHousekeeping(after: now, zones: sites.map(\.zone), interval: interval)
            // A few milliseconds past the instant, so the new day is surely "now" when it runs.
            let wait = Duration.milliseconds(Int64(max(0, next.timeIntervalSince(now)) * 1000) + 5)
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
        }
    }
}

extension Array {
    /// Maps with an async transform, in order.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        result.reserveCapacity(count)
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
