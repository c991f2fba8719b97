import CoreMetrics
import Foundation
import HTTPTypes
import Hummingbird
import LiveBoard
import Logging
import Printing
import Prometheus
import QuhaoCore
import QuhaoStore
import ServiceLifecycle
import Synchronization

/// The daemon's measurements in one Prometheus registry: what the store counts (through
/// swift-metrics), requests by route template, and what is read at each scrape (queues, parked
/// polls, database size, the last nightly backup).
public final class ServerMetrics: Sendable {
    /// The registry `/metrics` prints.
    public let registry: PrometheusCollectorRegistry
    /// The store's measurements, into the same registry.
    public let store: StoreMetrics
    private let requests = Mutex<[RequestKey: (count: Prometheus.Counter, seconds: DurationHistogram)]>([:])

    /// The metrics this file makes (README "Monitor"), with their help text.
    public enum Name {
        static func named(_ subsystem: String?, _ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "quhao", subsystem: subsystem, metricName: name, unitName: unit, helpText: help)
        }
        public static var requests: MetricNameDescriptor {
            named("http", "requests", "total", "HTTP requests answered, by route template, method and status")
        }
        public static var requestSeconds: MetricNameDescriptor {
            named(
                "http", "request_duration", "seconds",
                "Time from the router receiving a request to its answer (a parked long-poll counts from its release)")
        }
        public static var queueLength: MetricNameDescriptor {
            named("queue", "length", "", "Tickets in the queue now, by business type and state (remote: not yet checked in)")
        }
        public static var oldestWaiting: MetricNameDescriptor {
            named(
                "queue", "oldest_waiting", "seconds",
                "How long the longest-waiting ticket of a business type has waited since it was issued (0: none)")
        }
        public static var parkedPolls: MetricNameDescriptor { named(nil, "long_polls_parked", "", "Long-polls parked on a site's board now") }
        public static var databaseBytes: MetricNameDescriptor {
            named(nil, "database", "bytes", "Bytes of the database file and its write-ahead log")
        }
        public static var lastBackup: MetricNameDescriptor {
            named("backup", "last_success", "timestamp_seconds", "When the last nightly backup succeeded (Unix time)")
        }
        public static var backupFailures: MetricNameDescriptor {
            named("backup", "failures", "total", "Nightly backups that failed since the daemon started")
        }
        public static var webhookPending: MetricNameDescriptor {
            named("webhook", "pending", "", "Webhook deliveries waiting for their first or next attempt, by endpoint")
        }
        public static var webhookOldestPending: MetricNameDescriptor {
            named("webhook", "oldest_pending", "seconds", "Age of the oldest webhook delivery still waiting, by endpoint (0: none)")
        }
        public static var webhookGivenUp: MetricNameDescriptor {
            named("webhook", "given_up", "total", "Webhook deliveries dropped after retrying for their whole window, by endpoint")
        }
        public static var notices: MetricNameDescriptor {
            named(
                "notices", "messages", "total",
                "Messages to visitors by site, channel and outcome (pending, retrying, sent, stale, overtaken, ended, capped, given_up, refused), "
                    + "kept in the database")
        }
        public static var printerUp: MetricNameDescriptor {
            named("printer", "up", "", "Whether a site's ticket printer took its last job (1) or failed it (0); absent before the first job")
        }
        public static var printed: MetricNameDescriptor {
            named("printer", "printed", "total", "Tickets printed at the site (every daemon's, kept in the database)")
        }
        public static var buildInfo: MetricNameDescriptor { named(nil, "build", "info", "The running build: its version (always 1)") }
        public static var residentMemory: MetricNameDescriptor {
            MetricNameDescriptor(metricName: "process_resident_memory", unitName: "bytes", helpText: "Resident memory of the daemon")
        }
        public static var openDescriptors: MetricNameDescriptor {
            MetricNameDescriptor(metricName: "process_open_fds", unitName: "", helpText: "Open file descriptors (sockets included)")
        }
        public static var maxDescriptors: MetricNameDescriptor {
            MetricNameDescriptor(metricName: "process_max_fds", unitName: "", helpText: "The soft limit on open file descriptors")
        }
    }

    static let requestBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
    ]

    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[StoreMetrics.Name.writeTransaction] = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
        ]
        factory.valueHistogramBuckets[StoreMetrics.Name.batchSize] = StoreMetrics.batchBuckets
        self.registry = registry
        self.store = StoreMetrics(factory: factory)
        backupFailures = registry.makeCounter(descriptor: Name.backupFailures)
    }

    private let backupFailures: Prometheus.Counter

    /// Counts a nightly backup that failed.
    public func backupFailed() { backupFailures.increment() }

    private struct RequestKey: Hashable {
        let route: String
        let method: String
        let status: Int
    }

    /// Counts one answered request under its route template (never the path itself: tokens stay out).
    func request(route: String, method: HTTPRequest.Method, status: HTTPResponse.Status, elapsed: Duration) {
        let key = RequestKey(route: route, method: method.rawValue, status: status.code)
        let metrics = requests.withLock { table in
            if let found = table[key] { return found }
            let labels = [("route", key.route), ("method", key.method), ("status", String(key.status))]
            let made = (
                registry.makeCounter(descriptor: Name.requests, labels: labels),
                registry.makeDurationHistogram(descriptor: Name.requestSeconds, labels: labels, buckets: Self.requestBuckets)
            )
            table[key] = made
            return made
        }
        metrics.count.increment()
        metrics.seconds.record(elapsed)
    }

    /// Reads what is measured at scrape time, then prints the registry in Prometheus' text format.
    func scrape(store: TicketStore, board: LiveBoard, printing: PrintSpooler? = nil, now: Date) async -> [UInt8] {
        let sites = (try? await store.siteIDs()) ?? []
        for siteID in sites {
            guard let snapshot = board.builtSnapshot(siteID) else { continue }
            for service in snapshot.site.services {
                let queued = snapshot.day.tickets.filter { $0.serviceID == service.id }
                for state in [TicketState.waiting, .remote] {
                    gauge(Name.queueLength, [("site", siteID), ("service", service.id), ("state", state.rawValue)])
                        .set(Double(queued.filter { $0.state == state }.count))
                }
                let oldest = queued.filter { $0.state == .waiting }.map(\.issuedAt).min()
                gauge(Name.oldestWaiting, [("site", siteID), ("service", service.id)])
                    .set(oldest.map { max(0, now.timeIntervalSince($0)) } ?? 0)
            }
            gauge(Name.parkedPolls, [("site", siteID)]).set(Double(await board.waiterCount(siteID)))
        }
        gauge(Name.databaseBytes, []).set(Double(store.operations.databaseBytes()))
        if let backup = try? await store.operations.last(StoreOperations.nightlyBackupOperation) {
            gauge(Name.lastBackup, []).set(backup.at.timeIntervalSince1970)
        }
        for endpoint in (try? await store.outbox.status()) ?? [] {
            let labels = [("site", endpoint.siteID), ("endpoint", endpoint.endpoint)]
            gauge(Name.webhookPending, labels).set(Double(endpoint.pending))
            gauge(Name.webhookOldestPending, labels).set(endpoint.oldestPending.map { max(0, now.timeIntervalSince($0)) } ?? 0)
            // A count kept in the database (it survives restarts): shown as the gauge it is read as.
            gauge(Name.webhookGivenUp, labels).set(Double(endpoint.givenUp))
        }
        for siteID in sites {
            // Every outcome of every channel the site sends by, 0 when none: a figure that went back to
            // nothing must read 0, not keep its last value.
            let counts = (try? await store.notices.counts(site: siteID)) ?? [:]
            let channels = Set(((try? await store.site(siteID))?.notices?.channels.map(\.rawValue) ?? []) + counts.keys.map(\.channel))
            for channel in channels {
                for outcome in ["pending", "retrying"] + NoticeOutcome.allCases.map(\.rawValue) {
                    gauge(Name.notices, [("site", siteID), ("channel", channel), ("outcome", outcome)])
                        .set(Double(counts[NoticeCount(channel: channel, outcome: outcome)] ?? 0))
                }
            }
        }
        if let printing {
            let statuses = await printing.statuses()
            for siteID in sites {
                guard let status = statuses[siteID] else { continue }
                gauge(Name.printerUp, [("site", siteID)]).set(Double(status.ok ? 1 : 0))
                gauge(Name.printed, [("site", siteID)]).set(Double(status.printed))
            }
        }
        gauge(Name.buildInfo, [("version", QuhaoVersion.current)]).set(Double(1))
        let process = ProcessFigures.read()
        if let bytes = process.residentBytes { gauge(Name.residentMemory, []).set(Double(bytes)) }
        if let open = process.openDescriptors { gauge(Name.openDescriptors, []).set(Double(open)) }
        if let limit = process.maxDescriptors { gauge(Name.maxDescriptors, []).set(Double(limit)) }
        return registry.emitToBuffer()
    }

    private func gauge(_ name: MetricNameDescriptor, _ labels: [(String, String)]) -> Prometheus.Gauge {
        labels.isEmpty ? registry.makeGauge(descriptor: name) : registry.makeGauge(descriptor: name, labels: labels)
    }
}

