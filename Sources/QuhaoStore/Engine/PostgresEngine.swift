import Dispatch
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// PostgreSQL through postgres-nio: a writer and a reader, each its own connection driven from
/// its own serial queue (bodies are synchronous and wait per statement there, never on the task
/// pool or an event loop). READ COMMITTED, as the server's default: the serialization of a site's
/// commands is the site row's lock, taken at the start of every write (``SiteDefinitions``).
/// A connection that closes fails the statement in flight (``PostgresLink``) and is made again
/// at the next transaction.
final class PostgresEngine: StoreEngine {
    /// The servers, and how one is chosen (``PostgresServers``).
    let servers: PostgresServers
    /// Told what each committed write did.
    let committed: @Sendable (CommitJournal) -> Void
    /// Told what a write did just before its COMMIT is sent (what must be known here before any
    /// other session can see the commit: the change feed's own versions).
    let committing: @Sendable (CommitJournal) -> Void
    /// The longest one statement may take.
    let patience: TimeAmount
    private let logger: Logger
    private let writer = Lane(label: "quhao.postgres.writer")
    private let reader = Lane(label: "quhao.postgres.reader")

    /// A queue and the connection it drives.
    private final class Lane: Sendable {
        let queue: DispatchQueue
        let link = Mutex<PostgresLink?>(nil)
        init(label: String) { queue = DispatchQueue(label: label) }
    }

    init(
        servers: PostgresServers, patience: TimeAmount = .seconds(10), logger: Logger = Logger(label: "quhao.postgres"),
        committing: @escaping @Sendable (CommitJournal) -> Void = { _ in }, committed: @escaping @Sendable (CommitJournal) -> Void = { _ in }
    ) {
        self.committing = committing
        self.servers = servers
        self.patience = patience
        self.logger = logger
        self.committed = committed
    }

    convenience init(location: PostgresLocation, password: String?, committed: @escaping @Sendable (CommitJournal) -> Void = { _ in }) throws {
        self.init(servers: try location.servers(password: password), committed: committed)
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) throws -> T) async throws -> T {
        let journal = CommitJournal()
        let value = try await run(writer) { link in try self.transaction(link, journal: journal, readOnly: false, body) }
        committed(journal)
        return value
    }

    func writeInBackground(_ body: @escaping @Sendable (any SQLDatabase) throws -> Void, done: @escaping @Sendable ((any Error)?) -> Void) {
        writer.queue.async {
            let journal = CommitJournal()
            do {
                try self.transaction(self.link(self.writer), journal: journal, readOnly: false, body)
            } catch {
                done(error)
                return
            }
            self.committed(journal)
            done(nil)
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) throws -> T) async throws -> T {
        try await run(reader) { link in try self.transaction(link, journal: CommitJournal(), readOnly: true, body) }
    }

    /// Nothing to do here: what is deleted leaves the files as the server vacuums them.
    func dropFreedPages() async throws {}

    /// Not known from here: the server's administrators see it.
    func bytesOnDisk() -> Int64 { 0 }

    /// A store let go closes its connections (the server keeps none open for nobody).
    deinit {
        for lane in [writer, reader] {
            guard let connection = lane.link.withLock({ $0 })?.connection else { continue }
            // Held until it has closed (PostgresNIO requires a connection to be closed before it is freed).
            connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
        }
    }

    /// Runs one statement outside any transaction, on the writer's connection: what PostgreSQL
    /// refuses inside one (`CREATE DATABASE`, `VACUUM`).
    func executeOutsideTransaction(_ sql: String) async throws {
        try await run(writer) { link in
            _ = try PostgresDatabase(link: link, journal: CommitJournal(), patience: self.patience, isWriting: true).execute(sql)
        }
    }

    /// Closes both connections (the daemon's stop, a test's end), waiting until they are closed.
    func close() async {
        for lane in [writer, reader] {
            if let link = lane.link.withLock({ $0 }) { try? await link.connection.close() }
        }
    }

    // MARK: - Running on a lane

    private func run<T: Sendable>(_ lane: Lane, _ work: @escaping @Sendable (PostgresLink) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            lane.queue.async {
                continuation.resume(with: Result { try work(self.link(lane)) })
            }
        }
    }

    /// The lane's connection, made again when it has closed.
    @available(*, noasync)
    private func link(_ lane: Lane) throws -> PostgresLink {
        if let link = lane.link.withLock({ $0 }), !link.isClosed { return link }
        let connection: PostgresConnection
        do {
            connection = try servers.connect(id: 1, logger: logger).wait()
        } catch {
            let failure = PostgresFailure(error)
            throw PostgresFailure(
                kind: failure.kind == .refused ? .refused : .unreachable, sqlState: failure.sqlState,
                message: "cannot connect to PostgreSQL: \(failure.message)")
        }
        let link = PostgresLink(connection, logger: logger)
        lane.link.withLock { $0 = link }
        return link
    }

    @available(*, noasync)
    private func transaction<T>(
        _ link: PostgresLink, journal: CommitJournal, readOnly: Bool, _ body: (any SQLDatabase) throws -> T
    ) throws -> T {
        let db = PostgresDatabase(link: link, journal: journal, patience: patience, isWriting: !readOnly, notifies: servers.notify)
        try db.execute(readOnly ? "BEGIN READ ONLY" : "BEGIN")
        do {
            let value = try body(db)
            if !readOnly {
                committing(journal)
                // Told to every daemon listening as the COMMIT lands (never if it does not).
                if servers.notify {
                    let entries = journal.entries
                    for (site, version) in entries.siteVersions {
                        let notice = ChangeNotice(site: site, version: version, tickets: entries.tickets)
                        try db.execute("SELECT pg_notify(?, ?)", [SQLDialect.changeChannel, notice.payload])
                    }
                }
            }
            try db.execute("COMMIT")
            return value
        } catch {
            if !link.isClosed { _ = try? db.execute("ROLLBACK") }
            throw error
        }
    }
}
