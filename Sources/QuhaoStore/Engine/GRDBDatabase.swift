import Foundation
import GRDB

/// The engine seam over SQLite: GRDB's `Database`, with statements cached per connection.
struct GRDBDatabase: SQLDatabase {
    let db: Database
    let journal: CommitJournal

    init(db: Database, journal: CommitJournal = CommitJournal()) {
        self.db = db
        self.journal = journal
    }

    var dialect: SQLDialect { .sqlite }

    /// SQLite's writer holds the whole file; no row lock is ever asked for.
    var isWriting: Bool { false }

    var isTransactionOpen: Bool { db.isInsideTransaction }

    var notifies: Bool { false }

    @discardableResult
    func execute(_ sql: String, _ arguments: [(any SQLConvertible)?]) throws -> Int {
        let statement = try db.cachedStatement(sql: sql)
        try statement.execute(arguments: Self.arguments(arguments))
        return db.changesCount
    }

    func each(_ sql: String, _ arguments: [(any SQLConvertible)?], _ body: (SQLRow) throws -> Void) throws {
        let statement = try db.cachedStatement(sql: sql)
        let columns = SQLColumns(statement.columnNames)
        let cursor = try Row.fetchCursor(statement, arguments: Self.arguments(arguments))
        while let row = try cursor.next() {
            try body(SQLRow(columns: columns, values: row.databaseValues.map(Self.value)))
        }
    }

    func savepoint<T>(_ body: () throws -> T) throws -> T {
        var result: T?
        let noted = journal.entries
        do {
            try db.inSavepoint {
                result = try body()
                return .commit
            }
        } catch {
            journal.restore(noted)
            throw error
        }
        return result!
    }

    // MARK: - Values, in one place

    static func arguments(_ values: [(any SQLConvertible)?]) -> StatementArguments {
        StatementArguments(values.map { databaseValue($0?.sqlValue ?? .null) })
    }

    static func databaseValue(_ value: SQLValue) -> DatabaseValue {
        switch value {
        case .null: .null
        case .integer(let value): value.databaseValue
        case .double(let value): value.databaseValue
        case .text(let value): value.databaseValue
        case .blob(let value): value.databaseValue
        // GRDB's text form, as every file before the seam was written.
        case .date(let value): value.databaseValue
        }
    }

    static func value(_ value: DatabaseValue) -> SQLValue {
        switch value.storage {
        case .null: .null
        case .int64(let value): .integer(value)
        case .double(let value): .double(value)
        case .string(let value): .text(value)
        case .blob(let value): .blob(value)
        }
    }

    /// A moment from its stored text (``SQLValue/date(_:)``).
    static func date(stored text: String) -> Date? { Date.fromDatabaseValue(text.databaseValue) }
}
