import Crypto
import Foundation
import GRDB
import Logging
import QuhaoCore
import Synchronization

/// The queue's state in one database (an SQLite file, or PostgreSQL shared by many daemons), and
/// the only way to change it.
///
/// Every command is one write transaction that reads the current state and changes it, so
/// the checks and the change can never be separated by another writer (DESIGN.md decision 1).
/// Every change appends to `ticket_events`.
public struct TicketStore: StorageAccess {
    /// Where transactions run (``StoreEngine``).
    let writer: any StoreEngine
    /// The SQLite database under the engine (`nil` on PostgreSQL): backups, the file's `data_version`.
    let database: (any DatabaseWriter)?
    let clock: any QuhaoClock
    let random: RandomSource
    let identityKey: Data
    let observers: CommitObservers
    let sites = SiteDefinitions()
    /// Taking numbers: committed in groups (see ``GroupCommit``).
    let issues: GroupCommit
    /// The ticket events of each commit, told to listeners after it (metrics, webhooks).
    let activity: TicketActivity
    /// What the store measures (``StoreMetrics``).
    let metrics: StoreMetrics
    /// The database file as opened (`nil` in memory and on PostgreSQL): readiness checks it is still the file at its path.
    public private(set) var databaseFile: HeldFile?
    /// Every site's presence key, as of the last sync (``presenceSecret(site:)``).
    let presenceSecrets = SharedTable<String>()
    /// Which engine holds the data, in words for the log (never a password).
    public let engineDescription: String
    /// The site versions whose changes this store knows (its own commits, what the feed told):
    /// ``sitesChangedElsewhere()`` reads a site again whole only beyond them.
    let ledger: SiteVersionLedger
    /// The SQLite file's `data_version` at the last look (``sitesChangedElsewhere()``).
    let dataVersion = SharedTable<Int>()
    /// Other daemons' commits as they happen (PostgreSQL; ``followChanges(_:)``).
    private(set) var changeFeed: PostgresChangeFeed?
    /// `sqlite` or `postgresql` (`/readyz`).
    public var engineName: String { database == nil ? "postgresql" : "sqlite" }

    /// How hard each commit is pushed to disk.
    public enum Durability: Sendable {
        /// `synchronous=FULL`: an acknowledged ticket survives a power cut.
        case full
        /// `synchronous=NORMAL`: survives a crash of the process, not of the machine (tests, benchmarks).
        case normal
    }

    /// Opens the store a `--database` value names: a `postgres://` URL (the password from the
    /// environment, ``PostgresLocation/password(environment:)``) or an SQLite file's path.
    /// - Throws: `QuhaoURLError` for a URL that cannot be used; when the database cannot be opened or migrated.
    public static func open(
        _ location: String, durability: Durability = .full, clock: any QuhaoClock, random: RandomSource = .system, metrics: StoreMetrics = .none
    ) async throws -> TicketStore {
        guard PostgresLocation.isURL(location) else {
            return try open(path: location, durability: durability, clock: clock, random: random, metrics: metrics)
        }
        return try await open(
            postgres: try PostgresLocation(url: location), password: try PostgresLocation.password(), clock: clock, random: random, metrics: metrics)
    }

    /// Opens (creating if needed) the database file and brings its schema up to date.
    /// - Parameters:
    ///   - path: The SQLite file; its directory is created if missing.
    ///   - durability: See ``Durability``.
    ///   - clock: The source of "now".
    ///   - random: The source of tokens and keys.
    ///   - metrics: Where the store's measurements go (none by default).
    /// - Throws: When the file cannot be opened or migrated.
    public static func open(
        path: String, durability: Durability = .full, clock: any QuhaoClock, random: RandomSource = .system, metrics: StoreMetrics = .none
    ) throws -> TicketStore {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: durability == .full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
            // What is deleted or overwritten is zeroed in the file, not left in free space: personal
            // data purged after the retention period must be gone from the disk (``purgePersonalData``).
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        var store = try TicketStore(writer: pool, clock: clock, random: random, metrics: metrics)
        store.databaseFile = try HeldFile(role: "database", path: path)
        return store
    }

    /// A store in memory: for tests and trials; nothing survives the process.
    public static func inMemory(clock: any QuhaoClock, random: RandomSource = .system, metrics: StoreMetrics = .none) throws -> TicketStore {
        try TicketStore(writer: try DatabaseQueue(), clock: clock, random: random, metrics: metrics)
    }

