import Foundation
import GRDB
import QuhaoCore

/// What `quhao migrate` moved: rows per table, in the order they were copied.
public struct DatabaseMoveReport: Sendable {
    public let tables: [(name: String, rows: Int)]
    public var rows: Int { tables.reduce(0) { $0 + $1.rows } }
}

/// Moves a hall's SQLite file into the city's PostgreSQL database (`quhao migrate --from FILE
/// --to URL`): every row of every table, ids kept (tickets, tokens and links stay valid), the
/// identity key with them (so one-number-per-person still holds across the move), in one
/// PostgreSQL transaction: it is all there or none of it is. The target must hold no Quhao data
/// yet (a second hall goes into a database of its own, or is entered afresh).
public enum DatabaseMove {
    /// Tables whose rows are a hall's data: a target holding any is refused (two halls' histories
    /// are not merged: their ids would clash).
    static let dataTables: Set<String> = [
        "tickets", "ticket_events", "counter_events", "ratings", "bookings", "units", "inspections", "findings", "staff", "sessions",
        "api_tokens", "webhook_outbox",
    ]

    /// Rows copied per INSERT statement.
    static let rowsPerStatement = 200

    /// Copies the file at `path` (brought up to date first) into PostgreSQL at `location`.
    /// - Throws: `DatabaseFileError` naming what stands in the way (a target with data, a table
    ///   or column the other side lacks); `storage.unavailable` when the server cannot be reached.
    public static func copy(from path: String, to location: PostgresLocation, password: String?, clock: any QuhaoClock)
        async throws -> DatabaseMoveReport
    {
        guard FileManager.default.fileExists(atPath: path) else { throw DatabaseFileError("no SQLite database at \(path)") }
        let source = try TicketStore.open(path: path, clock: clock)
        guard let sqlite = source.database else { throw DatabaseFileError("\(path) is not an SQLite file") }
        let target = try PostgresEngine(location: location, password: password)
        do {
            try await PostgresMigrations.migrate(target)
            let sourceTables = Set(
                try await source.read { db in
                    try db.values(
                        String.self, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations'")
                })
            let report = try await target.write { db in
                let order = try copyOrder(db)
                let missing = sourceTables.subtracting(order)
                guard missing.isEmpty else {
                    throw DatabaseFileError(
                        "the PostgreSQL schema has no table \(missing.sorted().joined(separator: ", ")): update quhao on both sides")
                }
                for table in order where dataTables.contains(table) {
                    if try db.value(Bool.self, "SELECT EXISTS (SELECT 1 FROM \(table))") == true {
                        throw DatabaseFileError(
                            "\(location) holds Quhao data already (table \(table)): move a hall into a database with none "
                                + "(one where daemons only started is fine) / 目标数据库已有数据")
                    }
                }
                // What daemons write at their start (the synced sites, their windows, keys, chores)
                // gives way to the hall's own: its sites, and the key its identity hashes were made with.
                for table in order.reversed() where try db.value(Bool.self, "SELECT EXISTS (SELECT 1 FROM \(table))") == true {
                    try db.execute("DELETE FROM \(table)")
                }
                var moved: [(String, Int)] = []
                for table in order where sourceTables.contains(table) {
                    moved.append((table, try copy(table, from: sqlite, into: db)))
                }
                return DatabaseMoveReport(tables: moved)
            }
            // The planner's statistics, now: without them (autovacuum takes its time) the first
            // daemons on the moved hall read the whole day's queue for every command (a call took
            // ~25 ms instead of ~2 on a hall of 40,000 waiting, measured by bench/run).
            _ = try await target.write { db in try db.execute("ANALYZE") }
            await target.close()
            return report
        } catch {
            await target.close()
            throw TicketStore.storageFailure(error)
        }
    }

    /// The tables, each after the tables its foreign keys name.
    @available(*, noasync)
    static func copyOrder(_ db: any SQLDatabase) throws -> [String] {
        let tables = try db.values(
            String.self, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'quhao_migrations' ORDER BY tablename")
        var needs: [String: Set<String>] = [:]
        for row in try db.rows(
            "SELECT conrelid::regclass::text AS child, confrelid::regclass::text AS parent FROM pg_constraint WHERE contype = 'f'")
        {
            let child: String = try row["child"]
            let parent: String = try row["parent"]
            if child != parent { needs[child, default: []].insert(parent) }
        }
        var order: [String] = []
        var placed: Set<String> = []
        while order.count < tables.count {
            let ready = tables.filter { !placed.contains($0) && needs[$0, default: []].isSubset(of: placed) }
            guard !ready.isEmpty else { throw DatabaseFileError("the foreign keys between tables form a cycle") }
            order += ready
            placed.formUnion(ready)
        }
        return order
    }

    /// Copies one table, a page of the source at a time, converting each value to the column's
    /// type on PostgreSQL (SQLite keeps moments as text and flags as integers).
    @available(*, noasync)
    static func copy(_ table: String, from source: any DatabaseReader, into db: any SQLDatabase) throws -> Int {
        var types: [String: String] = [:]
        for row in try db.rows("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?", [table]) {
            types[try row["column_name"]] = try row["data_type"]
        }
        // Read in pages in the primary key's order (a table WITHOUT ROWID has no rowid to page by).
        let key = try source.read { sqlite in
            try GRDBDatabase(db: sqlite).values(String.self, "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", [table])
        }
        // A table keyed by an integer `id` (most, and every large one) is read from the last id on;
        // the few keyed otherwise by position.
        let idType = try source.read { sqlite in
            try GRDBDatabase(db: sqlite).value(String.self, "SELECT type FROM pragma_table_info(?) WHERE name = 'id'", [table])
        }
        let byID = key == ["id"] && idType?.uppercased() == "INTEGER"
        let order = key.isEmpty ? "rowid" : key.joined(separator: ", ")
        var copied = 0
        var after: Int64 = .min
        while true {
            let page = try source.read { sqlite in
                try GRDBDatabase(db: sqlite).rows(
                    byID
                        ? "SELECT * FROM \(table) WHERE id > ? ORDER BY id LIMIT 2000"
                        : "SELECT * FROM \(table) ORDER BY \(order) LIMIT 2000 OFFSET ?", [byID ? after : Int64(copied)])
            }
            guard let last = page.last else { break }
            if byID { after = try last["id"] }
            let columns = last.columns.names
            for column in columns where types[column] == nil {
                throw DatabaseFileError("the PostgreSQL table \(table) has no column \(column): update quhao on both sides")
            }
            for start in stride(from: 0, to: page.count, by: rowsPerStatement) {
                let rows = page[start..<min(start + rowsPerStatement, page.count)]
                let tuple = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
                var arguments: [(any SQLConvertible)?] = []
                for row in rows {
                    for column in columns {
                        arguments.append(
                            try converted(row.values[row.columns.index[column]!], to: types[column] ?? "text", table: table, column: column))
                    }
                }
                try db.execute(
                    "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
                        + Array(repeating: tuple, count: rows.count).joined(separator: ", "), arguments)
            }
            copied += page.count
        }
        // The next id PostgreSQL gives follows the last one moved.
        if types["id"] == "bigint",
            try db.value(String.self, "SELECT pg_get_serial_sequence(?, 'id')", [table]) != nil
        {
            _ = try db.rows("SELECT setval(pg_get_serial_sequence(?, 'id'), COALESCE(MAX(id), 0) + 1, false) FROM \(table)", [table])
        }
        return copied
    }

    /// A value read from SQLite as the PostgreSQL column of `type` takes it.
    static func converted(_ value: SQLValue, to type: String, table: String, column: String) throws -> SQLValue {
        switch (type, value) {
        case (_, .null): return .null
        case ("timestamp with time zone", .text):
            guard let date = Date(sqlValue: value) else { throw DatabaseFileError("\(table).\(column): \(value) is not a moment") }
            return .date(date)
        case ("bytea", .text(let text)): return .blob(Data(text.utf8))
        case ("text", .integer(let number)): return .text(String(number))
        case ("double precision", .integer(let number)): return .double(Double(number))
        default: return value
        }
    }
}
