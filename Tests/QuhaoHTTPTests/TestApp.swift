import Foundation
import Hummingbird
import HummingbirdTesting
import LiveBoard
import Logging
import Presence
import QuhaoCore
import QuhaoHTTP
import QuhaoStore
import Synchronization

/// A hall for HTTP tests, the application around it, and small helpers.
struct TestApp {
    static func site(allowRemote: Bool = true, presence: PresenceMode = .rotating) -> Site {
        Site(
            id: "hall", name: LocalizedText(zh: "办税服务厅", en: "Tax hall"),
            services: [
                Service(id: "general", prefix: "A", name: LocalizedText(zh: "综合业务", en: "General"), identity: .uscc),
                Service(id: "personal", prefix: "B", name: LocalizedText(zh: "个人业务", en: "Personal"), identity: .residentID, phone: .required),
                Service(id: "consult", prefix: "H", name: LocalizedText(zh: "咨询", en: "Enquiries"), dailyCap: 2),
                Service(
                    id: "mondays", prefix: "M", name: LocalizedText(zh: "周一业务", en: "Mondays"),
                    hours: OpeningHours(days: [.mon], periods: [.init(start: TimeOfDay("08:30")!, end: TimeOfDay("17:00")!)])),
            ],
            counters: [Counter(id: 3, services: ["general", "personal", "consult"]), Counter(id: 4, services: ["consult"])],
            rules: QueueRules(allowRemote: allowRemote, presence: presence))
    }

    let store: TicketStore
    let clock: ManualClock
    /// The application's live board, to see polls parked on it.
    let board: LiveBoard
    let presence: PresenceCodes
    let app: any ApplicationProtocol
    /// What `/metrics` shows.
    let metrics: ServerMetrics
    /// Every log entry the application wrote.
    let log: CapturedLog

    /// The daemon's public origin in tests.
    static let origin = "https://q.example.cn"

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Wednesday 2026-11-25 10:00 in Shanghai.
    static let morning = Date(timeIntervalSince1970: 1_795_572_000)

    init(
        site: Site = TestApp.site(), also others: [Site] = [], issueBurst: Int = 1000, speechCommand: String? = nil,
        pollSummary: Duration = .seconds(60), boardBreaker: BoardBreaker? = nil, printPatience: Duration? = nil
    ) async throws {
        clock = ManualClock(Self.morning)
        let metrics = ServerMetrics()
        self.metrics = metrics
        store = try TicketStore.inMemory(clock: clock, random: .seeded(7), metrics: metrics.store)
        let log = CapturedLog()
        self.log = log
        try await store.sync(sites: [site] + others)
        presence = PresenceCodes(store: store, clock: clock)
        let store = store
        board = LiveBoard(bootID: "test") {
            if boardBreaker?.broken.load(ordering: .relaxed) == true { throw Failure("the board's rebuild was made to fail") }
            return try await store.siteDay(site: $0, updating: $1, changes: $2)
        }
        app = try buildApplication(
            settings: AppSettings(
                host: "127.0.0.1", port: 0, publicURL: Self.origin, issueBurst: issueBurst, speechCommand: speechCommand,
                pollSummaryInterval: pollSummary, printPatience: printPatience),
            store: store,
            clock: clock, random: .seeded(8), logger: log.logger, board: board, metrics: metrics)
    }

    /// Returns once `count` polls are parked on the site's board: a test proves a long-poll waits
    /// before it makes the change that must wake it.
    func parked(_ count: Int = 1, site: String = "hall") async throws {
        try await waitUntil("\(count) polls parked") { await board.waiterCount(site) >= count }
    }

    /// Returns once the live board holds every change the store committed so far (staff and CLI
    /// answers come from the store; the board follows through the commit hook).
    func boardCaughtUp(site: String = "hall") async throws {
        _ = try await board.snapshot(site, including: store.commitSequence(site: site))
    }