    /// Wraps an open SQLite database (a pool for files, a queue for in-memory tests) and migrates it.
    public init(writer: any DatabaseWriter, clock: any QuhaoClock, random: RandomSource = .system, metrics: StoreMetrics = .none) throws {
        try Migrations.migrator.migrate(writer)
        let key = try writer.write { db in try Self.prepare(GRDBDatabase(db: db), now: clock.now(), random: random) }
        let activity = TicketActivity()
        let engine = SQLiteEngine(database: writer, committed: activity.committed)
        let path = writer.path
        self.init(
            engine: engine, sqlite: writer, activity: activity, identityKey: key, clock: clock, random: random, metrics: metrics,
            description: path.isEmpty || path == ":memory:" ? "SQLite (in memory)" : "SQLite \(path)", ledger: SiteVersionLedger())
    }

    /// Connects to PostgreSQL and brings its schema up to date (once, however many daemons start
    /// together: ``PostgresMigrations``).
    /// - Throws: `PostgresFailure` when the server cannot be reached or refuses.
    public static func open(
        postgres location: PostgresLocation, password: String?, clock: any QuhaoClock, random: RandomSource = .system, metrics: StoreMetrics = .none
    ) async throws -> TicketStore {
        let activity = TicketActivity()
        let ledger = SiteVersionLedger()
        let servers = try location.servers(password: password)
        let feed = PostgresChangeFeed(servers: servers, ledger: ledger, logger: Logger(label: "quhao.postgres"))
        let engine = PostgresEngine(
            servers: servers,
            committing: { journal in
                let versions = journal.entries.siteVersions
                feed.committing(versions)
                ledger.handled(versions)
            },
            committed: activity.committed)
        do {
            try await PostgresMigrations.migrate(engine)
            let key = try await engine.write { db in try Self.prepare(db, now: clock.now(), random: random) }
            var store = TicketStore(
                engine: engine, sqlite: nil, activity: activity, identityKey: key, clock: clock, random: random, metrics: metrics,
                description: "PostgreSQL \(location)", ledger: ledger)
            // Without notifications (`notify=off`) the polled change counter carries the boards alone.
            if location.notify { store.changeFeed = feed }
            // Nothing on the request path may wait for the server: every presence key is held from the start.
            let secrets = try await store.read { db in try Self.presenceSecrets(db) }
            store.presenceSecrets.withLock { $0.merge(secrets) { _, new in new } }
            return store
        } catch {
            await engine.close()
            throw storageFailure(error)
        }
    }

    private init(
        engine: any StoreEngine, sqlite: (any DatabaseWriter)?, activity: TicketActivity, identityKey: Data, clock: any QuhaoClock,
        random: RandomSource, metrics: StoreMetrics, description: String, ledger: SiteVersionLedger
    ) {
        self.ledger = ledger
        activity.onCommit { metrics.count($0) }
        self.activity = activity
        self.writer = engine
        self.database = sqlite
        self.clock = clock
        self.random = random
        self.identityKey = identityKey
        let observers = CommitObservers()
        self.observers = observers
        self.metrics = metrics
        self.issues = GroupCommit(engine: engine, clock: clock, observers: observers, metrics: metrics)
        self.engineDescription = description
    }

    /// What a freshly opened database needs once, on either engine: tickets that finished before
    /// the figures' rollup existed (or were seeded directly) read into it, and the key behind
    /// identity hashes (made once per database; it never leaves it).
    /// - Returns: The identity key.
    private static func prepare(_ db: any SQLDatabase, now: Date, random: RandomSource) throws -> Data {
        if try reportFactsNeedRebuild(db) { _ = try rebuildReportFacts(db, now: now) }
        if let existing = try db.value(Data.self, "SELECT value FROM secrets WHERE name = 'identity_hmac'") {
            return existing
        }
        let fresh = Data(random.bytes(32))
        // Two daemons starting at once on a new database: the first key stands.
        try db.execute("INSERT INTO secrets (name, value) VALUES ('identity_hmac', ?) ON CONFLICT (name) DO NOTHING", [fresh])
        return try db.value(Data.self, "SELECT value FROM secrets WHERE name = 'identity_hmac'") ?? fresh
    }

    /// Closes the store's connections to PostgreSQL, waiting until they are closed (the daemon's
    /// stop); on SQLite GRDB closes the file when the last copy of the store is gone.
    public func close() async {
        if let engine = writer as? PostgresEngine { await engine.close() }
    }

    /// The HMAC under which an identity is stored (one-ticket-per-person rule); the clear value never is.
    func identityHash(_ identity: ValidIdentity) -> String {
        keyedHash("\(identity.kind.rawValue):\(identity.normalized)")
    }

