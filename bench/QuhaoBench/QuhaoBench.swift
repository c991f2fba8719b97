import ArgumentParser
import Foundation
import GRDB
import Hummingbird
import QuhaoConfig
import QuhaoCore
import QuhaoStore

/// Helpers for `bench/run`: the ceiling server the daemon is compared with, and the seeder of a
/// realistic database. Not part of the product.
@main
struct QuhaoBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quhao-bench", abstract: "Benchmark helpers: the ceiling server and the database seeder.",
        subcommands: [Ceiling.self, Seed.self])
}

/// The wall clock (the product's lives in the `quhao` executable).
struct WallClock: QuhaoClock {
    func now() -> Date { Date() }
}

/// Bare Hummingbird: a constant body (with ETag/304) and one bare GRDB insert per POST on the
/// daemon's pragmas (WAL, synchronous=FULL). What the daemon's polls and issues are measured against.
struct Ceiling: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the ceiling routes.")
    @Option var port = 8090
    @Option(help: "Size of the constant body (make it the board's size).")
    var bodyBytes = 2048
    @Option(help: "SQLite file for the insert route.")
    var database: String

    func run() async throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let pool = try DatabasePool(path: database, configuration: configuration)
        try await pool.write { db in
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL, at TEXT NOT NULL)")
        }
        let body = ByteBuffer(string: "{\"pad\":\"" + String(repeating: "x", count: max(0, bodyBytes - 10)) + "\"}")
        let etag = "\"ceiling-1\""
        let router = Router()
        router.get("constant") { request, _ -> Response in
            if request.headers[.ifNoneMatch] == etag { return Response(status: .notModified, headers: [.eTag: etag]) }
            return Response(status: .ok, headers: [.contentType: "application/json", .eTag: etag], body: .init(byteBuffer: body))
        }
        router.post("insert") { _, _ -> Response in
            let id = try await pool.write { db -> Int64 in
                try db.execute(sql: "INSERT INTO t (body, at) VALUES (?, ?)", arguments: ["{\"service\":\"consult\"}", Date()])
                return db.lastInsertedRowID
            }
            return Response(
                status: .created, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{\"id\":\(id)}")))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        try await app.runService()
    }
}

/// A realistic database: the demo's tax hall with a year of history (finished tickets with their
/// four events each) and today's queue (waiting tickets, windows holding one each).
struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create a seeded database.")
    @Option var database: String
    @Option(help: "Finished tickets spread over the past year.")
    var history = 1_000_000
    @Option(help: "Tickets waiting today, over the eight business types.")
    var waiting = 300
    @Flag(help: "Lift the daily caps while seeding (a queue long enough to keep six windows calling; the daemon re-syncs the real caps).")
    var noCaps = false

    func run() async throws {
        let clock = WallClock()
        let store = try TicketStore.open(path: database, durability: .normal, clock: clock)
        var sites = try ConfigLoader.parse(ConfigLoader.demoYAML, source: "demo").domainSites
        if noCaps {
            sites = sites.map { site in
                Site(
                    id: site.id, name: site.name, kind: site.kind, timeZone: site.timeZone,
                    services: site.services.map {
                        Service(
                            id: $0.id, prefix: $0.prefix, name: $0.name, hours: $0.hours, identity: $0.identity, phone: $0.phone,
                            defaultServiceMinutes: $0.defaultServiceMinutes)
                    }, counters: site.counters, rules: site.rules)
            }
        }
        try await store.sync(sites: sites)
        let hall = sites.first { $0.id == "qiantang" }!
        let started = Date()
        try await insertHistory(hall)
        print("history: \(history) finished tickets in \(Int(Date().timeIntervalSince(started))) s")
        // Inserted below the store: its figures' rollup is built from the event log, as for a database from before it.
        let rollup = Date()
        let read = try await store.reports.rebuildFacts()
        print("report rollup: \(read) tickets in \(Int(Date().timeIntervalSince(rollup))) s")
        // Today, through the store like any visitor; identities continue after those already issued today.
        var serial = try await store.tickets(site: hall.id, day: store.today(site: hall.id)).count
        func uscc() -> String {
            serial += 1
            let body = "91330100MA" + String(format: "%07d", serial)
            return body + String(USCC.checkCharacter(for: Array(body))!)
        }
        for index in 0..<waiting {
            let service = hall.services[index % hall.services.count]
            _ = try await store.issue(
                IssueRequest(
                    siteID: hall.id, service: service.id, identity: service.identity == .none ? nil : uscc(),
                    phone: service.phone == .none ? nil : String(format: "139%08d", serial), channel: .staff))
        }
        for counter in hall.counters { _ = try? await store.callNext(site: hall.id, counter: counter.id) }
        print("today: \(waiting) more tickets, \(hall.counters.count) windows calling")
    }

    /// One transaction per day, prepared statements: a year in well under a minute.
    func insertHistory(_ hall: Site) async throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = OFF") }
        let pool = try DatabasePool(path: database, configuration: configuration)
        let days = 365
        let perDay = max(1, history / days)
        let calendar = Calendar.gregorian(in: hall.zone)
        let today = calendar.startOfDay(for: Date())
        var left = history
        for back in stride(from: days, to: 0, by: -1) where left > 0 {
            let dayStart = calendar.date(byAdding: .day, value: -back, to: today)!.addingTimeInterval(8.5 * 3600)
            let day = BusinessDay(dayStart, in: hall.zone).iso
            let count = back == 1 ? left : min(left, perDay)
            left -= count
            try await pool.write { db in
                let ticket = try db.cachedStatement(
                    sql: """
                        INSERT INTO tickets (token, site_id, day, origin_service_id, seq, number, service_id, state, priority, channel,
                            sort_key, counter_id, issued_at, called_at, started_at, finished_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, 'done', 'normal', 'phone', ?, ?, ?, ?, ?, ?)
                        """)
                let event = try db.cachedStatement(
                    sql: """
                        INSERT INTO ticket_events (ticket_id, site_id, at, action, from_state, to_state, counter_id, service_id, initiator)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'staff:1')
                        """)
                var sequence: [String: Int] = [:]
                for index in 0..<count {
                    let service = hall.services[index % hall.services.count]
                    let seq = (sequence[service.id] ?? 0) + 1
                    sequence[service.id] = seq
                    let counter = hall.counters[index % hall.counters.count].id
                    let issued = dayStart.addingTimeInterval(Double(index) * 28_800 / Double(count))
                    let called = issued.addingTimeInterval(600)
                    let start = called.addingTimeInterval(30)
                    let finish = start.addingTimeInterval(300)
                    let number = TicketNumber(prefix: service.prefix, sequence: seq).description
                    try ticket.execute(arguments: [
                        "h\(back)-\(index)-\(UUID().uuidString.prefix(8))", hall.id, day, service.id, seq, number, service.id,
                        index * 1024, counter, issued, called, start, finish,
                    ])
                    let id = db.lastInsertedRowID
                    for (action, from, to, at, window) in [
                        ("issue", nil, "waiting", issued, nil), ("call", "waiting", "called", called, counter),
                        ("start", "called", "serving", start, counter), ("complete", "serving", "done", finish, counter),
                    ] as [(String, String?, String, Date, Int?)] {
                        try event.execute(arguments: [id, hall.id, at, action, from, to, window, service.id])
                    }
                }
            }
        }
    }
}
