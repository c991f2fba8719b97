import Foundation
import QuhaoCore
import Synchronization
import Testing

@testable import QuhaoStore

/// The test cluster `make test` starts (`Tests/support/postgres-cluster.sh`), if any.
let testPostgresURL = ProcessInfo.processInfo.environment["QUHAO_TEST_POSTGRES"]

/// Which engine the store suite runs on. The same tests run on both: `make test` runs this
/// target once as it is (SQLite in memory) and once with `QUHAO_TEST_ENGINE=postgres`, where
/// every store is a fresh database of its own on the test cluster, copied from one migrated
/// template. Tests of what only SQLite has (its file, WAL, backups, query plans) say so
/// (``Testing/Trait/sqliteOnly``) and are skipped in the PostgreSQL run.
enum TestEngine {
    static let isPostgres = ProcessInfo.processInfo.environment["QUHAO_TEST_ENGINE"] == "postgres"

    /// A fresh, empty store on the engine under test.
    static func store(clock: any QuhaoClock, random: RandomSource = .system, metrics: StoreMetrics = .none) async throws -> TicketStore {
        guard isPostgres else { return try TicketStore.inMemory(clock: clock, random: random, metrics: metrics) }
        guard let url = testPostgresURL else {
            throw QuhaoURLError(zh: "QUHAO_TEST_ENGINE=postgres 需要 QUHAO_TEST_POSTGRES", en: "QUHAO_TEST_ENGINE=postgres needs QUHAO_TEST_POSTGRES")
        }
        let location = try await TestDatabases.shared.fresh(from: PostgresLocation(url: url))
        return try await TicketStore.open(postgres: location, password: nil, clock: clock, random: random, metrics: metrics)
    }

    /// Runs `body` with two stores on one fresh database, as two daemons have it (an SQLite file
    /// in a fresh directory, removed afterwards; a PostgreSQL database), the fixture site synced.
    static func withTwoStores(clock: any QuhaoClock, _ body: (TicketStore, TicketStore) async throws -> Void) async throws {
        guard isPostgres, let url = testPostgresURL else {
            try await Fixture.withDatabaseFile { path in
                let first = try TicketStore.open(path: path, durability: .normal, clock: clock)
                try await first.sync(sites: [Fixture.site])
                try await body(first, try TicketStore.open(path: path, durability: .normal, clock: clock))
            }
            return
        }
        let location = try await TestDatabases.shared.fresh(from: PostgresLocation(url: url))
        let first = try await TicketStore.open(postgres: location, password: nil, clock: clock)
        try await first.sync(sites: [Fixture.site])
        let second = try await TicketStore.open(postgres: location, password: nil, clock: clock)
        try await body(first, second)
        await first.close()
        await second.close()
    }
}

extension Trait where Self == ConditionTrait {
    /// A test of what only SQLite has (its file and WAL, backups, query plans): skipped in the PostgreSQL run.
    static var sqliteOnly: Self { .enabled(if: !TestEngine.isPostgres, "what only SQLite has") }
}

/// Databases for the PostgreSQL run: a template migrated once per test process, and a copy of it
/// for each store (`CREATE DATABASE … TEMPLATE`, tens of milliseconds on the test cluster).
actor TestDatabases {
    static let shared = TestDatabases()
    fileprivate var admin: PostgresEngine?
    /// Made by the first caller; the others wait for it (an actor is re-entered at every `await`).
    private var template: Task<String, any Error>?
    fileprivate var made = 0

    func fresh(from base: PostgresLocation) async throws -> PostgresLocation {
        let admin = try self.admin ?? PostgresEngine(location: base, password: nil)
        self.admin = admin
        let prefix = "quhao_test_\(getpid())"
        let template =
            self.template
            ?? Task {
                let name = "\(prefix)_template"
                try await admin.executeOutsideTransaction("CREATE DATABASE \(name)")
                let store = try await TicketStore.open(
                    postgres: try base.with(database: name), password: nil, clock: ManualClock(Date(timeIntervalSince1970: 0)))
                await store.close()
                return name
            }
        self.template = template
        let source = try await template.value
        made += 1
        let name = "\(prefix)_\(made)"
        try await admin.executeOutsideTransaction("CREATE DATABASE \(name) TEMPLATE \(source)")
        return try base.with(database: name)
    }
}

extension TestDatabases {
    /// An empty database (no template), for what a database without Quhao's schema does.
    func empty(from base: PostgresLocation) async throws -> PostgresLocation {
        let admin = try self.admin ?? PostgresEngine(location: base, password: nil)
        self.admin = admin
        made += 1
        let name = "quhao_test_\(getpid())_empty_\(made)"
        try await admin.executeOutsideTransaction("CREATE DATABASE \(name)")
        return try base.with(database: name)
    }
}

extension PostgresLocation {
    /// The same server and user, another database.
    func with(database: String) throws -> PostgresLocation {
        try PostgresLocation(url: "postgres://\(user)@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)")
    }
}
