import Foundation

/// The engine seam: what a command's body sees inside its transaction, whichever engine holds
/// the data. Statements with bound arguments in, rows out; every rule and every query's meaning
/// is written once above it, and each engine (``GRDBDatabase`` over SQLite, the PostgreSQL
/// session) maps values and placeholders in one place. Synchronous: a body runs on its engine's
/// writer (or reader) thread, never on the task pool.
protocol SQLDatabase {
    /// Which SQL this engine speaks, for the few fragments that differ (``SQLDialect``).
    var dialect: SQLDialect { get }

    /// What this transaction did, told to listeners after its commit.
    var journal: CommitJournal { get }

    /// Whether this is a write transaction (a read never locks a row).
    var isWriting: Bool { get }

    /// Whether the transaction is still open: a full disk can make SQLite roll it back whole, a
    /// lost connection ends it on PostgreSQL. Then nothing more may run as part of it.
    var isTransactionOpen: Bool { get }

    /// Whether a site's change is announced to the other daemons at the commit (PostgreSQL's
    /// `pg_notify`; off where the database has no notifications, and on SQLite).
    var notifies: Bool { get }

    /// Runs a statement; `?` marks each argument.
    /// - Returns: How many rows it inserted, updated or deleted.
    @discardableResult
    func execute(_ sql: String, _ arguments: [(any SQLConvertible)?]) throws -> Int

    /// Calls `body` with each row a query answers, in order, without holding them all.
    func each(_ sql: String, _ arguments: [(any SQLConvertible)?], _ body: (SQLRow) throws -> Void) throws

    /// Runs `body` in a savepoint: what it changed (and noted in the ``journal``) is undone if it
    /// throws (the transaction goes on, as it must on PostgreSQL after a refused statement), kept if it returns.
    func savepoint<T>(_ body: () throws -> T) throws -> T
}

extension SQLDatabase {
    /// Every row a query answers.
    func rows(_ sql: String, _ arguments: [(any SQLConvertible)?] = []) throws -> [SQLRow] {
        var rows: [SQLRow] = []
        try each(sql, arguments) { rows.append($0) }
        return rows
    }

    /// The first row a query answers, if any.
    func row(_ sql: String, _ arguments: [(any SQLConvertible)?] = []) throws -> SQLRow? {
        try rows(sql, arguments).first
    }

    /// The first column of the first row (`nil` when there is no row, or it holds NULL).
    func value<T: SQLConvertible>(_ type: T.Type, _ sql: String, _ arguments: [(any SQLConvertible)?] = []) throws -> T? {
        guard let row = try row(sql, arguments) else { return nil }
        let value: T? = try row[0]
        return value
    }

    /// The first column of every row.
    func values<T: SQLConvertible>(_ type: T.Type, _ sql: String, _ arguments: [(any SQLConvertible)?] = []) throws -> [T] {
        try rows(sql, arguments).map { try $0[0] }
    }

    /// Runs an `INSERT` and answers the new row's `id` (`RETURNING id` on both engines).
    func insert(_ sql: String, _ arguments: [(any SQLConvertible)?]) throws -> Int64 {
        guard let id = try value(Int64.self, sql + " RETURNING id", arguments) else {
            throw SQLDecodingError(column: "id", expected: "the inserted row's id", found: .null)
        }
        return id
    }

    @discardableResult
    func execute(_ sql: String) throws -> Int { try execute(sql, []) }
}

/// The SQL fragments that differ between the engines, each in one place.
enum SQLDialect: Sendable {
    case sqlite
    case postgres

    /// The smaller of two values (SQLite's two-argument `MIN`).
    func least(_ a: String, _ b: String) -> String {
        switch self {
        case .sqlite: "MIN(\(a), \(b))"
        case .postgres: "LEAST(\(a), \(b))"
        }
    }

