import ArgumentParser
import Foundation
import QuhaoConfig
import QuhaoCore
import QuhaoStore

/// `quhao backup --to FILE`: an online copy of the database while the daemon keeps serving.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Copy the database, online, into a new file (checked before it is given its name).",
        discussion: "Safe while `quhao serve` runs: SQLite's backup API copies one consistent moment; the daemon keeps serving.")
    @OptionGroup var storeOptions: StoreOptions
    @Option(help: "The new backup file (never overwritten).")
    var to: String

    func run() async throws {
        try await reportingErrors {
            let settings = try storeOptions.settings(file: try storeOptions.loadConfig().file)
            guard settings.usesPostgres || FileManager.default.fileExists(atPath: settings.databasePath) else {
                throw ExitFailure(message: "no database at \(settings.databasePath)", code: 2)
            }
            let store = try await StoreOptions.open(settings, clock: try SystemClock.fromEnvironment())
            do {
                let report = try await store.operations.backup(to: to)
                print(
                    "备份完成 backed up \(settings.databasePath) → \(report.path): \(report.bytes) bytes, \(report.tickets) tickets, \(report.units) units; integrity ok"
                )
            } catch let error as DatabaseFileError {
                throw ExitFailure(message: "备份失败 backup failed: \(error)", code: 1)
            }
        }
    }
}

/// `quhao restore FILE`: puts a backup in place of the database.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Put a backup in place of the database (the daemon must be stopped; the old file is kept aside).")
    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: "The backup file.")
    var file: String

    func run() async throws {
        try await reportingErrors {
            let settings = try storeOptions.settings(file: try storeOptions.loadConfig().file)
            guard !settings.usesPostgres else {
                throw ExitFailure(
                    message: """
                        未恢复 not restored: quhao restore puts an SQLite backup in place of an SQLite file; this database is PostgreSQL.
                          Restore it with pg_restore or pgBackRest; move a hall's SQLite file into it with quhao migrate --from FILE --to URL.
                        """, code: 2)
            }
            do {
                let (report, aside) = try DatabaseFiles.restore(file, into: settings.databasePath, now: try SystemClock.fromEnvironment().now())
                print("已恢复 restored \(file) → \(settings.databasePath): \(report.tickets) tickets, \(report.units) units; integrity ok")
                if let aside { print("原数据库已移至 the previous database is kept at \(aside)") }
            } catch let error as DatabaseFileError {
                throw ExitFailure(message: "未恢复 not restored: \(error)", code: 1)
            }
        }
    }
}
