import Dispatch
import Foundation
import QuhaoCore
import Synchronization
import Testing

@testable import QuhaoStore

/// The PostgreSQL side of the engine seam, against the throwaway cluster `make test` starts
/// (`QUHAO_TEST_POSTGRES`). A whole server restart is the e2e's (`Tests/e2e`), from outside.
@Suite(.enabled(if: testPostgresURL != nil, "needs QUHAO_TEST_POSTGRES (make test starts a cluster)"), .serialized)
struct PostgresEngineTests {
    static let url = testPostgresURL

    /// Runs `body` with an engine on the test cluster, closed at the end whatever happens.
    static func withEngine(
        on location: PostgresLocation? = nil, committed: @escaping @Sendable (CommitJournal) -> Void = { _ in },
        _ body: (PostgresEngine) async throws -> Void
    ) async throws {
        let engine = try PostgresEngine(location: try location ?? PostgresLocation(url: try #require(url)), password: nil, committed: committed)
        do {
            try await body(engine)
        } catch {
            await engine.close()
            throw error
        }
        await engine.close()
    }

    /// A table of this test's own (the tests share one database).
    static func table(_ name: String, _ engine: PostgresEngine) async throws -> String {
        let table = "t_\(name)_\(UInt32.random(in: 0...UInt32.max))"
        try await engine.write { db in
            try db.execute("CREATE TABLE \(table) (id BIGSERIAL PRIMARY KEY, i BIGINT, d DOUBLE PRECISION, t TEXT UNIQUE, b BYTEA, at TIMESTAMPTZ)")
        }
        return table
    }

    @Test func placeholdersAreNumberedOutsideQuotesAndComments() {
        #expect(PostgresDatabase.numbered("SELECT ? , '?' , \"a?\" -- ?\n, ? /* ? */ , ?") == "SELECT $1 , '?' , \"a?\" -- ?\n, $2 /* ? */ , $3")
        #expect(PostgresDatabase.numbered("SELECT 'it''s ?', ? - 1, 4/2") == "SELECT 'it''s ?', $1 - 1, 4/2")
    }

    @Test func everyKindOfValueComesBackAsItWasBound() async throws {
        try await Self.withEngine { engine in
            let table = try await Self.table("values", engine)
            let moment = Date(timeIntervalSince1970: 1_796_000_000.123456)
            let bytes = Data((0...255).map(UInt8.init))
            let text = "纳税人 O'Brien \"quoted\" ? $1"
            try await engine.write { db in
                try db.execute("INSERT INTO \(table) (i, d, t, b, at) VALUES (?, ?, ?, ?, ?)", [Int64.max, 2.5, text, bytes, moment])
                try db.execute(
                    "INSERT INTO \(table) (i, d, t, b, at) VALUES (?, ?, ?, ?, ?)",
                    [nil as Int?, nil as Double?, nil as String?, nil as Data?, nil as Date?])
            }
            let rows = try await engine.read { db in try db.rows("SELECT * FROM \(table) ORDER BY id") }
            #expect(rows.count == 2)
            #expect(try rows[0]["i"] as Int64 == Int64.max)
            #expect(try rows[0]["d"] as Double == 2.5)
            #expect(try rows[0]["t"] as String == text)
            #expect(try rows[0]["b"] as Data == bytes)
            let read: Date = try rows[0]["at"]
            #expect(abs(read.timeIntervalSince(moment)) < 0.000_001)
            let missingNumber: Int64? = try rows[1]["i"]
            let missingMoment: Date? = try rows[1]["at"]
            #expect(missingNumber == nil && missingMoment == nil)
            // Aggregates: COUNT is bigint, SUM numeric, comparisons boolean; all read as the seam's values.
            let sums = try await engine.read { db in try db.row("SELECT COUNT(*) AS n, SUM(i / 2) AS s, (COUNT(*) = 2) AS two FROM \(table)") }
            let aggregate = try #require(sums)
            let count: Int = try aggregate["n"]
            let two: Bool = try aggregate["two"]
            let sum: Double = try aggregate["s"]
            #expect(count == 2 && two)
            #expect(sum == Double(Int64.max / 2))
        }
    }

    @Test func aRefusedSavepointIsUndoneAndTheTransactionGoesOn() async throws {
        let journals = JournalLog()
        let noteJournal: @Sendable (CommitJournal) -> Void = { journals.append($0.entries) }
        try await Self.withEngine(committed: noteJournal) { engine in
            let table = try await Self.table("savepoint", engine)
            try await engine.write { db in
                try db.execute("INSERT INTO \(table) (t) VALUES ('A001')")
                db.journal.touch([1])
                do {
                    try db.savepoint {
                        db.journal.touch([2])
                        try db.execute("INSERT INTO \(table) (t) VALUES ('A001')")
                    }
                    Issue.record("a duplicate was accepted")
                } catch let failure as PostgresFailure {
                    #expect(failure.sqlState == "23505")
                    #expect(!failure.isUnavailable)
                }
                try db.execute("INSERT INTO \(table) (t) VALUES ('A002')")
            }
            let numbers = try await engine.read { db in try db.values(String.self, "SELECT t FROM \(table) ORDER BY t") }
            #expect(numbers == ["A001", "A002"])
            #expect(journals.all.last?.tickets == [1])
            let id = try await engine.write { db in try db.insert("INSERT INTO \(table) (t) VALUES (?)", ["A003"]) }
            #expect(id >= 3 && id <= 4)
        }
    }

    @Test func aConnectionKilledMidTransactionFailsAtOnceAndTheNextWriteReconnects() async throws {
        try await Self.withEngine { engine in
            let table = try await Self.table("killed", engine)
            let started = ContinuousClock.now
            await #expect(throws: PostgresFailure.self) {
                try await engine.write { db in
                    try db.execute("INSERT INTO \(table) (t) VALUES ('lost')")
                    // The server ends this session, as a restart or a failover would.
                    _ = try? db.execute("SELECT pg_terminate_backend(pg_backend_pid())")
                    try db.execute("INSERT INTO \(table) (t) VALUES ('after')")
                }
            }
            #expect(ContinuousClock.now - started < .seconds(5))
            try await engine.write { db in try db.execute("INSERT INTO \(table) (t) VALUES ('next')") }
            let left = try await engine.read { db in try db.values(String.self, "SELECT t FROM \(table) ORDER BY t") }
            #expect(left == ["next"], "nothing of the killed transaction stands")
        }
    }
    /// An empty database of its own (the shared one holds the other tests' tables, which Quhao
    /// would refuse to build its schema beside).
    static func empty() async throws -> PostgresLocation {
        try await TestDatabases.shared.empty(from: PostgresLocation(url: try #require(url)))
    }

    /// A URL naming another application's database: Quhao does not build its schema beside that
    /// application's tables (it did, without a word), and check-config says so.
    @Test func anotherApplicationsDatabaseIsRefused() async throws {
        let database = try await Self.empty()
        try await Self.withEngine(on: database) { engine in
            try await engine.write { db in try db.execute("CREATE TABLE orders (id BIGINT PRIMARY KEY)") }
            let refusal = await #expect(throws: PostgresFailure.self) { try await PostgresMigrations.migrate(engine) }
            #expect(refusal?.message.contains("another application's tables (orders)") == true)
            let tables = try await engine.read { db in try db.values(String.self, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'") }
            #expect(tables == ["orders"], "nothing of Quhao's made")
        }
        let probe = await DatabaseProbe.look(at: database.description)
        #expect(!probe.answers && probe.detail.contains("another application's tables"))
    }

    @Test func threeDaemonsStartingAtOnceMigrateTheDatabaseOnce() async throws {
        let database = try await Self.empty()
        try await Self.withEngine(on: database) { first in
            try await Self.withEngine(on: database) { second in
                try await Self.withEngine(on: database) { third in
                    let runs = try await withThrowingTaskGroup(of: [String].self) { group in
                        for engine in [first, second, third] { group.addTask { try await PostgresMigrations.migrate(engine) } }
                        return try await group.reduce(into: [[String]]()) { $0.append($1) }
                    }
                    // On a new database one run applies the list, the others find it done; on one
                    // migrated before (a cluster reused), none applies anything.
                    #expect(runs.filter { !$0.isEmpty }.count <= 1)
                    #expect(runs.allSatisfy { $0.isEmpty || $0 == PostgresMigrations.list.map(\.name) })
                    let applied = try await first.read { db in try db.values(String.self, "SELECT name FROM quhao_migrations ORDER BY name") }
                    #expect(applied == PostgresMigrations.list.map(\.name))
                    let tickets = try await second.read { db in try db.value(Int.self, "SELECT COUNT(*) FROM tickets") }
                    #expect(tickets != nil)
                }
            }
        }
    }

    @Test func aSitesWritesWaitForEachOtherAcrossDaemons() async throws {
        let database = try await Self.empty()
        try await Self.withEngine(on: database) { first in
            try await Self.withEngine(on: database) { second in
                try await Self.withEngine(on: database) { watcher in
                    try await PostgresMigrations.migrate(first)
                    let site = "lock-\(UInt32.random(in: 0...UInt32.max))"
                    try await first.write { db in
                        try db.execute("INSERT INTO sites (id, definition, synced_at) VALUES (?, '{}', ?)", [site, Date()])
                    }
                    let sites = SiteDefinitions()
                    let order = Order()
                    let locked = DispatchSemaphore(value: 0)
                    let release = DispatchSemaphore(value: 0)
                    // The first daemon's command holds the site (its body waits, on the engine's own queue).
                    let held = Task {
                        try await first.write { db in
                            _ = try? sites.load(db, site)
                            locked.signal()
                            release.wait()
                            order.append("first")
                        }
                    }
                    defer { release.signal() }
                    // Told by the first command itself once its read took the lock.
                    await withCheckedContinuation { continuation in
                        DispatchQueue.global().async {
                            locked.wait()
                            continuation.resume()
                        }
                    }
                    #expect(try await Self.lockHolders(site, watcher) == 1)
                    let waiting = Task {
                        try await second.write { db in
                            _ = try? sites.load(db, site)
                            order.append("second")
                        }
                    }
                    // The second daemon's command waits for the row, not for a timer.
                    try await Self.until("the second command waits for the site") {
                        try await watcher.read { db in try db.value(Int.self, "SELECT COUNT(*) FROM pg_locks WHERE NOT granted") ?? 0 } >= 1
                    }
                    #expect(order.all.isEmpty)
                    release.signal()
                    try await held.value
                    try await waiting.value
                    #expect(order.all == ["first", "second"])
                    // Each command raised the site's version once, and told it on the change channel.
                    #expect(try await watcher.read { db in try db.value(Int64.self, "SELECT version FROM sites WHERE id = ?", [site]) } == 2)
                }
            }
        }
    }

    /// Checks `condition` every 5 ms until it holds; fails after 10 s saying what it waited for.
    /// For what nothing announces: a session starting to wait on a row lock is only seen in `pg_locks`.
    static func until(_ what: String, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<2000 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw WaitedTooLong(what: what)
    }

    struct WaitedTooLong: Error {
        let what: String
    }

    /// Sessions holding a row lock of the sites table (the first command's).
    static func lockHolders(_ site: String, _ engine: PostgresEngine) async throws -> Int {
        try await engine.read { db in
            try db.value(
                Int.self,
                "SELECT COUNT(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'sites' AND l.mode IN ('RowShareLock', 'RowExclusiveLock') AND l.granted"
            ) ?? 0
        }
    }

    @Test func theBaselineSchemaBuildsAndItsTriggersHold() async throws {
        struct RolledBack: Error {}
        try await Self.withEngine { engine in
            await #expect(throws: RolledBack.self) {
                try await engine.write { db in
                    // A schema of its own, inside a transaction rolled back at the end: nothing stays.
                    let schema = "s_\(UInt32.random(in: 0...UInt32.max))"
                    try db.execute("CREATE SCHEMA \(schema)")
                    try db.execute("SET LOCAL search_path TO \(schema)")
                    for statement in PostgresSchema.baseline { try db.execute(statement) }
                    #expect(try db.value(Int.self, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ?", [schema]) == 25)
                    let now = Date()
                    try db.execute("INSERT INTO sites (id, definition, synced_at) VALUES ('office', '{}', ?)", [now])
                    let ticket = try db.insert(
                        """
                        INSERT INTO tickets (token, site_id, day, origin_service_id, seq, number, service_id, state, priority, channel,
                            sort_key, issued_at)
                        VALUES ('t', 'office', '2026-12-02', 'routine', 1, 'R001', 'routine', 'waiting', 'normal', 'phone', 1000, ?)
                        """, [now])
                    let unit = try db.insert(
                        """
                        INSERT INTO units (site_id, name, uscc, licence, address, type, risk, contact_phone, kitchen_mode, poster_token,
                            private_token, created_at, updated_at)
                        VALUES ('office', '食堂', '91330100000000001X', 'JY1', '钱塘区', 'canteen', 'A', '13912345678', 'open', 'p', 'u', ?, ?)
                        """, [now, now])
                    try db.execute(
                        "INSERT INTO inspections (site_id, unit_id, kind, status, ticket_id, requested_at) VALUES ('office', ?, 'routine', 'requested', ?, ?)",
                        [unit, ticket, now])
                    try db.execute("UPDATE tickets SET state = 'called', counter_id = 2 WHERE id = ?", [ticket])
                    let followed = try #require(try db.row("SELECT status, counter_id FROM inspections WHERE ticket_id = ?", [ticket]))
                    #expect(try followed["status"] as String == "called")
                    #expect(try followed["counter_id"] as Int == 2)
                    try db.execute(
                        "INSERT INTO ticket_events (ticket_id, site_id, at, action, to_state, service_id, initiator) VALUES (?, 'office', ?, 'call', 'called', 'routine', 'system')",
                        [ticket, now])
                    #expect(throws: PostgresFailure.self, "the log is append-only") {
                        try db.savepoint { try db.execute("DELETE FROM ticket_events") }
                    }
                    try db.execute(
                        "INSERT INTO staff (login, name, role, password_hash, created_at, password_changed_at) VALUES ('Wang', 'w', 'admin', 'h', ?, ?)",
                        [now, now])
                    #expect(throws: PostgresFailure.self, "a login is one whatever its case") {
                        try db.savepoint {
                            try db.execute(
                                "INSERT INTO staff (login, name, role, password_hash, created_at, password_changed_at) VALUES ('wang', 'w', 'admin', 'h', ?, ?)",
                                [now, now])
                        }
                    }
                    throw RolledBack()
                }
            }
        }
    }
}

/// The throwaway cluster's URL, when `make test` started one.

/// The order in which commands ran.
final class Order: Sendable {
    private let names = Mutex<[String]>([])
    func append(_ name: String) { names.withLock { $0.append(name) } }
    var all: [String] { names.withLock { $0 } }
}

/// The journals a test's engine announced.
final class JournalLog: Sendable {
    private let entries = Mutex<[CommitJournal.Entries]>([])
    func append(_ value: CommitJournal.Entries) { entries.withLock { $0.append(value) } }
    var all: [CommitJournal.Entries] { entries.withLock { $0 } }
}