/// One measurement per request and one log line per request that is not a poll, under the
/// route template (`/t/{token}`), never the path as sent: no token, identity, phone number or
/// cookie reaches the log or the metrics. (Hummingbird's `LogRequestsMiddleware` logs the request
/// URI, tokens and query included, and its `MetricsMiddleware` reports to the process-wide metrics
/// system; this one does neither.)
///
/// Polls (see ``PollTally/isPoll(method:status:headers:)``) are counted and summed up by
/// ``PollSummary`` once a minute: a hall's phones and displays poll every few seconds, and a line
/// for each would be most of the journal and a third of the polls' cost.
struct RequestObserver: RouterMiddleware {
    typealias Context = AppRequestContext
    let metrics: ServerMetrics
    let polls: PollTally

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let began = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(
                request, context, response.status, began,
                poll: PollTally.isPoll(method: request.method, status: response.status, headers: response.headers))
            return response
        } catch {
            record(request, context, (error as? any HTTPResponseError)?.status ?? .internalServerError, began, poll: false)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, _ status: HTTPResponse.Status, _ began: ContinuousClock.Instant, poll: Bool) {
        let elapsed = ContinuousClock.now - began
        // Hummingbird names a path that matched no route "NotFound".
        let route = context.endpointPath ?? "NotFound"
        metrics.request(route: route, method: request.method, status: status, elapsed: elapsed)
        if poll {
            polls.count(route: route, method: request.method, status: status)
            return
        }
        guard context.logger.logLevel <= .info else { return }
        context.logger.info(
            "request",
            metadata: [
                "method": .string(request.method.rawValue), "route": .string(route), "status": .stringConvertible(status.code),
                "ms": .string(Self.milliseconds(elapsed)),
            ])
    }

    /// A duration in milliseconds to one decimal (`12.3`), without a format string.
    static func milliseconds(_ elapsed: Duration) -> String {
        let tenths = elapsed.components.seconds * 10_000 + elapsed.components.attoseconds / 100_000_000_000_000
        return "\(tenths / 10).\(tenths % 10)"
    }
}

