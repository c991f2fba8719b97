import Foundation

/// The migrations on PostgreSQL. The list is append-only, as SQLite's (``Migrations``): its first
/// entry builds the schema SQLite reached with its seventeen (``PostgresSchema/baseline``); every
/// later change of the schema is one entry here and one there, under the same name.
///
/// Many daemons may start at once on one database: the whole run is one transaction under a
/// transaction-scoped advisory lock, so one applies what is missing and the others find it done
/// (PostgreSQL's DDL is transactional: a failed run leaves nothing half-built).
enum PostgresMigrations {
    static let list: [(name: String, statements: [String])] = [
        ("2026-12-02c the schema of SQLite's migrations 1 to 17", PostgresSchema.baseline),
        (
            "2026-12-03a leases, print jobs, who delivered a webhook",
            Migrations.v18Schema(blob: "BYTEA", integer: "BIGINT", moment: "TIMESTAMPTZ", id: "BIGSERIAL PRIMARY KEY", strict: "")
                .split(separator: ";").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        ),
        (
            "2026-12-03b an office's daily tools",
            Migrations.v19Schema(integer: "BIGINT", moment: "TIMESTAMPTZ", id: "BIGSERIAL PRIMARY KEY", strict: "")
                .split(separator: ";").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty } + [
                    "ALTER TABLE finding_events DROP CONSTRAINT finding_events_action_check",
                    """
                    ALTER TABLE finding_events ADD CONSTRAINT finding_events_action_check
                        CHECK (action IN ('create', 'submit', 'reject', 'verify', 'close', 'extend'))
                    """,
                ]
        ),
        (
            "2026-12-03c a plan's draw made public, a check-out unsigned",
            Migrations.v20Schema(moment: "TIMESTAMPTZ").split(separator: ";").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                .filter { !$0.isEmpty }
        ),
        (
            "2026-12-04a messages to visitors",
            Migrations.v21Schema(integer: "BIGINT", moment: "TIMESTAMPTZ", id: "BIGSERIAL PRIMARY KEY", strict: "")
                .split(separator: ";").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        ),
        ("2026-12-05a why a message is being retried", [Migrations.v22Schema]),
    ]

    /// The advisory lock's key: "quhao" and the issue that brought PostgreSQL.
    static let lockKey: Int64 = 0x7175_6861_6f21

    /// Some of the tables of a database without Quhao's schema (`nil`: none, or Quhao's schema is
    /// there): a URL naming another application's database is refused, not filled beside its tables.
    static func foreignTables(_ db: any SQLDatabase) throws -> String? {
        guard try db.value(Bool.self, "SELECT to_regclass('quhao_migrations') IS NULL") == true else { return nil }
        let names = try db.values(
            String.self, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename LIMIT 4")
        return names.isEmpty ? nil : names.joined(separator: ", ") + (names.count == 4 ? ", …" : "")
    }

    /// Brings the database's schema up to date.
    /// - Returns: The names of the migrations this call applied, in order.
    @discardableResult
    static func migrate(_ engine: any StoreEngine) async throws -> [String] {
        try await engine.write { db in
            _ = try db.rows("SELECT pg_advisory_xact_lock(?)", [lockKey])
            if let others = try foreignTables(db) {
                throw PostgresFailure(
                    kind: .refused, sqlState: nil,
                    message: "the database holds another application's tables (\(others)): Quhao builds its schema only in an empty "
                        + "database (CREATE DATABASE quhao OWNER quhao) / 数据库中已有其他应用的表，请为 Quhao 单独建库")
            }
            try db.execute("CREATE TABLE IF NOT EXISTS quhao_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)")
            let applied = Set(try db.values(String.self, "SELECT name FROM quhao_migrations"))
            var done: [String] = []
            for migration in list where !applied.contains(migration.name) {
                for statement in migration.statements { try db.execute(statement) }
                try db.execute("INSERT INTO quhao_migrations (name, applied_at) VALUES (?, ?)", [migration.name, Date()])
                done.append(migration.name)
            }
            return done
        }
    }
}
