import ArgumentParser
import Foundation
import QuhaoConfig
import QuhaoCore
import QuhaoStore

/// Options every command that touches the database shares.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: $QUHAO_CONFIG, else the built-in demo).")
    var config: String?

    @Option(
        name: .long,
        help: """
            SQLite database file, or postgres://user@host:port/db?sslmode=… shared by many daemons (password from \
            QUHAO_DATABASE_PASSWORD or QUHAO_DATABASE_PASSWORD_FILE, never here). Default: $QUHAO_DATABASE, else the \
            configuration's database.url or database.path, else data/quhao.sqlite.
            """)
    var database: String?

    /// The configuration file named by `--config` or `QUHAO_CONFIG`, if any.
    var configPath: String? {
        config ?? ProcessInfo.processInfo.environment["QUHAO_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Loads the configuration: the named file, or the built-in demo.
    func loadConfig() throws -> (file: ConfigFile, source: String) {
        do {
            // With the environment: a missing secret is named with the file's other problems, in one run.
            if let path = configPath { return (try ConfigLoader.load(path: path, environment: ProcessInfo.processInfo.environment), path) }
            return (try ConfigLoader.parse(ConfigLoader.demoYAML, source: "built-in demo"), "built-in demo")
        } catch {
            throw ExitFailure(message: error.description, code: 2)
        }
    }

    /// Resolves the server settings from the configuration, environment and flags.
    func settings(file: ConfigFile, host: String? = nil, port: Int? = nil) throws -> ServerSettings {
        do {
            var settings = try ServerSettings.resolve(
                file: file, environment: ProcessInfo.processInfo.environment, host: host, port: port)
            if let database { settings.databasePath = database }
            return settings
        } catch {
            throw ExitFailure(message: error.description, code: 2)
        }
    }

    /// Opens the store for a command-line tool. Sites are synced from the configuration when
    /// one was named, or when the database has none yet; otherwise the tool uses what the
    /// daemon synced, so it never overwrites a running daemon's sites with the demo.
    /// - Parameter creating: Whether a missing database file may be made (setting-up commands:
    ///   a first administrator, a token, a units import, the demo seed). Otherwise a missing file
    ///   is refused with the path looked at, instead of an empty database made there.
    func openStore(creating: Bool = false) async throws -> TicketStore {
        let (file, _) = try loadConfig()
        let settings = try settings(file: file)
        let clock = try SystemClock.fromEnvironment()
        if !creating, settings.usesPostgres {
            // A look at a city's database never builds it (nor fills it with the demo's sites).
            let probe = await DatabaseProbe.look(at: settings.databasePath)
            if probe.answers, !probe.hasSchema {
                throw ExitFailure(
                    message: """
                        没有 Quhao 数据库 no Quhao database at \(settings.databasePath)
                          `quhao serve` builds it at its first start; `quhao migrate --from FILE --to URL` moves a hall's data into it.
                        """, code: 2)
            }
        }
        if !creating, !settings.usesPostgres, !FileManager.default.fileExists(atPath: settings.databasePath) {
            let path = URL(fileURLWithPath: settings.databasePath).standardizedFileURL.path
            throw ExitFailure(
                message: """
                    没有数据库 no database at \(path)
                      Name the daemon's with --database (or database.path in --config, or QUHAO_DATABASE); \
                    `quhao serve` makes it at its first start.
                    """, code: 2)
        }
        let store = try await Self.open(settings, clock: clock)
        let synced = try await store.siteIDs()
        if configPath != nil || synced.isEmpty {
            try await store.sync(sites: file.domainSites)
        }
        return store
    }
}

extension StoreOptions {
    /// Opens the database the settings name, SQLite or PostgreSQL; a URL that cannot be used ends
    /// the program with what is wrong (exit 2), a server that cannot be reached with `storage.unavailable`.
    static func open(_ settings: ServerSettings, clock: any QuhaoClock, metrics: StoreMetrics = .none) async throws -> TicketStore {
        if settings.databasePath.contains("://"), !settings.usesPostgres {
            throw ExitFailure(
                message: "--database \(settings.databasePath): 只支持 SQLite 文件路径或 postgres:// 地址 / only an SQLite file's path or a postgres:// URL",
                code: 2)
        }
        do {
            return try await TicketStore.open(settings.databasePath, clock: clock, metrics: metrics)
        } catch let error as QuhaoURLError {
            throw ExitFailure(message: "数据库地址 database URL (--database, QUHAO_DATABASE or database.url): \(error.zh)\n  \(error.en)", code: 2)
        }
    }
}

/// A failure that ends the program with a message and an exit code.
struct ExitFailure: Error, CustomStringConvertible {
    let message: String
    let code: Int32
    var description: String { message }
}

/// Runs a command body, turning domain refusals into readable messages (zh-CN, then English) and exit codes.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as QuhaoError {
        let zh = Catalogue.chinese.message(for: error)
        let en = Catalogue.english.message(for: error)
        FileHandle.standardError.write(Data("错误 error [\(error.code.rawValue)]: \(zh)\n  \(en)\n".utf8))
        throw ExitCode(1)
    } catch let error as ExitFailure {
        FileHandle.standardError.write(Data("\(error.message)\n".utf8))
        throw ExitCode(error.code)
    }
}
