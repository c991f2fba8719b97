import Foundation
import QuhaoCore

@testable import QuhaoStore

/// A small hall: four business types, three windows, the default rules with a 30 s grace.
enum Fixture {
    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    /// An instant given in Shanghai local time.
    static func date(_ day: Int, _ hour: Int, _ minute: Int = 0, _ second: Int = 0, month: Int = 11) -> Date {
        Calendar.gregorian(in: shanghai).date(
            from: DateComponents(year: 2026, month: month, day: day, hour: hour, minute: minute, second: second))!
    }

    /// Wednesday 2026-11-25, 10:00 in Shanghai.
    static var morning: Date { date(25, 10) }

    static let site = Site(
        id: "hall", name: LocalizedText(zh: "办税服务厅", en: "Tax hall"),
        services: [
            Service(id: "general", prefix: "A", name: LocalizedText(zh: "综合业务", en: "General")),
            Service(id: "invoice", prefix: "B", name: LocalizedText(zh: "发票业务", en: "Invoices"), identity: .uscc, phone: .optional),
            Service(id: "capped", prefix: "C", name: LocalizedText(zh: "限号业务", en: "Capped"), dailyCap: 3),
            Service(
                id: "mondays", prefix: "D", name: LocalizedText(zh: "周一业务", en: "Mondays only"),
                hours: OpeningHours(days: [.mon], periods: [.init(start: TimeOfDay("08:30")!, end: TimeOfDay("17:00")!)])),
            Service(
                id: "daytime", prefix: "E", name: LocalizedText(zh: "白天业务", en: "Daytime"),
                hours: OpeningHours(days: Set(Weekday.allCases), periods: [.init(start: TimeOfDay("08:30")!, end: TimeOfDay("17:00")!)])),
        ],
        counters: [
            Counter(id: 1, services: ["general", "invoice"]),
            Counter(id: 2, services: ["general"]),
            Counter(id: 3, services: ["invoice", "general"], callOrder: .oldestFirst),
        ],
        rules: QueueRules(priorityBurst: 2, recallsBeforeNoShow: 2, noShowGraceSeconds: 30, reactivationOffset: 3))

    /// A fresh in-memory store with the fixture site, at Wednesday 10:00.
    static func store(at start: Date = morning) async throws -> (TicketStore, ManualClock) {
        let clock = ManualClock(start)
        let store = try await TestEngine.store(clock: clock, random: .seeded(42))
        try await store.sync(sites: [site])
        return (store, clock)
    }

    /// Runs a test with the path of a database file in a fresh directory, removed afterwards.
    static func withDatabaseFile(_ body: (String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("quhao-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(directory.appendingPathComponent("quhao.sqlite").path)
    }

    /// Every byte of a database file and its WAL: to prove a secret never reaches the disk in clear.
    static func fileBytes(_ path: String) -> Data {
        ["", "-wal"].reduce(into: Data()) { bytes, suffix in
            bytes.append((try? Data(contentsOf: URL(fileURLWithPath: path + suffix))) ?? Data())
        }
    }

    /// Runs a test with a store that keeps its data where the engine under test does (an SQLite
    /// file in a fresh directory, removed afterwards; a fresh PostgreSQL database), with the
    /// fixture site synced. `stored` answers every byte the database holds at that moment: the
    /// file and its WAL, or every value of every row of every table (text as UTF-8, bytes as they
    /// are), so a test can prove a secret is never kept in clear.
    static func withStoredStore(
        sites: [Site] = [site], clock: ManualClock = ManualClock(morning), metrics: StoreMetrics = .none,
        _ body: (TicketStore, _ stored: @escaping @Sendable () async throws -> Data) async throws -> Void
    ) async throws {
        guard TestEngine.isPostgres else {
            try await withDatabaseFile { path in
                let store = try TicketStore.open(path: path, durability: .normal, clock: clock, metrics: metrics)
                try await store.sync(sites: sites)
                try await body(store) { fileBytes(path) }
            }
            return
        }
        let store = try await TestEngine.store(clock: clock, metrics: metrics)
        try await store.sync(sites: sites)
        try await body(store) {
            try await store.read { db in
                var bytes = Data()
                for table in try db.values(String.self, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename") {
                    for row in try db.rows("SELECT * FROM \(table)") {
                        for value in row.values {
                            switch value {
                            case .text(let text): bytes.append(Data(text.utf8))
                            case .blob(let blob): bytes.append(blob)
                            default: bytes.append(Data("\(value)".utf8))
                            }
                            bytes.append(0)
                        }
                    }
                }
                return bytes
            }
        }
        await store.close()
    }

    /// A store on a database file with the fixture site synced.
    static func fileStore(_ path: String, sites: [Site] = [site], durability: TicketStore.Durability = .full) async throws -> TicketStore {
        let store = try TicketStore.open(path: path, durability: durability, clock: ManualClock(morning))
        try await store.sync(sites: sites)
        return store
    }
}

extension TicketStore {
    /// Takes a plain number for a service.
    @discardableResult
    func take(_ service: String, priority: PriorityClass = .normal, remote: Bool = false, identity: String? = nil) async throws -> Ticket {
        try await issue(IssueRequest(siteID: "hall", service: service, identity: identity, priority: priority, remote: remote))
    }

    /// Calls next at a window and returns the number called.
    func call(_ counter: Int) async throws -> String {
        try await callNext(site: "hall", counter: counter).ticket.number.description
    }

    /// Calls, starts and completes at a window; returns the number served.
    @discardableResult
    func serveNext(_ counter: Int) async throws -> String {
        let number = try await call(counter)
        _ = try await start(site: "hall", counter: counter)
        _ = try await complete(site: "hall", counter: counter)
        return number
    }
}
