import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import LiveBoard
import Logging
import Presence
import QuhaoCore
import QuhaoHTTP
import Testing

@testable import QuhaoStore

/// `/metrics`, `/readyz` and the request log.
@Suite struct ObservabilityTests {
    /// The value of one sample line of a Prometheus text page (`name{a="b",…} value`), `nil` when absent.
    static func sample(_ page: String, _ name: String, _ labels: [(String, String)] = []) -> Double? {
        let key = labels.isEmpty ? name : name + "{" + labels.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ",") + "}"
        for line in page.split(separator: "\n") where line.hasPrefix(key + " ") {
            return Double(line.dropFirst(key.count + 1))
        }
        return nil
    }

    static func scrape(_ client: any TestClientProtocol) async throws -> String {
        let response = try await client.get("/metrics")
        #expect(response.status == .ok)
        #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
        return String(buffer: response.body)
    }

    @Test func theLogAndTheMetricsNameRouteTemplatesNeverTokensIdentitiesOrPhones() async throws {
        let test = try await TestApp()
        let identity = "11010519491231002X"
        let phone = "13812345678"
        try await test.run { client in
            let taken = try await client.take("personal", identity: identity, phone: phone, presence: test.presence.current(site: "hall"))
            #expect(taken.status == .created)
            let token = try #require(String(buffer: taken.body).firstMatch(of: /"token":"([0-9A-Za-z_-]+)"/)?.1).description
            #expect(try await client.get("/api/v1/tickets/\(token)").status == .ok)
            #expect(try await client.get("/t/\(token)", headers: [.cookie: "quhao_device=secret-device-cookie"]).status == .ok)
            #expect(try await client.get("/no/such/\(token)").status == .notFound)
            let page = try await Self.scrape(client)
            #expect(
                Self.sample(page, "quhao_http_requests_total", [("route", "/api/v1/tickets/{token}"), ("method", "GET"), ("status", "200")]) == 1)
            #expect(Self.sample(page, "quhao_http_requests_total", [("route", "/t/{token}"), ("method", "GET"), ("status", "200")]) == 1)
            #expect(Self.sample(page, "quhao_http_requests_total", [("route", "NotFound"), ("method", "GET"), ("status", "404")]) == 1)
            #expect(
                Self.sample(page, "quhao_http_requests_total", [("route", "/api/v1/sites/{site}/tickets"), ("method", "POST"), ("status", "201")])
                    == 1)
            // The ticket's JSON (answered with its tag) is a poll: summed up, not a line of its own.
            let requestLines = test.log.entries.filter { $0.hasPrefix("request ") }
            #expect(requestLines.count == 4, "one line per request that is not a poll: \(requestLines)")
            #expect(!requestLines.contains { $0.contains("route=/api/v1/tickets/{token}") })
            #expect(requestLines.contains { $0.contains("route=/t/{token}") && $0.contains("status=200") && $0.contains("method=GET") })
            for text in test.log.entries + [page] {
                for secret in [token, identity, "002X", phone, "secret-device-cookie"] {
                    #expect(!text.contains(secret), "\(secret) leaked into: \(text.prefix(200))")
                }
            }
        }
    }

    @Test func pollsAreSummedUpNotLoggedOneByOne() async throws {
        let test = try await TestApp(pollSummary: .milliseconds(50))
        try await test.run { client in
            let first = try await client.get("/api/v1/sites/hall/board")
            #expect(first.status == .ok)
            let tag = try #require(first.headers[.eTag])
            for _ in 0..<3 {
                #expect(try await client.get("/api/v1/sites/hall/board", headers: [.ifNoneMatch: tag]).status == .notModified)
            }
            // A change and a refusal keep their lines.
            #expect(try await client.post("/api/v1/sites/hall/tickets", json: #"{"service": "nothing"}"#).status.code >= 400)
            func summed(_ status: Int) -> Int {
                var total = 0
                for entry in test.log.entries {
                    let fields = entry.split(separator: " ").map(String.init)
                    guard fields.first == "polls", fields.contains("route=/api/v1/sites/{site}/board"), fields.contains("status=\(status)"),
                        let count = fields.first(where: { $0.hasPrefix("count=") }).flatMap({ Int($0.dropFirst(6)) })
                    else { continue }
                    total += count
                }
                return total
            }
            try await waitUntil("the polls summed up") { summed(200) >= 1 && summed(304) >= 3 }
            #expect(summed(200) == 1)
            #expect(summed(304) == 3)
            let requestLines = test.log.entries.filter { $0.hasPrefix("request ") }
            #expect(!requestLines.contains { $0.contains("/board") }, "\(requestLines)")
            #expect(requestLines.count == 1 && requestLines[0].contains("method=POST"), "\(requestLines)")
            // The metrics still count every poll.
            let page = try await Self.scrape(client)
            let labels = [("route", "/api/v1/sites/{site}/board"), ("method", "GET"), ("status", "304")]
            #expect(Self.sample(page, "quhao_http_requests_total", labels) == 3)
        }
    }

    @Test func theCountersMoveByWhatAMorningDid() async throws {
        let test = try await TestApp.withWindowThreeStaff()
        try await test.run { client in
            let code = test.presence.current(site: "hall")
            for _ in 0..<2 { #expect(try await client.take("consult", presence: code).status == .created) }
            #expect(try await client.take("consult", presence: code).status == .conflict, "over the daily cap of 2: refused, not counted")
            let staff = try await client.signIn()
            #expect(try await client.post("/api/v1/counters/hall/3/call-next", json: "", headers: staff).status == .ok)
            #expect(try await client.post("/api/v1/counters/hall/3/start", json: "", headers: staff).status == .ok)
            #expect(try await client.post("/api/v1/counters/hall/3/complete", json: "", headers: staff).status == .ok)
            let page = try await Self.scrape(client)
            let event = { (name: String) in
                Self.sample(page, "quhao_ticket_events_total", [("site", "hall"), ("service", "consult"), ("event", name)])
            }
            #expect(event("issued") == 2)
            #expect(event("called") == 1)
            #expect(event("started") == 1)
            #expect(event("completed") == 1)
            #expect(event("cancelled") == nil)
        }
    }

    @Test func queueGaugesShowLengthAndTheOldestWait() async throws {
        let test = try await TestApp()
        try await test.run { client in
            let code = test.presence.current(site: "hall")
            #expect(try await client.take("general", identity: "91350100M000100Y43", presence: code).status == .created)
            test.clock.advance(by: 90)
            #expect(
                try await client.take("general", identity: "91110000600037341L", presence: test.presence.current(site: "hall")).status == .created)
            #expect(try await client.take("consult").status == .created, "without the hall's code: remote")
            test.clock.advance(by: 30)
            try await test.boardCaughtUp()
            let page = try await Self.scrape(client)
            #expect(Self.sample(page, "quhao_queue_length", [("site", "hall"), ("service", "general"), ("state", "waiting")]) == 2)
            #expect(Self.sample(page, "quhao_queue_length", [("site", "hall"), ("service", "consult"), ("state", "remote")]) == 1)
            #expect(Self.sample(page, "quhao_queue_length", [("site", "hall"), ("service", "consult"), ("state", "waiting")]) == 0)
            #expect(Self.sample(page, "quhao_queue_oldest_waiting_seconds", [("site", "hall"), ("service", "general")]) == 120)
            #expect(Self.sample(page, "quhao_queue_oldest_waiting_seconds", [("site", "hall"), ("service", "consult")]) == 0)
            #expect(Self.sample(page, "quhao_long_polls_parked", [("site", "hall")]) == 0)
            #expect(Self.sample(page, "quhao_database_bytes") == 0, "in memory")
            #expect(page.contains("# HELP quhao_queue_length "))
            #expect(page.contains("# TYPE quhao_http_request_duration_seconds histogram"))
        }
    }

    /// What an operator alerts on besides the queue: the build, the process, the webhook backlog.
    @Test func theBuildTheProcessAndTheWebhookBacklogAreMeasured() async throws {
        let test = try await TestApp()
        try await test.run { client in
            let page = try await Self.scrape(client)
            #expect(Self.sample(page, "quhao_build_info", [("version", QuhaoVersion.current)]) == 1)
            let resident = try #require(Self.sample(page, "process_resident_memory_bytes"))
            #expect(resident > 1_000_000 && resident < 8_000_000_000)
            let open = try #require(Self.sample(page, "process_open_fds"))
            #expect(open >= 3 && open < 100_000)
            #expect(try #require(Self.sample(page, "process_max_fds")) >= open)
            #expect(!page.contains("quhao_printer_up"), "no printer job yet")
        }
    }

    @Test func readyzWaitsForTheBoardAndAWritableDatabase() async throws {
        let clock = ManualClock(TestApp.morning)
        let store = try TicketStore.inMemory(clock: clock)
        try await store.sync(sites: [TestApp.site()])
        // The board's first build waits for the test's word, as a slow start would.
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let board = LiveBoard(bootID: "readyz") { site, previous, changes in
            if previous == nil { for await _ in gate { break } }
            return try await store.siteDay(site: site, updating: previous, changes: changes)
        }
        let app = try buildApplication(
            settings: AppSettings(host: "127.0.0.1", port: 0, publicURL: TestApp.origin), store: store, clock: clock,
            logger: Logger(label: "test"), board: board)
        try await app.test(.router) { client in
            let early = try await client.get("/readyz")
            #expect(early.status == .serviceUnavailable)
            #expect(String(buffer: early.body).contains("\"code\":\"service.not_ready\""))
            #expect(early.headers[.retryAfter] == "1")
            open.yield()
            try await waitUntil("the board is built") { board.builtSnapshot("hall") != nil }
            let ready = try await client.get("/readyz")
            #expect(ready.status == .ok)
            #expect(String(buffer: ready.body) == #"{"engine":"sqlite","sites":"1","status":"ready"}"#)
            // The probe writes: a database that refuses writes is not ready. (Refused by triggers: `PRAGMA query_only`
            // on an in-memory queue is turned off again by the next read, which the board may make at any moment.)
            try await store.database!.writeWithoutTransaction {
                try $0.execute(
                    sql: """
                        CREATE TRIGGER refuse_insert BEFORE INSERT ON operations BEGIN SELECT RAISE(ABORT, 'attempt to write a readonly database'); END;
                        CREATE TRIGGER refuse_update BEFORE UPDATE ON operations BEGIN SELECT RAISE(ABORT, 'attempt to write a readonly database'); END;
                        """)
            }
            let readOnly = try await client.get("/readyz")
            #expect(readOnly.status == .serviceUnavailable)
            #expect(String(buffer: readOnly.body).contains("\"code\":\"storage.unavailable\""))
            #expect(try await client.get("/healthz").status == .ok, "the process is up all the same")
        }
    }
}