    /// HMAC-SHA256 under the database's own key, hex.
    func keyedHash(_ text: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: SymmetricKey(data: identityKey))
        return Array(mac).hex
    }

    // MARK: - Transactions

    /// What a command sees inside its transaction.
    struct Context {
        let db: any SQLDatabase
        let now: Date
        let site: Site
        let random: RandomSource
        var day: BusinessDay { site.businessDay(at: now) }

        /// Appends an event to the ticket log, notes it for the listeners told after the commit
        /// (metrics), and queues it for the site's webhooks, all in this transaction.
        /// - Parameter ticket: The ticket as the event left it.
        func append(_ event: inout TicketEvent, ticket: TicketRecord) throws {
            try event.insert(db)
            db.journal.note(event)
            try TicketStore.updateReportFacts(after: event, ticket: ticket, self)
            let kind: WebhookEvent? = event.action == "issue" ? .issued : TicketAction(rawValue: event.action).map(WebhookEvent.init)
            if let kind { try TicketStore.enqueueWebhooks(kind, ticket: ticket, self) }
            try TicketStore.enqueueNotices(after: event, ticket: ticket, self)
        }
    }

    /// Runs a command for a site in one write transaction, then announces the change.
    func write<T: Sendable>(site siteID: String, _ body: @escaping @Sendable (Context) throws -> T) async throws -> T {
        try await transact { db, now in
            (siteID, try body(Context(db: db, now: now, site: try sites.load(db, siteID), random: random)))
        }
    }

    /// Runs a command on one ticket in one write transaction: the ticket is read inside it,
    /// then the rules of its site.
    func write<T: Sendable>(
        ticket reference: TicketReference, _ body: @escaping @Sendable (Context, inout TicketRecord) throws -> T
    ) async throws -> T {
        try await transact { db, now in
            var record: TicketRecord
            let site: Site
            if case .number(let siteID, _) = reference {
                site = try sites.load(db, siteID)
                record = try Self.fetchTicket(db, reference, day: site.businessDay(at: now))
            } else {
                record = try Self.fetchTicket(db, reference, day: nil)
                site = try sites.load(db, record.siteID)
            }
            return (site.id, try body(Context(db: db, now: now, site: site, random: random), &record))
        }
    }

    /// Refuses a ticket command when the database file was moved, deleted or replaced under the
    /// daemon: what it wrote now would be gone at its next start (503, not answered as done).
    /// A `stat` of the path: nothing next to a write transaction's `fsync`.
    func databaseFileInPlace() throws {
        if let databaseFile, !databaseFile.isInPlace {
            throw QuhaoError(.storageFileReplaced, ["files": databaseFile.name.zh, "files@en": databaseFile.name.en])
        }
    }

    /// One write transaction at the clock's "now"; announces the touched site and tickets after the commit.
    private func transact<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase, Date) throws -> (site: String, value: T)) async throws -> T {
        try databaseFileInPlace()
        let now = clock.now()
        let began = Mutex<ContinuousClock.Instant?>(nil)
        let (siteID, value, touched) = try await guarded {
            try await writer.write { db in
                began.withLock { $0 = .now }
                let (siteID, value) = try body(db, now)
                return (siteID, value, db.journal)
            }
        }
        if let began = began.withLock({ $0 }) { metrics.writeTransaction.recordInterval(since: began) }
        observers.notify(siteID, .only(touched.entries.tickets))
        return value
    }

    /// `storage.unavailable` for a storage failure; any other error as it is.
    static func storageFailure(_ error: any Error) -> any Error {
        if let failure = error as? PostgresFailure {
            guard failure.isUnavailable else { return failure }
            if failure.sqlState == "25006" {
                // Reached, but a read-only standby: the operator's address names the wrong server.
                return QuhaoError(
                    .storageUnavailable,
                    [
                        "reason": "数据库服务器是只读备库：请让地址指向主库，或列出各服务器并加 target_session_attrs=read-write",
                        "reason@en": "the database server is a read-only standby: point the URL at the primary, or list the servers with "
                            + "target_session_attrs=read-write",
                        "postgres": failure.description,
                    ])
            }
            return QuhaoError(
                .storageUnavailable,
                ["reason": "数据库服务器无法访问", "reason@en": "the database server cannot be reached", "postgres": failure.description])
        }
        guard let error = error as? DatabaseError, storageFailures.contains(error.resultCode) else { return error }
        return storageError(error.resultCode)
    }

    static let storageFailures: [ResultCode] = [.SQLITE_FULL, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_CORRUPT]

    /// `storage.unavailable` with the cause in words, in both languages (the SQLite code for the log).
    static func storageError(_ code: ResultCode) -> QuhaoError {
        let (zh, en): (String, String) =
            switch code.primaryResultCode {
            case .SQLITE_FULL: ("存储空间已满", "the disk is full")
            case .SQLITE_READONLY: ("数据库文件只读", "the database file is read-only")
            case .SQLITE_CANTOPEN: ("无法打开数据库文件", "the database file cannot be opened")
            case .SQLITE_CORRUPT: ("数据库文件已损坏", "the database file is damaged")
            default: ("磁盘读写出错", "a disk read or write failed")
            }
        return QuhaoError(.storageUnavailable, ["reason": zh, "reason@en": en, "sqlite": code.description])
    }

}