    /// The app with `wang` (password `window-three-pass`), staff at window 3 only.
    static func withWindowThreeStaff() async throws -> TestApp {
        let test = try await TestApp()
        _ = try await test.store.accounts.addStaff(
            NewStaff(login: "wang", name: "王芳", role: .staff, siteID: "hall", counters: [3], password: "window-three-pass"), cost: 4)
        return test
    }

    func run(_ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await app.test(.router, test)
    }
}

/// Makes the live board's rebuilds fail while `broken` is set (a database error, say).
final class BoardBreaker: Sendable {
    let broken = Atomic(false)
}

/// A logger that keeps its entries (rendered as `message key=value …`) for a test to read.
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])

    var entries: [String] { lines.withLock { $0 } }

    var logger: Logger {
        var logger = Logger(label: "test") { _ in Handler(log: self) }
        logger.logLevel = .info
        return logger
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var logLevel: Logger.Level = .info
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let fields = metadata.merging(event.metadata ?? [:]) { $1 }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            let line = ([event.message.description] + fields).joined(separator: " ")
            log.lines.withLock { $0.append(line) }
        }
    }
}

extension TestClientProtocol {
    /// POSTs JSON.
    func post(_ uri: String, json: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var all: HTTPFields = [.contentType: "application/json"]
        all.append(contentsOf: headers)
        return try await execute(uri: uri, method: .post, headers: all, body: ByteBuffer(string: json))
    }

    /// Signs `wang` (window 3 only) in and returns headers that carry the session and our Origin.
    func signIn(_ login: String = "wang", _ password: String = "window-three-pass") async throws -> HTTPFields {
        let response = try await post(
            "/api/v1/auth/login", json: "{\"login\": \"\(login)\", \"password\": \"\(password)\"}", headers: [.origin: TestApp.origin])
        guard let cookie = response.headers[.setCookie]?.split(separator: ";").first.map(String.init) else {
            throw TestApp.Failure("sign-in of \(login) failed: \(response.status) \(String(buffer: response.body))")
        }
        return [.cookie: cookie, .origin: TestApp.origin]
    }

    /// Follows a refused form's redirect (post, redirect, get: `?m=` carries the refusal) to the page
    /// that shows it, with the same session; any other answer is returned as it is.
    func following(_ response: TestResponse, headers: HTTPFields = [:]) async throws -> TestResponse {
        guard response.status == .seeOther, let location = response.headers[.location], location.contains("?m=") || location.contains("&m=") else {
            return response
        }
        var session = HTTPFields()
        if let cookie = headers[.cookie] { session[.cookie] = cookie }
        return try await get(location, headers: session)
    }

    func get(_ uri: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await execute(uri: uri, method: .get, headers: headers)
    }

    /// Takes a number; returns the response.
    func take(_ service: String, identity: String? = nil, phone: String? = nil, presence: String? = nil, headers: HTTPFields = [:])
        async throws -> TestResponse
    {
        var fields = ["\"service\": \"\(service)\""]
        if let identity { fields.append("\"identity\": \"\(identity)\"") }
        if let phone { fields.append("\"phone\": \"\(phone)\"") }
        if let presence { fields.append("\"presence\": \"\(presence)\"") }
        return try await post("/api/v1/sites/hall/tickets", json: "{\(fields.joined(separator: ","))}", headers: headers)
    }
}

extension HTTPFields {
    /// These fields asking for a change since `etag` (`If-None-Match`).
    func ifNoneMatch(_ etag: String) -> HTTPFields {
        var fields = self
        fields[.ifNoneMatch] = etag
        return fields
    }
}

extension TestResponse {
    /// The body as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(String(buffer: body).utf8))) as? [String: Any] ?? [:]
    }

    var text: String { String(buffer: body) }
}

/// Waits until a condition holds, checking it every few milliseconds for at most 10 s: for what
/// a test cannot be told directly (a poll parked in another task).
func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw TestApp.Failure("waited 10 s for: \(what)") }
        try await Task.sleep(for: .milliseconds(2))
    }
}
