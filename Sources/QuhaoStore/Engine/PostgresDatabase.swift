import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// Why a PostgreSQL statement did not run: the server refused it (with its SQLSTATE), or the
/// connection is gone or too slow. Never PostgresNIO's own error text, which says little.
struct PostgresFailure: Error, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        /// The server answered with an error (``sqlState``).
        case refused
        /// The connection closed (a restart, a network failure) before the answer came.
        case connectionLost
        /// No answer within the engine's patience.
        case timedOut
        /// No connection could be made.
        case unreachable
    }

    let kind: Kind
    let sqlState: String?
    let message: String

    var description: String { sqlState.map { "\(message) (SQLSTATE \($0))" } ?? message }

    /// The storage is unavailable (rather than a statement refused for what it asked).
    var isUnavailable: Bool {
        switch kind {
        case .connectionLost, .timedOut, .unreachable: true
        // Class 08 connection exceptions, 53 insufficient resources, 57 operator intervention
        // (57P01 the server shutting down), 58 system errors, 25006 a read-only standby.
        case .refused:
            ["08", "53", "57", "58"].contains(String(sqlState?.prefix(2) ?? "")) || sqlState == "25006"
        }
    }

    /// From whatever PostgresNIO threw.
    init(_ error: any Error) {
        if let failure = error as? PostgresFailure {
            self = failure
        } else if let error = error as? PSQLError {
            if let info = error.serverInfo {
                self.init(kind: .refused, sqlState: info[.sqlState], message: info[.message] ?? "refused")
            } else if error.code == .serverClosedConnection || error.code == .clientClosedConnection || error.code == .uncleanShutdown {
                self.init(kind: .connectionLost, sqlState: nil, message: "the connection to PostgreSQL closed")
            } else {
                self.init(kind: Self.isConfiguration(error.code) ? .refused : .unreachable, sqlState: nil, message: Self.words(error))
            }
        } else {
            self.init(kind: .unreachable, sqlState: nil, message: "PostgreSQL: \(error)")
        }
    }

    /// Failures that waiting will not mend (the operator's to fix), as opposed to a server away.
    static func isConfiguration(_ code: PSQLError.Code) -> Bool {
        [.sslUnsupported, .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError].contains(code)
    }

    /// A failure without the server's own message, in words an operator can act on (postgres-nio
    /// names only its case: `authMechanismRequiresPassword`, `connectionError`).
    static func words(_ error: PSQLError) -> String {
        let underlying = error.underlying.map { "\($0)" } ?? ""
        switch error.code {
        case .authMechanismRequiresPassword:
            return "the server asks for a password: set QUHAO_DATABASE_PASSWORD or QUHAO_DATABASE_PASSWORD_FILE"
        case .unsupportedAuthMechanism:
            return "the server asks for an authentication method Quhao cannot use (\(underlying)): use scram-sha-256 or md5 in pg_hba.conf"
        case .saslError:
            return "the password was not accepted (SCRAM: \(underlying))"
        case .sslUnsupported:
            return "the server does not offer TLS, and the URL's sslmode requires it (turn ssl on at the server, or sslmode=prefer)"
        case .connectionError where underlying.contains("CERTIFICATE_VERIFY_FAILED") || underlying.contains("certificate"):
            return "TLS: the server's certificate is not trusted or not for this host name (\(underlying)): name its CA with sslrootcert=FILE, "
                + "or connect by the name in its certificate"
        case .connectionError where error.underlying != nil:
            return "cannot connect: \(underlying)"
        default:
            return "PostgreSQL: \(error.code)" + (underlying.isEmpty ? "" : " (\(underlying))")
        }
    }

    init(kind: Kind, sqlState: String?, message: String) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
    }
}

/// One open connection, and the one statement waiting on it: when the connection closes, that
/// statement fails at once (a query on a closed connection would otherwise never return).
final class PostgresLink: Sendable {
    let connection: PostgresConnection
    let logger: Logger
    /// Fails the statement in flight, if any.
    private let inFlight = Mutex<(@Sendable (PostgresFailure) -> Void)?>(nil)