/// The polls answered since the last summary, by route template, method and status.
final class PollTally: Sendable {
    struct Key: Hashable, Comparable {
        let route: String
        let method: String
        let status: Int

        static func < (a: Key, b: Key) -> Bool { (a.route, a.method, a.status) < (b.route, b.method, b.status) }
    }

    private let counts = Mutex<[Key: Int]>([:])

    /// A poll: a read answered with an entity tag (200) or "unchanged" (304): boards, tickets,
    /// bookings and static files, fetched again and again. Everything else (a change, a refusal,
    /// a page without a tag) keeps its own line.
    static func isPoll(method: HTTPRequest.Method, status: HTTPResponse.Status, headers: HTTPFields) -> Bool {
        guard method == .get || method == .head else { return false }
        return status == .notModified || (status == .ok && headers[.eTag] != nil)
    }

    func count(route: String, method: HTTPRequest.Method, status: HTTPResponse.Status) {
        let key = Key(route: route, method: method.rawValue, status: status.code)
        counts.withLock { $0[key, default: 0] += 1 }
    }

    /// The counts so far, in a fixed order, and a fresh start.
    func drain() -> [(key: Key, count: Int)] {
        counts.withLock { counts in
            defer { counts = [:] }
            return counts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        }
    }
}

/// Writes the polls counted by ``PollTally`` as one line per route and status every `interval`
/// (`polls method=GET route=/api/v1/sites/{site}/board status=304 count=5120 seconds=60`), and what
/// is left when the daemon stops (the server stops taking requests first).
struct PollSummary: ServiceLifecycle.Service {
    let tally: PollTally
    let interval: Duration
    let logger: Logger

