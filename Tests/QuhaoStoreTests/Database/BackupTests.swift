import Foundation
import GRDB
import QuhaoCore
import Testing

@testable import QuhaoStore

/// Online backups, their checks, and restores that never lose the database they replace.
@Suite(.sqliteOnly) struct BackupTests {
    @Test func aBackupTakenWhileNumbersAreIssuedIsWholeAndChecked() async throws {
        try await Fixture.withDatabaseFile { path in
            let store = try await Fixture.fileStore(path, durability: .normal)
            for _ in 0..<20 { try await store.take("general") }
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            let target = folder.appendingPathComponent("backups/b1.sqlite").path
            // Issuing goes on while the backup runs.
            async let issuing: Void = { for _ in 0..<40 { try await store.take("general") } }()
            let report = try await store.operations.backup(to: target)
            try await issuing
            #expect((20...60).contains(report.tickets), "a consistent moment between the first 20 and all 60: \(report.tickets)")
            #expect(report.bytes > 0 && report.path == target)
            #expect(try DatabaseFiles.check(target).tickets == report.tickets)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("backups").path)
            #expect(leftovers == ["b1.sqlite"], "no partial file left")
            await #expect(throws: DatabaseFileError.self) { try await store.operations.backup(to: target) }
        }
    }

    /// A backup holds every ticket and account: only its owner reads it, whatever the umask of the
    /// shell that made it (it was 0644 under an admin's umask 022).
    @Test func aBackupIsReadableByItsOwnerOnly() async throws {
        try await Fixture.withDatabaseFile { path in
            let store = try await Fixture.fileStore(path)
            try await store.take("general")
            let target = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("b.sqlite").path
            let previous = umask(0o022)
            defer { umask(previous) }
            _ = try await store.operations.backup(to: target)
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? NSNumber).intValue
            #expect(mode == 0o600, "mode \(String(mode, radix: 8))")
        }
    }

    @Test func anExportIsWrittenWithItsModeOverAnOlderFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        FileManager.default.createFile(atPath: path, contents: Data("old, longer content".utf8), attributes: [.posixPermissions: 0o666])
        try PrivateFiles.write(Data("new".utf8), to: path, mode: PrivateFiles.ownerAndGroup)
        #expect(FileManager.default.contents(atPath: path) == Data("new".utf8))
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber).intValue
        #expect(mode == 0o640, "mode \(String(mode, radix: 8))")
    }

    @Test func onlyAWholeQuhaoDatabaseIsTakenForOne() async throws {
        try await Fixture.withDatabaseFile { path in
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            let text = folder.appendingPathComponent("notes.sqlite").path
            try Data("not a database".utf8).write(to: URL(fileURLWithPath: text))
            #expect(throws: DatabaseFileError.self) { try DatabaseFiles.check(text) }
            let other = folder.appendingPathComponent("other.sqlite").path
            let queue = try DatabaseQueue(path: other)
            try await queue.write { try $0.execute(sql: "CREATE TABLE x (a)") }
            try queue.close()
            #expect(throws: DatabaseFileError.self) { try DatabaseFiles.check(other) }
            #expect(throws: DatabaseFileError.self) { try DatabaseFiles.check(folder.appendingPathComponent("missing.sqlite").path) }
        }
    }

    @Test func aRestoreIsRefusedUnderADaemonAndKeepsTheOldFileAside() async throws {
        try await Fixture.withDatabaseFile { path in
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            let backup = folder.appendingPathComponent("b.sqlite").path
            do {
                let store = try await Fixture.fileStore(path, durability: .normal)
                for _ in 0..<3 { try await store.take("general") }
                _ = try await store.operations.backup(to: backup)
                for _ in 0..<2 { try await store.take("general") }
            }
            // A daemon holds the database: refused, nothing moved.
            let daemon = try DaemonLock(database: path, purpose: "serve")
            #expect(throws: DatabaseFileError.self) { try DaemonLock(database: path, purpose: "serve") }
            #expect(throws: DatabaseFileError.self) { try DatabaseFiles.restore(backup, into: path, now: Fixture.morning) }
            #expect(try DatabaseFiles.check(path).tickets == 5)
            daemon.release()
            // Stopped: the backup goes in, the five-ticket database is kept aside.
            let (report, aside) = try DatabaseFiles.restore(backup, into: path, now: Fixture.morning)
            #expect(report.tickets == 3)
            let kept = try #require(aside)
            #expect(try DatabaseFiles.check(kept).tickets == 5)
            let restored = try TicketStore.open(path: path, clock: ManualClock(Fixture.morning))
            #expect(try await restored.ticket(.number(site: "hall", "A003")).number.description == "A003")
            await #expect(throws: QuhaoError.self) { try await restored.ticket(.number(site: "hall", "A004")) }
        }
    }
}

/// On PostgreSQL the database is the server's to back up: `quhao backup` says so and writes nothing.
@Suite(.enabled(if: TestEngine.isPostgres, "the PostgreSQL run")) struct PostgresBackupTests {
    @Test func aBackupSaysToUsePgDumpAndWritesNothing() async throws {
        let (store, _) = try await Fixture.store()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("quhao-backup-\(UUID().uuidString).sqlite").path
        let error = await #expect(throws: DatabaseFileError.self) { try await store.operations.backup(to: path) }
        #expect(error?.description.contains("pg_dump") == true)
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