    init(_ connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
        // Registered once per connection, not per statement.
        connection.closeFuture.whenComplete { [weak self] _ in
            let fail = self?.inFlight.withLock { $0 }
            fail?(PostgresFailure(kind: .connectionLost, sqlState: nil, message: "the connection to PostgreSQL closed"))
        }
    }

    var isClosed: Bool { connection.isClosed }

    /// Runs one statement and waits for all its rows, on the calling thread (never an event loop,
    /// never the task pool): at most `patience`, and no longer than the connection lives.
    @available(*, noasync, message: "blocks its thread: call it from the engine's own queue")
    func run(_ query: PostgresQuery, patience: TimeAmount) throws -> PostgresQueryResult {
        guard !connection.isClosed else {
            throw PostgresFailure(kind: .connectionLost, sqlState: nil, message: "the connection to PostgreSQL closed")
        }
        let loop = connection.eventLoop
        let promise = loop.makePromise(of: PostgresQueryResult.self)
        inFlight.withLock { $0 = { promise.fail($0) } }
        defer { inFlight.withLock { $0 = nil } }
        // A close that came between the check above and the registration.
        if connection.isClosed {
            promise.fail(PostgresFailure(kind: .connectionLost, sqlState: nil, message: "the connection to PostgreSQL closed"))
        }
        let timer = loop.scheduleTask(in: patience) {
            promise.fail(PostgresFailure(kind: .timedOut, sqlState: nil, message: "PostgreSQL did not answer in time"))
        }
        defer { timer.cancel() }
        connection.query(query, logger: logger).cascade(to: promise)
        do {
            return try promise.futureResult.wait()
        } catch {
            let failure = PostgresFailure(error)
            // A statement given up on leaves the connection in an unknown state: it is not used again.
            if failure.kind == .timedOut { connection.close().whenComplete { [connection] _ in withExtendedLifetime(connection) {} } }
            throw failure
        }
    }
}

/// The engine seam over PostgreSQL: one connection inside one transaction, statements run one at
/// a time on the engine's queue.
final class PostgresDatabase: SQLDatabase {
    let link: PostgresLink
    let journal: CommitJournal
    let patience: TimeAmount
    let isWriting: Bool
    let notifies: Bool
    private var savepoints = 0
    /// Set when a statement failed because the storage is gone (the transaction with it).
    private var lost = false

    var dialect: SQLDialect { .postgres }

    init(link: PostgresLink, journal: CommitJournal, patience: TimeAmount, isWriting: Bool, notifies: Bool = true) {
        self.notifies = notifies
        self.link = link
        self.journal = journal
        self.patience = patience
        self.isWriting = isWriting
    }

    var isTransactionOpen: Bool { !lost && !link.isClosed }

    @discardableResult
    func execute(_ sql: String, _ arguments: [(any SQLConvertible)?]) throws -> Int {
        try run(sql, arguments).metadata.rows ?? 0
    }

    func each(_ sql: String, _ arguments: [(any SQLConvertible)?], _ body: (SQLRow) throws -> Void) throws {
        let result = try run(sql, arguments)
        guard let first = result.rows.first else { return }
        let columns = SQLColumns(first.map(\.columnName))
        for row in result.rows { try body(SQLRow(columns: columns, values: row.map(Self.value))) }
    }

    @available(*, noasync)
    private func run(_ sql: String, _ arguments: [(any SQLConvertible)?]) throws -> PostgresQueryResult {
        do {
            return try link.run(Self.query(sql, arguments), patience: patience)
        } catch let failure as PostgresFailure where failure.isUnavailable {
            lost = true
            // A standby refusing writes (the address now names a replica, after a failover): the
            // connection is let go, and the next transaction connects again, to the new primary.
            if failure.sqlState == "25006" { link.connection.close().whenComplete { [link] _ in withExtendedLifetime(link) {} } }
            throw failure
        } catch let failure as PostgresFailure {
            // A refused statement is a bug of ours or a rule of the server's: the log says which statement.
            throw PostgresFailure(kind: failure.kind, sqlState: failure.sqlState, message: "\(failure.message) in: \(sql.prefix(300))")
        }
    }

