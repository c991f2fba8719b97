import Foundation
import GRDB
import QuhaoCore

#if canImport(Glibc)
    import Glibc
#endif

/// What a backup or a restore found in the file it wrote or read.
public struct DatabaseFileReport: Sendable, Hashable {
    public let path: String
    public let bytes: Int
    /// Tickets in the file (all days): a quick look that it is the database one expects.
    public let tickets: Int
    public let units: Int
}

extension StoreOperations {
    // MARK: - Backups

    /// Copies the whole database, as of one moment, into a new file through SQLite's online
    /// backup API, while the daemon keeps serving (readers and the writer are not stopped), then
    /// checks the copy (`PRAGMA integrity_check`). The copy is written beside its destination and
    /// renamed into place, so a file at `path` is always a whole, checked backup.
    /// - Throws: A failure naming the file when it exists already, cannot be written, or fails its check.
    public func backup(to path: String) async throws -> DatabaseFileReport {
        guard let database = tickets.database else {
            throw DatabaseFileError(
                "quhao backup copies an SQLite file; this database is PostgreSQL: back it up with pg_dump or pgBackRest "
                    + "(see the README, \"A city on PostgreSQL\") / 此数据库为 PostgreSQL，请用 pg_dump 或 pgBackRest 备份")
        }
        let target = URL(fileURLWithPath: path)
        guard !FileManager.default.fileExists(atPath: target.path) else {
            throw DatabaseFileError("\(path) exists already: choose a new name (a backup never overwrites one)")
        }
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        let partial = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).part")
        defer { try? FileManager.default.removeItem(at: partial) }
        do {
            // Made 0600 before SQLite opens it: the copy holds every ticket and account.
            try PrivateFiles.create(partial.path, mode: PrivateFiles.ownerOnly)
            let copy = try DatabaseQueue(path: partial.path)
            try await guarded { try database.backup(to: copy) }
            // One self-contained file: the copy arrives in WAL mode like its source; a rollback
            // journal leaves no -wal or -shm beside it.
            try await copy.writeWithoutTransaction { try $0.execute(sql: "PRAGMA journal_mode = DELETE") }
            try copy.close()
            _ = try DatabaseFiles.check(partial.path)
        } catch let error as DatabaseFileError {
            throw error
        } catch {
            throw DatabaseFileError("the backup to \(path) failed: \(error)")
        }
        guard rename(partial.path, target.path) == 0 else { throw DatabaseFileError("cannot move the backup into \(path) (errno \(errno))") }
        return try DatabaseFiles.check(target.path)
    }
}

/// A refusal or failure of a backup or a restore, in words for the operator.
public struct DatabaseFileError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Database files as wholes: their check, and putting a backup back in place.
public enum DatabaseFiles {
    /// Opens a file read-only and checks it: SQLite's own integrity check, then that it is a Quhao
    /// database (its tables are there).
    /// - Throws: ``DatabaseFileError`` saying what is wrong.
    public static func check(_ path: String) throws -> DatabaseFileReport {
        guard FileManager.default.fileExists(atPath: path) else { throw DatabaseFileError("\(path) does not exist") }
        var configuration = Configuration()
        configuration.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            return try queue.read { db in
                let verdict = try String.fetchAll(db, sql: "PRAGMA integrity_check")
                guard verdict == ["ok"] else {
                    throw DatabaseFileError("\(path) fails SQLite's integrity check: \(verdict.prefix(3).joined(separator: "; "))")
                }
                guard try db.tableExists("tickets"), try db.tableExists("sites"), try db.tableExists("grdb_migrations") else {
                    throw DatabaseFileError("\(path) is an SQLite file but not a Quhao database")
                }
                let units = try db.tableExists("units") ? try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM units") ?? 0 : 0
                let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
                return DatabaseFileReport(
                    path: path, bytes: bytes, tickets: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tickets") ?? 0, units: units)
            }
        } catch let error as DatabaseFileError {
            throw error
        } catch {
            throw DatabaseFileError("\(path) is not a readable SQLite database: \(error)")
        }
    }

