import Foundation
import Notify
import QuhaoCore

/// Server settings after the file, `QUHAO_*` environment variables and command-line flags,
/// in rising order of precedence.
public struct ServerSettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var publicURL: String
    /// The database: an SQLite file's path, or a `postgres://` URL (``isDatabaseURL(_:)``).
    public var databasePath: String
    /// `database.directory`: where this daemon keeps its own files (``dataDirectory``).
    public var filesDirectory: String?
    /// The command that turns a call into speech: `{text}` is replaced by the words (quoted for
    /// the shell), `{out}` by the WAV file to write, `{voice}` by `cmn` or `en`. `nil`: `espeak-ng`
    /// when installed; empty: no speech, the chime only.
    public var speechCommand: String?
    /// Seconds a connection may stay silent: a request's headers must arrive within it, and a
    /// kept-alive connection with no request is closed after it (parked long-polls have their own limit).
    public var idleTimeoutSeconds = 10
    /// Connections one client address may hold at once (0: no cap, for a daemon behind a reverse proxy).
    public var maxConnectionsPerAddress = 256
    /// The log's level (`info`: one line per request) and format (`text` or `json`).
    public var logLevel = "info"
    public var logFormat = "text"
    /// Nightly backups by the daemon; `nil`: none.
    public var backups: BackupSchedule?
    /// Days a ticket's identity, phone number and device are kept (then cleared by the daemon).
    public var personalDataDays = 30
    /// HTTPS: the certificate and key files (`server.tls`); `nil`: plain HTTP (behind a proxy, or a trial).
    public var tls: TLSFiles?
    /// The reverse proxies whose word on the visitor's address is believed; none by default.
    public var trustedProxies = TrustedProxies()
    /// The SMS provider (`notify.sms`) with its secrets read; `nil`: no text messages from this daemon.
    public var sms: SMSTransport?
    /// The WeChat official account (`notify.wechat`) with its secret read; `nil`: no WeChat messages.
    public var wechat: WeChatTransport?

    /// Whether a database setting names PostgreSQL rather than an SQLite file.
    public static func isDatabaseURL(_ text: String) -> Bool { text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") }

    /// Whether this daemon's database is PostgreSQL (shared by many daemons) rather than its own SQLite file.
    public var usesPostgres: Bool { Self.isDatabaseURL(databasePath) }

    /// Where this daemon keeps its own files (inspection photos, spoken calls, the display's log):
    /// `database.directory`, else beside the SQLite file, else `data` in the working directory.
    public var dataDirectory: String {
        if let filesDirectory { return filesDirectory }
        return usesPostgres ? "data" : URL(fileURLWithPath: databasePath).deletingLastPathComponent().path
    }

    /// Why these settings cannot run (`nil`: they can): nightly backups copy an SQLite file, and
    /// PostgreSQL is backed up by its own tools. Said by `check-config` and by `serve` at start.
    public var engineProblem: String? {
        // A mistyped scheme (`postgress://`, `mysql://`) is no file's path either: refused before a
        // file or a directory is made from it.
        if databasePath.contains("://"), !usesPostgres {
            return "database \(databasePath): 只支持 SQLite 文件路径或 postgres:// 地址 / only an SQLite file's path or a postgres:// URL"
        }
        guard usesPostgres, backups != nil else { return nil }
        return """
            backups: nightly backups copy an SQLite file; this database is PostgreSQL. Remove the backups section and \
            back the database up with pg_dump or pgBackRest (README, "A city on PostgreSQL").
              backups：夜间备份只适用于 SQLite 文件；PostgreSQL 请删去 backups 一节，用 pg_dump 或 pgBackRest 备份。
            """
    }

    /// The log levels, quietest last.
    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Defaults: 127.0.0.1:8080, database `data/quhao.sqlite`.
    public static let defaults = ServerSettings(
        host: "127.0.0.1", port: 8080, publicURL: "http://127.0.0.1:8080", databasePath: "data/quhao.sqlite")

    public init(host: String, port: Int, publicURL: String, databasePath: String, speechCommand: String? = nil) {
        self.host = host
        self.port = port
        self.publicURL = publicURL
        self.databasePath = databasePath
        self.speechCommand = speechCommand
    }

    /// Resolves settings.
    /// - Parameters:
    ///   - file: The configuration file, if any.
    ///   - environment: The process environment (`QUHAO_HOST`, `QUHAO_PORT`, `QUHAO_PUBLIC_URL`, `QUHAO_DATABASE`,
    ///     `QUHAO_SPEECH_COMMAND`, `QUHAO_MAX_CONNECTIONS_PER_ADDRESS`).
    ///   - host: `--host`, if given.
    ///   - port: `--port`, if given.
    /// - Throws: ``ConfigError`` when an environment variable is malformed.
    public static func resolve(
        file: ConfigFile?, environment: [String: String], host: String? = nil, port: Int? = nil
    ) throws(ConfigError) -> ServerSettings {
        var settings = defaults
        var explicitURL: String?
        if let server = file?.server {
            settings.host = server.host ?? settings.host
            settings.port = server.port ?? settings.port
            explicitURL = server.publicURL
            settings.speechCommand = server.speechCommand
            settings.idleTimeoutSeconds = server.idleTimeoutSeconds ?? settings.idleTimeoutSeconds
            settings.maxConnectionsPerAddress = server.maxConnectionsPerAddress ?? settings.maxConnectionsPerAddress
            settings.logLevel = server.logLevel ?? settings.logLevel
            settings.logFormat = server.logFormat ?? settings.logFormat
            settings.tls = server.tls.map { TLSFiles(certificate: $0.certificate, key: $0.key) }
            settings.trustedProxies = TrustedProxies((server.trustedProxies ?? []).compactMap(IPNetwork.init))
        }
        settings.personalDataDays = file?.retention?.personalDataDays ?? settings.personalDataDays
        if let backups = file?.backups, let time = BackupSchedule.parseTime(backups.time) {
            settings.backups = BackupSchedule(
                hour: time.hour, minute: time.minute, directory: backups.directory, keep: backups.keep ?? 14,
                timeZone: backups.timeZone ?? file?.sites.first?.timeZone ?? "Asia/Shanghai")
        }
        settings.databasePath = file?.database?.url ?? file?.database?.path ?? settings.databasePath
        settings.filesDirectory = file?.database?.directory
        if let value = environment["QUHAO_HOST"], !value.isEmpty { settings.host = value }
        if let value = environment["QUHAO_PORT"], !value.isEmpty {
            guard let number = Int(value), (1...65535).contains(number) else {
                throw ConfigError(source: "environment", issues: [ConfigIssue("QUHAO_PORT", "must be a port number 1–65535, not \"\(value)\"")])
            }
            settings.port = number
        }
        if let value = environment["QUHAO_PUBLIC_URL"], !value.isEmpty { explicitURL = value }
        if let value = environment["QUHAO_DATABASE"], !value.isEmpty { settings.databasePath = value }
        if let value = environment["QUHAO_SPEECH_COMMAND"] { settings.speechCommand = value }
        if let value = environment["QUHAO_MAX_CONNECTIONS_PER_ADDRESS"], !value.isEmpty {
            guard let number = Int(value), number >= 0 else {
                throw ConfigError(
                    source: "environment", issues: [ConfigIssue("QUHAO_MAX_CONNECTIONS_PER_ADDRESS", "must be 0 (no cap) or more, not \"\(value)\"")])
            }
            settings.maxConnectionsPerAddress = number
        }
        if let sms = file?.notify?.sms { settings.sms = try SMSTransport.resolve(sms, environment: environment) }
        if let wechat = file?.notify?.wechat { settings.wechat = try WeChatTransport.resolve(wechat, environment: environment) }
        if let host { settings.host = host }
        if let port { settings.port = port }
        // Without an explicit public address, phones are sent to where the daemon listens.
        let visibleHost = settings.host == "0.0.0.0" || settings.host == "::" ? "127.0.0.1" : settings.host
        settings.publicURL = explicitURL ?? "\(settings.tls == nil ? "http" : "https")://\(visibleHost):\(settings.port)"
        while settings.publicURL.hasSuffix("/") { settings.publicURL.removeLast() }
        return settings
    }
}