/// Who is told after each commit which site and tickets changed (the live board), with the
/// site's commit sequence: 1, 2, 3 … per site and process, so a reader can ask "has this commit
/// reached you yet".
final class CommitObservers: Sendable {
    private let observers = Mutex<[@Sendable (String, TicketChanges, UInt64) -> Void]>([])
    private let sequences = Mutex<[String: UInt64]>([:])

    func add(_ observer: @escaping @Sendable (String, TicketChanges, UInt64) -> Void) { observers.withLock { $0.append(observer) } }

    func notify(_ siteID: String, _ changes: TicketChanges) {
        let sequence = sequences.withLock { sequences in
            sequences[siteID, default: 0] += 1
            return sequences[siteID]!
        }
        for observer in observers.withLock({ $0 }) { observer(siteID, changes, sequence) }
    }

    /// The sequence of the site's latest commit (0: none yet).
    func sequence(_ siteID: String) -> UInt64 { sequences.withLock { $0[siteID] ?? 0 } }
}

extension TicketStore {
    /// Calls `observer` after every committed change with the site's id, the ticket rows it
    /// touched and the site's commit sequence, from any thread, before the command returns.
    public func onCommit(_ observer: @escaping @Sendable (_ siteID: String, _ changes: TicketChanges, _ sequence: UInt64) -> Void) {
        observers.add(observer)
    }

    /// The sequence of the site's latest commit by this store: a handler that changed something
    /// waits until the board has taken in this one (``LiveBoard/snapshot(_:including:)``).
    public func commitSequence(site: String) -> UInt64 { observers.sequence(site) }
}

/// Reads site definitions inside transactions, decoding each stored definition once.
///
/// The row is read in every transaction (so a sync by another process is seen at once);
/// only the JSON decoding is remembered, keyed by the definition text itself.
/// A table of values by name that the copies of a store share (behind one lock).
final class SharedTable<Value: Sendable>: Sendable {
    private let table = Mutex<[String: Value]>([:])

    func withLock<Result: Sendable>(_ body: (inout [String: Value]) -> Result) -> Result { table.withLock { body(&$0) } }
}

final class SiteDefinitions: Sendable {
    private let decoded = Mutex<[String: (json: String, site: Site)]>([:])

    /// The active site with this id. In a write on PostgreSQL the site's row stays locked until
    /// the commit (a site's commands run one at a time, whichever daemon took them) and its
    /// version goes up once per transaction (``SQLDialect/siteDefinition(locking:)``).
    /// - Throws: `site.not_found`.
    func load(_ db: any SQLDatabase, _ siteID: String) throws -> Site {
        let locking = db.isWriting && db.journal.entries.siteVersions[siteID] == nil
        guard let row = try db.row(db.dialect.siteDefinition(locking: locking), [siteID])
        else { throw QuhaoError(.siteNotFound, ["site": siteID]) }
        let json: String = try row["definition"]
        if locking, let version: Int64 = try row["version"] { db.journal.noteSite(siteID, version: version) }
        if let cached = decoded.withLock({ $0[siteID] }), cached.json == json { return cached.site }
        let site = try JSONDecoder().decode(Site.self, from: Data(json.utf8))
        decoded.withLock { $0[siteID] = (json, site) }
        return site
    }
}

extension TicketStore {
    /// The name a site's presence secret is kept under.
    static func presenceSecretName(_ site: String) -> String { "presence:\(site)" }