    /// Puts a backup in place of a database: the backup is checked first, the database must not be
    /// held by a daemon, and the current file (with its WAL) is kept aside, never deleted.
    /// - Returns: The report of the restored file, and where the old one was moved (`nil` when there was none).
    /// - Throws: ``DatabaseFileError`` (bad backup, daemon running, a move that failed).
    public static func restore(_ backup: String, into database: String, now: Date) throws -> (DatabaseFileReport, aside: String?) {
        _ = try check(backup)
        let lock = try DaemonLock(database: database, purpose: "restore")
        defer { lock.release() }
        var aside: String?
        if FileManager.default.fileExists(atPath: database) {
            let stamp = ISO8601DateFormatter().string(from: now).replacingOccurrences(of: ":", with: "")
            let place = "\(database).before-restore-\(stamp)"
            for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: database + suffix) {
                guard rename(database + suffix, place + suffix) == 0 else {
                    throw DatabaseFileError("cannot move \(database + suffix) aside (errno \(errno)); nothing was changed")
                }
            }
            aside = place
        }
        do {
            try FileManager.default.createDirectory(
                at: URL(fileURLWithPath: database).deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: backup, toPath: database)
        } catch {
            throw DatabaseFileError("cannot copy \(backup) to \(database): \(error) (the old database is at \(aside ?? "—"))")
        }
        return (try check(database), aside)
    }
}

/// An advisory lock beside a database file (`<database>.lock`): `quhao serve` holds it while it
/// runs, so a second daemon on the same file, or a restore under a running daemon, is refused.
/// Released when the process ends, however it ends.
public final class DaemonLock: Sendable {
    let descriptor: Int32
    /// The lock file as taken (readiness checks it is still there).
    public let file: HeldFile

    /// Takes the lock or refuses at once.
    /// - Parameter purpose: What wants it (for the message): `serve`, `restore`.
    /// - Throws: ``DatabaseFileError`` when another process holds it.
    public init(database: String, purpose: String) throws {
        let path = database + ".lock"
        try? FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw DatabaseFileError("cannot open \(path) (errno \(errno))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw DatabaseFileError("a quhao daemon is running on \(database) (it holds \(path)): stop it before \(purpose)")
        }
        do {
            self.file = try HeldFile(role: "lock", path: path, descriptor: descriptor)
        } catch {
            close(descriptor)
            throw error
        }
        self.descriptor = descriptor
    }

    /// Lets go of the lock (the end of the process does it too).
    public func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

/// A file the daemon holds open, as it was when opened: its device and inode. Deleting or moving
/// the file, or putting another in its place, leaves the daemon writing into a file nobody will
/// open again (tickets acknowledged, then gone at the next start); ``isInPlace`` tells.
public struct HeldFile: Sendable, Hashable {
    /// What it is, for the operator: `database`, `lock`.
    public let role: String
    public let path: String
    let device: UInt64
    let inode: UInt64

    /// The file at `path` now.
    /// - Throws: ``DatabaseFileError`` when there is none.
    public init(role: String, path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { throw DatabaseFileError("cannot stat \(path): \(String(cString: strerror(errno)))") }
        self.init(role: role, path: path, info: info)
    }

    /// The file open as `descriptor`.
    init(role: String, path: String, descriptor: Int32) throws {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw DatabaseFileError("cannot stat \(path): \(String(cString: strerror(errno)))") }
        self.init(role: role, path: path, info: info)
    }

    private init(role: String, path: String, info: stat) {
        self.role = role
        self.path = path
        self.device = UInt64(info.st_dev)
        self.inode = UInt64(info.st_ino)
    }

    /// The file in words: 数据库文件 / database file, 锁文件 / lock file.
    public var name: (zh: String, en: String) { role == "lock" ? ("锁文件", "lock file") : ("数据库文件", "\(role) file") }

    /// Whether the file at its path is still the one held.
    public var isInPlace: Bool {
        var info = stat()
        return stat(path, &info) == 0 && UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }
}
