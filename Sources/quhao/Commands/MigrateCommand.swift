import ArgumentParser
import Foundation
import QuhaoCore
import QuhaoStore

/// `quhao migrate --from FILE --to URL`: a hall's SQLite data into the city's PostgreSQL database.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Move a hall's SQLite database into an empty PostgreSQL database (all of it, in one transaction).",
        discussion: """
            Stop the hall's daemon first. Every row moves with its id, so tickets, tokens, links and the one-number-per-person \
            rule stay as they were; the SQLite file is left as it is. The password comes from QUHAO_DATABASE_PASSWORD or \
            QUHAO_DATABASE_PASSWORD_FILE, never the command line. Then point the daemons at the URL (database.url).
            """)

    @Option(help: "The hall's SQLite database file.")
    var from: String

    @Option(help: "postgres://user@host:port/database?sslmode=… (empty of Quhao data).")
    var to: String

    func run() async throws {
        try await reportingErrors {
            let location: PostgresLocation
            do {
                location = try PostgresLocation(url: to)
            } catch let error as QuhaoURLError {
                throw ExitFailure(message: "--to: \(error.zh)\n  \(error.en)", code: 2)
            }
            // Looked at before anything is made beside it (the lock file): a path that is no
            // SQLite database is refused as such, not as SQLite's "file is not a database".
            let file = FileHandle(forReadingAtPath: from)
            let header = try file.map { try $0.read(upToCount: 16) ?? Data() }
            try file?.close()
            guard let header else {
                throw ExitFailure(message: "未迁移 not moved: 没有文件 no such file \(from)", code: 1)
            }
            guard header == Data("SQLite format 3\0".utf8) else {
                throw ExitFailure(message: "未迁移 not moved: \(from) 不是 SQLite 数据库 is not an SQLite database", code: 1)
            }
            // The file's own daemon must not write while it is copied.
            let lock: DaemonLock
            do {
                lock = try DaemonLock(database: from, purpose: "migrate")
            } catch {
                throw ExitFailure(message: "\(error)", code: 1)
            }
            defer { lock.release() }
            do {
                let report = try await DatabaseMove.copy(
                    from: from, to: location, password: try PostgresLocation.password(), clock: try SystemClock.fromEnvironment())
                for table in report.tables where table.rows > 0 { print("  \(table.name): \(table.rows)") }
                print("已迁移 moved \(from) → \(location): \(report.rows) rows in \(report.tables.count) tables")
            } catch let error as DatabaseFileError {
                throw ExitFailure(message: "未迁移 not moved: \(error)", code: 1)
            }
        }
    }
}