/// The PEM files of `server.tls`.
public struct TLSFiles: Sendable, Equatable {
    public var certificate: String
    public var key: String

    public init(certificate: String, key: String) {
        self.certificate = certificate
        self.key = key
    }
}

/// When and where the daemon makes its nightly backup, and how many it keeps.
public struct BackupSchedule: Sendable, Equatable {
    public var hour: Int
    public var minute: Int
    public var directory: String
    public var keep: Int
    /// An IANA zone name (the site's).
    public var timeZone: String

    public init(hour: Int, minute: Int, directory: String, keep: Int, timeZone: String) {
        self.hour = hour
        self.minute = minute
        self.directory = directory
        self.keep = keep
        self.timeZone = timeZone
    }

    /// `"02:30"` → (2, 30); `nil` for anything else.
    public static func parseTime(_ text: String) -> (hour: Int, minute: Int)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 }), let hour = Int(parts[0]), let minute = Int(parts[1]),
            (0...23).contains(hour), (0...59).contains(minute)
        else { return nil }
        return (hour, minute)
    }
}

extension BackupSchedule {
    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: timeZone) ?? TimeZone(identifier: "Asia/Shanghai")!
        return calendar
    }

    /// The first scheduled instant strictly after `date`.
    public func next(after date: Date) -> Date {
        calendar.nextDate(
            after: date, matching: DateComponents(hour: hour, minute: minute, second: 0), matchingPolicy: .nextTime, direction: .forward)!
    }

    /// The latest scheduled instant at or before `date`.
    public func latest(atOrBefore date: Date) -> Date {
        let next = next(after: date)
        let previous = calendar.nextDate(
            after: next, matching: DateComponents(hour: hour, minute: minute, second: 0), matchingPolicy: .nextTime, direction: .backward)!
        return previous <= date ? previous : calendar.date(byAdding: .day, value: -1, to: previous)!
    }

    /// Whether a backup is owed now: none succeeded since the latest scheduled instant (the daemon
    /// was down then, or it failed), so one is made at start instead of a day late.
    public func isDue(lastSuccess: Date?, now: Date) -> Bool {
        guard let lastSuccess else { return true }
        return lastSuccess < latest(atOrBefore: now)
    }

    /// The file name of a backup made at `date`: `quhao-2026-11-30-0230.sqlite` in the schedule's zone
    /// (sorts by time; ``isBackupName(_:)`` recognizes it for pruning).
    public func fileName(at date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "quhao-%04d-%02d-%02d-%02d%02d%02d.sqlite", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!)
    }

    /// Whether a file name is one of ``fileName(at:)``'s (only those are ever pruned).
    public static func isBackupName(_ name: String) -> Bool {
        name.wholeMatch(of: /quhao-\d{4}-\d{2}-\d{2}-\d{6}\.sqlite/) != nil
    }

    /// Of the backup files in a folder, those beyond the newest `keep`: oldest first.
    public func surplus(among names: [String]) -> [String] {
        let backups = names.filter(Self.isBackupName).sorted()
        return Array(backups.dropLast(keep))
    }
}