    /// A site's presence-code key, made when the site was synced (``sync(sites:)``) and held in
    /// memory from then on (the daemon reads it on every scan: never a file read on the request
    /// path); `nil` for a site never synced. A tool that did not sync reads it once from the file.
    public func presenceSecret(site: String) -> String? {
        if let held = presenceSecrets.withLock({ $0[site] }) { return held }
        guard let database else { return nil }
        let stored = try? database.read { db in
            try GRDBDatabase(db: db).value(Data.self, "SELECT value FROM secrets WHERE name = ?", [Self.presenceSecretName(site)])
                .map { String(decoding: $0, as: UTF8.self) }
        }
        if let stored { presenceSecrets.withLock { $0[site] = stored } }
        return stored ?? nil
    }

    /// Every site's presence key, read in a sync's transaction.
    static func presenceSecrets(_ db: any SQLDatabase) throws -> [String: String] {
        var secrets: [String: String] = [:]
        for row in try db.rows("SELECT name, value FROM secrets WHERE name LIKE 'presence:%'") {
            let name: String = try row["name"]
            let value: Data = try row["value"]
            secrets[String(name.dropFirst("presence:".count))] = String(decoding: value, as: UTF8.self)
        }
        return secrets
    }

    /// Gives a site a new presence key: its display and kiosk links (`?key=`) and its rotating
    /// codes change; the old links stop working. A running daemon takes it at its next sync
    /// (`systemctl reload quhao`); in this process, at once.
    /// - Returns: The new key.
    @discardableResult
    public func rotatePresenceSecret(site: String) async throws -> String {
        let fresh = random.token(byteCount: 32)
        try await guarded {
            try await writer.write { db in
                guard try db.value(Int.self, "SELECT COUNT(*) FROM sites WHERE id = ? AND active = 1", [site]) == 1 else {
                    throw QuhaoError(.siteNotFound, ["site": site])
                }
                try db.execute(
                    "INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    [Self.presenceSecretName(site), Data(fresh.utf8)])
            }
        }
        presenceSecrets.withLock { $0[site] = fresh }
        observers.notify(site, .all)
        return fresh
    }

    /// The active ticket a phone holds at a site, if any (to offer check-in when it scans the hall QR).
    public func activeTicket(site: String, device: String) async throws -> Ticket? {
        let hash = keyedHash("device:\(device)")
        return try await read { db in
            try TicketRecord.fetchOne(
                db,
                """
                SELECT * FROM tickets WHERE site_id = ? AND device_hash = ? AND state IN ('remote', 'waiting', 'called', 'serving')
                ORDER BY id DESC LIMIT 1
                """, [site, hash])?.ticket
        }
    }
}

extension TicketStore {
    /// Calls `changed` with the site and tickets of every commit another daemon makes on the
    /// shared database, as it is made (`nil` tickets: read the site whole), and with a `nil` site
    /// whenever any site may have changed unseen (the listener's (re)connection), until the task is
    /// cancelled. Returns at once on SQLite and with `notify=off` (``sitesChangedElsewhere()`` then).
    public func followChanges(_ changed: @escaping @Sendable (_ site: String?, _ tickets: Set<Ticket.ID>?) async -> Void) async {
        await changeFeed?.run(changed)
    }

    /// The sites another process changed since the last call, without being told how (none at
    /// the first call): on SQLite every site when the file's `data_version` moved (the command line
    /// run beside the daemon); on PostgreSQL the sites whose versions moved past what this store
    /// knows of (its own commits, what the change feed told: ``SiteVersionLedger``). Polled: the
    /// change counter that works on every PostgreSQL-compatible database, notifications or not.
    public func sitesChangedElsewhere() async throws -> [String] {
        guard let database else {
            let versions = try await read { db in
                try db.rows("SELECT id, version FROM sites").reduce(into: [String: Int64]()) { $0[try $1["id"]] = try $1["version"] }
            }
            return ledger.unseen(versions)
        }
        let version = try await database.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0 }
        let moved = dataVersion.withLock { seen in
            defer { seen["data_version"] = version }
            return seen["data_version"].map { $0 != version } ?? false
        }
        return moved ? try await siteIDs() : []
    }
}

/// What every store over the database shares: reads, and storage failures turned into
/// `storage.unavailable` (``TicketStore/storageFailure(_:)``).
protocol StorageAccess: Sendable {
    var writer: any StoreEngine { get }
}

extension StorageAccess {
    /// Runs a read.
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) throws -> T) async throws -> T {
        try await guarded { try await writer.read(body) }
    }

    /// Turns storage failures (disk full, I/O errors, read-only file) into `storage.unavailable`.
    func guarded<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw TicketStore.storageFailure(error)
        }
    }
}