    /// The larger of two values (SQLite's two-argument `MAX`).
    func greatest(_ a: String, _ b: String) -> String {
        switch self {
        case .sqlite: "MAX(\(a), \(b))"
        case .postgres: "GREATEST(\(a), \(b))"
        }
    }

    /// The statement that reads a site's definition (and, where the engine keeps one, its
    /// version) for a command. `locking`, on PostgreSQL: the row stays locked until the commit,
    /// so a site's commands run one at a time across every daemon on the database (READ COMMITTED:
    /// the next command reads what the one before it committed), and the site's version goes up
    /// by one (told to the other daemons just before the commit: ``ChangeNotice``). On SQLite one
    /// writer holds the file already.
    func siteDefinition(locking: Bool) -> String {
        switch self {
        case .sqlite:
            "SELECT definition, NULL AS version FROM sites WHERE id = ? AND active = 1"
        case .postgres where locking:
            "UPDATE sites SET version = version + 1 WHERE id = ? AND active = 1 RETURNING definition, version"
        case .postgres:
            "SELECT definition, version FROM sites WHERE id = ? AND active = 1"
        }
    }

    /// What a change of a site's definition or state sets besides (`UPDATE sites SET …` and an
    /// upsert's `DO UPDATE SET …`), so every daemon's board reads the site again: on PostgreSQL its
    /// version raised (the polled change counter, ``TicketStore/sitesChangedElsewhere()``); on
    /// SQLite nothing (the file's `data_version` moves by itself).
    var siteChanged: String {
        switch self {
        case .sqlite: ""
        case .postgres: ", version = sites.version + 1"
        }
    }

    /// A column compared without its index: SQLite's unary `+`, where its planner would pick an
    /// index that reads far more than the query returns; PostgreSQL's planner weighs it itself.
    func notIndexed(_ column: String) -> String {
        switch self {
        case .sqlite: "+\(column)"
        case .postgres: column
        }
    }

    /// Where PostgreSQL tells each commit's site, version and tickets (``ChangeNotice``).
    static let changeChannel = "quhao_changes"

    /// Seconds from one moment column to another, as a number.
    func seconds(from start: String, to end: String) -> String {
        switch self {
        case .sqlite: "(julianday(\(end)) - julianday(\(start))) * 86400"
        case .postgres: "EXTRACT(EPOCH FROM (\(end) - \(start)))"
        }
    }
}

/// The column names of one query's rows, shared by all of them.
final class SQLColumns: Sendable {
    let names: [String]
    let index: [String: Int]

    init(_ names: [String]) {
        self.names = names
        var index: [String: Int] = [:]
        // The first column of a name wins (`SELECT t.*, e.id` keeps the ticket's id), as in GRDB.
        for (position, name) in names.enumerated() where index[name] == nil { index[name] = position }
        self.index = index
    }
}

/// One row a query answered.
struct SQLRow: Sendable {
    let columns: SQLColumns
    let values: [SQLValue]

    /// The value of a column by name.
    /// - Throws: ``SQLDecodingError`` when the query has no such column or its value is not a `T`.
    subscript<T: SQLConvertible>(_ name: String) -> T {
        get throws {
            guard let position = columns.index[name] else { throw SQLDecodingError(column: name, expected: "\(T.self)", found: .null) }
            guard let value = T(sqlValue: values[position]) else {
                throw SQLDecodingError(column: name, expected: "\(T.self)", found: values[position])
            }
            return value
        }
    }

    /// The value of a column by position.
    subscript<T: SQLConvertible>(_ position: Int) -> T {
        get throws {
            guard values.indices.contains(position), let value = T(sqlValue: values[position]) else {
                throw SQLDecodingError(
                    column: "#\(position)", expected: "\(T.self)", found: values.indices.contains(position) ? values[position] : .null)
            }
            return value
        }
    }

    /// Whether the query answered this column (and it is not NULL).
    func has(_ name: String) -> Bool {
        guard let position = columns.index[name] else { return false }
        return values[position] != .null
    }
}
