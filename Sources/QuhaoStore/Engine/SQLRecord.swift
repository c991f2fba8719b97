import Foundation

/// A table's row as a Swift value, read and written through the engine seam: its columns named
/// once, in the order of its values.
protocol SQLRecord {
    static var table: String { get }
    /// Every column but `id`, in the order of ``values``.
    static var columns: [String] { get }
    var id: Int64? { get set }
    /// The row's values, in the order of ``columns``.
    var values: [(any SQLConvertible)?] { get }
    init(row: SQLRow) throws
}

extension SQLRecord {
    /// Inserts the row and takes the id it was given.
    mutating func insert(_ db: any SQLDatabase) throws {
        let marks = Array(repeating: "?", count: Self.columns.count).joined(separator: ", ")
        id = try db.insert("INSERT INTO \(Self.table) (\(Self.columns.joined(separator: ", "))) VALUES (\(marks))", values)
    }

    /// Writes every column of the row with this id.
    func update(_ db: any SQLDatabase) throws {
        let assignments = Self.columns.map { "\($0) = ?" }.joined(separator: ", ")
        try db.execute("UPDATE \(Self.table) SET \(assignments) WHERE id = ?", values + [id])
    }

    /// The first row a query answers, as a record.
    static func fetchOne(_ db: any SQLDatabase, _ sql: String, _ arguments: [(any SQLConvertible)?] = []) throws -> Self? {
        try db.row(sql, arguments).map(Self.init(row:))
    }

    /// Every row a query answers, as records.
    static func fetchAll(_ db: any SQLDatabase, _ sql: String, _ arguments: [(any SQLConvertible)?] = []) throws -> [Self] {
        try db.rows(sql, arguments).map(Self.init(row:))
    }
}

extension SQLRecord {
    /// The row with this id, if any.
    static func fetchOne(_ db: any SQLDatabase, id: Int64) throws -> Self? {
        try fetchOne(db, "SELECT * FROM \(table) WHERE id = ?", [id])
    }
}
