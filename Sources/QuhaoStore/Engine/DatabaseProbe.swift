import Foundation
import QuhaoCore

/// Which engine a `--database` value names and whether it answers, without changing anything
/// (`quhao check-config`): no migration, no file made.
public struct DatabaseProbe: Sendable {
    /// `sqlite` or `postgresql`.
    public let engine: String
    /// What was found, in words (the server's version, the file's size).
    public let detail: String
    /// Whether the database can be used as it is named.
    public let answers: Bool
    /// When it cannot: the first line `check-config` says (the detail says why).
    public var headline = "the database does not answer / 数据库无法访问"
    /// Whether Quhao's schema is there (an SQLite file that exists; a PostgreSQL database migrated).
    public var hasSchema = true
    /// On a city's database, the sites whose rules there are not the ones given to ``look(at:sites:)``
    /// (another daemon's configuration), and the active sites those lack.
    public var sitesDiffering: [String] = []

    /// Looks at the database `location` names: an SQLite file's path or a `postgres://` URL
    /// (password from the environment, as the daemon takes it).
    public static func look(at location: String, sites: [Site] = []) async -> DatabaseProbe {
        guard PostgresLocation.isURL(location) else {
            let size = (try? FileManager.default.attributesOfItem(atPath: location)[.size] as? NSNumber)?.int64Value
            let detail = size.map { "SQLite \(location) (\($0) bytes)" } ?? "SQLite \(location): not made yet (quhao serve makes it)"
            return DatabaseProbe(engine: "sqlite", detail: detail, answers: true)
        }
        let engine: PostgresEngine
        let postgres: PostgresLocation
        do {
            postgres = try PostgresLocation(url: location)
            engine = try PostgresEngine(location: postgres, password: try PostgresLocation.password())
        } catch let error as QuhaoURLError {
            var probe = DatabaseProbe(engine: "postgresql", detail: "\(error.zh) / \(error.en)", answers: false)
            probe.headline = "the database address cannot be used / 数据库地址不可用"
            return probe
        } catch {
            var probe = DatabaseProbe(engine: "postgresql", detail: "\(error)", answers: false)
            probe.headline = "the database address cannot be used / 数据库地址不可用"
            return probe
        }
        do {
            let (version, migrations, others, stored) = try await engine.read { db in
                let version = try db.value(String.self, "SHOW server_version") ?? "?"
                let table = try db.value(Bool.self, "SELECT to_regclass('quhao_migrations') IS NOT NULL") ?? false
                let migrations = table ? try db.value(Int.self, "SELECT COUNT(*) FROM quhao_migrations") ?? 0 : 0
                return (version, migrations, try PostgresMigrations.foreignTables(db), table ? try TicketStore.storedDefinitions(db) : [:])
            }
            await engine.close()
            if let others {
                var probe = DatabaseProbe(
                    engine: "postgresql",
                    detail: "PostgreSQL \(version) at \(postgres) answers, but holds another application's tables (\(others)): "
                        + "quhao serve builds its schema only in an empty database / 数据库中已有其他应用的表，请为 Quhao 单独建库",
                    answers: false)
                probe.headline = "the database is another application's / 数据库属于其他应用"
                return probe
            }
            let schema =
                migrations == 0
                ? "no Quhao schema yet (quhao serve makes it)"
                : "schema: \(migrations) of \(PostgresMigrations.list.count) migrations applied"
            var probe = DatabaseProbe(engine: "postgresql", detail: "PostgreSQL \(version) at \(postgres): answers; \(schema)", answers: true)
            probe.hasSchema = migrations > 0
            if !stored.isEmpty, !sites.isEmpty { probe.sitesDiffering = try TicketStore.sites(sites, differingFrom: stored) }
            return probe
        } catch {
            await engine.close()
            let failure = PostgresFailure(error)
            let verb = failure.kind == .refused ? "refused the connection" : "does not answer"
            var probe = DatabaseProbe(engine: "postgresql", detail: "PostgreSQL at \(postgres) \(verb): \(failure)", answers: false)
            if failure.kind == .refused { probe.headline = "the database refused the connection / 数据库拒绝连接" }
            return probe
        }
    }
}