    func savepoint<T>(_ body: () throws -> T) throws -> T {
        savepoints += 1
        let name = "s\(savepoints)"
        defer { savepoints -= 1 }
        try execute("SAVEPOINT \(name)")
        let noted = journal.entries
        do {
            let value = try body()
            try execute("RELEASE SAVEPOINT \(name)")
            return value
        } catch {
            journal.restore(noted)
            // A refused statement aborts the transaction up to here; the rest of it goes on.
            guard isTransactionOpen else { throw error }
            try execute("ROLLBACK TO SAVEPOINT \(name)")
            throw error
        }
    }

    // MARK: - SQL and values, in one place

    /// The statement with PostgreSQL's numbered placeholders and its values bound.
    static func query(_ sql: String, _ arguments: [(any SQLConvertible)?]) -> PostgresQuery {
        var binds = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument?.sqlValue ?? .null {
            case .null: binds.appendNull()
            case .integer(let value): binds.append(value)
            case .double(let value): binds.append(value)
            case .text(let value): binds.append(value)
            case .blob(let value): binds.append(ByteBuffer(bytes: value))
            case .date(let value): binds.append(value)
            }
        }
        return PostgresQuery(unsafeSQL: numbered(sql), binds: binds)
    }

    /// `?` → `$1`, `$2` …, leaving alone what is inside quoted text, quoted names and comments.
    static func numbered(_ sql: String) -> String {
        var output = ""
        output.reserveCapacity(sql.utf8.count + 16)
        var number = 0
        var characters = sql.makeIterator()
        var pending: Character? = nil
        func next() -> Character? {
            if let held = pending {
                pending = nil
                return held
            }
            return characters.next()
        }
        while let character = next() {
            switch character {
            case "?":
                number += 1
                output += "$\(number)"
            case "'", "\"":
                output.append(character)
                while let inner = next() {
                    output.append(inner)
                    if inner == character { break }
                }
            case "-":
                output.append(character)
                guard let following = next() else { break }
                if following == "-" {
                    output.append(following)
                    while let inner = next() {
                        output.append(inner)
                        if inner == "\n" { break }
                    }
                } else {
                    pending = following
                }
            case "/":
                output.append(character)
                guard let following = next() else { break }
                if following == "*" {
                    output.append(following)
                    var previous: Character = " "
                    while let inner = next() {
                        output.append(inner)
                        if previous == "*" && inner == "/" { break }
                        previous = inner
                    }
                } else {
                    pending = following
                }
            default:
                output.append(character)
            }
        }
        return output
    }

    /// A cell as a value of the seam: booleans as 0 or 1 (``Bool`` reads them), `numeric` (SUM,
    /// AVG) as a double, moments as dates.
    static func value(_ cell: PostgresCell) -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8, .oid:
            return (try? cell.decode(Int64.self)).map(SQLValue.integer) ?? .null
        case .float4, .float8:
            return (try? cell.decode(Double.self)).map(SQLValue.double) ?? .null
        case .numeric:
            return (try? cell.decode(Decimal.self)).map { .double(NSDecimalNumber(decimal: $0).doubleValue) } ?? .null
        case .bool:
            return (try? cell.decode(Bool.self)).map { .integer($0 ? 1 : 0) } ?? .null
        case .bytea:
            return (try? cell.decode(ByteBuffer.self)).map { .blob(Data($0.readableBytesView)) } ?? .null
        case .timestamptz, .timestamp:
            return (try? cell.decode(Date.self)).map(SQLValue.date) ?? .null
        default:
            return (try? cell.decode(String.self)).map(SQLValue.text) ?? .null
        }
    }
}