    func run() async throws {
        var since = ContinuousClock.now
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            since = write(since: since)
        }
        _ = write(since: since)
    }

    private func write(since: ContinuousClock.Instant) -> ContinuousClock.Instant {
        let now = ContinuousClock.now
        let seconds = (now - since).components.seconds
        for (key, count) in tally.drain() {
            logger.info(
                "polls",
                metadata: [
                    "method": .string(key.method), "route": .string(key.route), "status": .stringConvertible(key.status),
                    "count": .stringConvertible(count), "seconds": .stringConvertible(seconds),
                ])
        }
        return now
    }
}

/// `/metrics`, `/readyz`: for the operator's monitoring.
struct OperationsRoutes {
    let services: AppDependencies
    let metrics: ServerMetrics

    func add(to router: Router<AppRequestContext>) {
        router.get("/metrics") { _, _ -> Response in
            let text = await metrics.scrape(store: services.store, board: services.board, printing: services.printing, now: services.clock.now())
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: text)))
        }
        router.get("/readyz") { request, context -> Response in
            // Ready: the files the daemon holds are the ones at their paths, the database takes a
            // write now, and every site's board is built (polls are answered from memory).
            let language = request.language
            let moved = ([services.store.databaseFile].compactMap { $0 } + services.settings.heldFiles).filter { !$0.isInPlace }
            if !moved.isEmpty {
                context.logger.critical(
                    "a file the daemon holds is no longer at its path: restart it",
                    metadata: ["files": "\(moved.map { "\($0.role) \($0.path)" }.joined(separator: ", "))"])
                let zh = moved.map(\.name.zh).joined(separator: "、")
                let en = moved.map(\.name.en).joined(separator: " and ")
                return Problem(QuhaoError(.storageFileReplaced, ["files": zh, "files@en": en]), language: language)
                    .response(headers: [.cacheControl: "no-store"])
            }
            do {
                try await services.store.operations.probeWritable()
            } catch {
                // Our words only: a raw error (paths, SQL) is for the log, not for whoever asks.
                let failure: QuhaoError
                if let known = error as? QuhaoError {
                    failure = known
                } else {
                    context.logger.error("readiness probe failed", metadata: ["error": "\(error)"])
                    failure = QuhaoError(.storageUnavailable, ["reason": "数据库不可写", "reason@en": "the database takes no writes"])
                }
                return Problem(failure, language: language).response(headers: [.cacheControl: "no-store"])
            }
            let sites = (try? await services.store.siteIDs()) ?? []
            let unbuilt = sites.filter { services.board.builtSnapshot($0) == nil }
            guard unbuilt.isEmpty else {
                let error = QuhaoError(.notReady, ["sites": unbuilt.joined(separator: ", ")])
                return Problem(error, language: language).response(headers: [.cacheControl: "no-store", .retryAfter: "1"])
            }
            return try JSON.response(["status": "ready", "sites": String(sites.count), "engine": services.store.engineName])
        }
    }
}

/// The process as the kernel counts it (`/proc/self`): resident memory and descriptors.
enum ProcessFigures {
    static func read() -> (residentBytes: Int?, openDescriptors: Int?, maxDescriptors: Int?) {
        var resident: Int?
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        {
            resident = kilobytes * 1024
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.count
        var limit: Int?
        if let limits = try? String(contentsOfFile: "/proc/self/limits", encoding: .utf8),
            let line = limits.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") })
        {
            limit = line.split(separator: " ").compactMap { Int($0) }.first
        }
        return (resident, open, limit)
    }
}
