import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// Where the city's database is: `postgres://user@host:port/database?sslmode=…`, or several
/// servers (`host1:5432,host2:5432`) tried in order, with `target_session_attrs=read-write` to
/// take only the one that accepts writes (the primary after a failover). The password is never
/// part of it (it would show in `ps`, shell histories and logs): it comes from the environment or
/// a file (``password``).
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    /// `sslmode`: `require` and `verify-full` check the certificate and the server's name,
    /// `verify-ca` the certificate only (stricter than libpq's `require`, which checks nothing).
    public enum TLSMode: String, Sendable, Hashable {
        case disable, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    /// The servers, in the order they are tried.
    public let servers: [(host: String, port: Int)]
    /// `target_session_attrs=read-write` (or `primary`): a server that is a standby is passed over.
    public let primaryOnly: Bool
    /// `notify=off` (Quhao's own parameter): for a PostgreSQL-compatible database without
    /// `LISTEN/NOTIFY` (openGauss): commits are not announced; every daemon polls the change counter.
    public let notify: Bool
    public var host: String { servers[0].host }
    public var port: Int { servers[0].port }
    public let user: String
    public let database: String
    public let tls: TLSMode
    /// `sslrootcert`: the CA certificates (PEM) the server's certificate must chain to, instead of
    /// the system's trust store (a bureau's own CA).
    public let rootCertificates: String?
    /// `application_name`: how the daemons' connections show in `pg_stat_activity` (default `quhao`).
    public let applicationName: String

    /// Whether a `--database` value names PostgreSQL (anything else is an SQLite file's path).
    public static func isURL(_ text: String) -> Bool { text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") }

    /// Reads a URL.
    /// - Throws: `database.url_invalid` naming what is wrong, in both languages.
    public init(url text: String) throws {
        func refuse(_ zh: String, _ en: String) -> QuhaoURLError { QuhaoURLError(zh: zh, en: en) }
        // Several servers ("h1:5432,h2:5432") are read here; the rest of the URL with the first of them.
        let scheme = text.hasPrefix("postgresql://") ? "postgresql://" : "postgres://"
        let rest = text.dropFirst(scheme.count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        let at = authority.lastIndex(of: "@")
        let hostList = at.map { authority[authority.index(after: $0)...] } ?? authority[...]
        var servers: [(host: String, port: Int)] = []
        for entry in hostList.split(separator: ",", omittingEmptySubsequences: false) {
            var host = Substring(entry)
            var port = 5432
            if let colon = entry.lastIndex(of: ":"), !entry.hasSuffix("]") {
                guard let number = Int(entry[entry.index(after: colon)...]), (1...65535).contains(number) else {
                    throw refuse("数据库地址中的端口“\(entry)”不对", "the URL's port in “\(entry)” is not a port number")
                }
                host = entry[..<colon]
                port = number
            }
            if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
            guard !host.isEmpty else { throw refuse("数据库地址缺少主机", "the URL names no host") }
            servers.append((String(host), port))
        }
        let single = scheme + (at.map { String(authority[...$0]) } ?? "") + "placeholder" + rest.dropFirst(authority.count)
        guard Self.isURL(text), !servers.isEmpty, let components = URLComponents(string: single) else {
            throw refuse("数据库地址应形如 postgres://用户@主机:端口/库名", "a database URL looks like postgres://user@host:port/database")
        }
        guard components.password == nil else {
            throw refuse(
                "数据库地址中不能写密码：请放在环境变量 QUHAO_DATABASE_PASSWORD 或密码文件中",
                "the URL must not hold the password: put it in QUHAO_DATABASE_PASSWORD or a password file")
        }
        guard let user = components.user, !user.isEmpty else { throw refuse("数据库地址缺少用户名", "the URL names no user") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw refuse("数据库地址缺少库名", "the URL names no database") }
        var tls = TLSMode.prefer
        var primaryOnly = false
        var notify = true
        var rootCertificates: String?
        var applicationName = "quhao"
        var named: Set<String> = []
        for item in components.queryItems ?? [] {
            // Said once: with two, which one holds would be a guess (`sslmode=disable&sslmode=require`).
            guard named.insert(item.name).inserted else {
                throw refuse("数据库地址中的参数“\(item.name)”出现了两次", "the URL names “\(item.name)” twice")
            }
            switch item.name {
            case "sslmode":
                switch item.value ?? "" {
                case "disable": tls = .disable
                case "allow", "prefer": tls = .prefer
                case "require": tls = .require
                case "verify-full": tls = .verifyFull
                case "verify-ca": tls = .verifyCA
                default:
                    throw refuse(
                        "sslmode 只能是 disable、prefer、require、verify-ca 或 verify-full",
                        "sslmode must be disable, prefer, require, verify-ca or verify-full")
                }
            case "sslrootcert":
                guard let path = item.value, path.hasPrefix("/") else {
                    throw refuse("sslrootcert 应是证书文件的绝对路径", "sslrootcert must be the absolute path of a certificate file")
                }
                guard FileManager.default.isReadableFile(atPath: path) else {
                    throw refuse("读不到 sslrootcert 证书文件 \(path)", "cannot read the sslrootcert file \(path)")
                }
                rootCertificates = path
            case "application_name":
                guard let name = item.value, !name.isEmpty, name.utf8.count < 64, name.allSatisfy({ $0.isASCII && !$0.isNewline }) else {
                    throw refuse("application_name 应是不超过 63 个字符的 ASCII 名称", "application_name must be an ASCII name of at most 63 characters")
                }
                applicationName = name
            case "target_session_attrs":
                switch item.value ?? "" {
                case "any": primaryOnly = false
                case "read-write", "primary": primaryOnly = true
                default:
                    throw refuse(
                        "target_session_attrs 只能是 any、read-write 或 primary", "target_session_attrs must be any, read-write or primary")
                }
            case "notify":
                switch item.value ?? "" {
                case "on": notify = true
                case "off": notify = false
                default: throw refuse("notify 只能是 on 或 off", "notify must be on or off")
                }
            case "connect_timeout": continue
            default: throw refuse("数据库地址中有不认识的参数“\(item.name)”", "the URL has an unknown parameter “\(item.name)”")
            }
        }
        self.servers = servers
        self.primaryOnly = primaryOnly
        self.notify = notify
        self.user = user
        self.database = database
        self.tls = tls
        self.rootCertificates = rootCertificates
        self.applicationName = applicationName
    }

    public var description: String {
        let hosts = servers.map { "\($0.host.contains(":") ? "[\($0.host)]" : $0.host):\($0.port)" }.joined(separator: ",")
        return "postgres://\(user)@\(hosts)/\(database)?sslmode=\(tls.rawValue)" + (rootCertificates.map { "&sslrootcert=\($0)" } ?? "")
            + (primaryOnly ? "&target_session_attrs=read-write" : "") + (notify ? "" : "&notify=off")
            + (applicationName == "quhao" ? "" : "&application_name=\(applicationName)")
    }

    public static func == (a: PostgresLocation, b: PostgresLocation) -> Bool { a.description == b.description }
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }

    /// How to reach the servers with this password (`nil`: none, as with `trust`).
    func servers(password: String?) throws -> PostgresServers {
        PostgresServers(
            configurations: try servers.map { try configuration(host: $0.host, port: $0.port, password: password) }, primaryOnly: primaryOnly,
            notify: notify)
    }

    /// One server's connection configuration.
    func configuration(host: String, port: Int, password: String?) throws -> PostgresConnection.Configuration {
        var client = TLSConfiguration.makeClientConfiguration()
        if tls == .verifyCA { client.certificateVerification = .noHostnameVerification }
        if let rootCertificates {
            do {
                let certificates = try NIOSSLCertificate.fromPEMFile(rootCertificates)
                guard !certificates.isEmpty else { throw NIOSSLError.failedToLoadCertificate }
                client.trustRoots = .certificates(certificates)
            } catch {
                throw QuhaoURLError(
                    zh: "sslrootcert 文件 \(rootCertificates) 不是 PEM 格式的证书", en: "the sslrootcert file \(rootCertificates) holds no PEM certificate")
            }
        }
        let mode: PostgresConnection.Configuration.TLS
        switch tls {
        case .disable: mode = .disable
        case .prefer: mode = .prefer(try NIOSSLContext(configuration: client))
        case .require, .verifyCA, .verifyFull: mode = .require(try NIOSSLContext(configuration: client))
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: mode)
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        return configuration
    }

    /// The password: `QUHAO_DATABASE_PASSWORD`, else the file `QUHAO_DATABASE_PASSWORD_FILE` names
    /// (its first line), else `PGPASSWORD`; `nil` when none is set.
    public static func password(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
        if let password = environment["QUHAO_DATABASE_PASSWORD"], !password.isEmpty { return password }
        if let path = environment["QUHAO_DATABASE_PASSWORD_FILE"], !path.isEmpty {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw QuhaoURLError(zh: "读不到数据库密码文件 \(path)", en: "cannot read the database password file \(path)")
            }
            return text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        }
        return environment["PGPASSWORD"]
    }
}

/// A database URL or password that cannot be used, in words for the operator.
public struct QuhaoURLError: Error, CustomStringConvertible {
    public let zh: String
    public let en: String
    public var description: String { "\(zh) / \(en)" }
}

/// The servers a location names and how one is chosen: tried in order, each within the connect
/// timeout; with `primaryOnly`, a server answering `transaction_read_only = on` (a standby) is let
/// go and the next tried. postgres-nio connects to one host; the choice among several is ours.
struct PostgresServers: Sendable {
    let configurations: [PostgresConnection.Configuration]
    let primaryOnly: Bool
    /// Whether commits are announced (``PostgresLocation/notify``).
    var notify = true

    /// A connection to the first server that answers (and accepts writes, with `primaryOnly`).
    func connect(id: Int, logger: Logger) -> EventLoopFuture<PostgresConnection> {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        func attempt(_ index: Int, _ failures: [String]) -> EventLoopFuture<PostgresConnection> {
            guard index < configurations.count else {
                return loop.makeFailedFuture(
                    PostgresFailure(
                        kind: failures.allSatisfy { $0.hasSuffix("a standby") } && !failures.isEmpty ? .refused : .unreachable,
                        sqlState: failures.allSatisfy { $0.hasSuffix("a standby") } && !failures.isEmpty ? "25006" : nil,
                        message: "no PostgreSQL server to use: " + failures.joined(separator: "; ")))
            }
            var configuration = configurations[index]
            configuration.options.connectTimeout = .seconds(5)
            let name = "\(configuration.host ?? "?"):\(configuration.port ?? 5432)"
            return PostgresConnection.connect(on: loop, configuration: configuration, id: id, logger: logger)
                .flatMap { connection -> EventLoopFuture<PostgresConnection> in
                    guard primaryOnly else { return loop.makeSucceededFuture(connection) }
                    return connection.query("SHOW transaction_read_only", logger: logger).flatMap { result in
                        let readOnly = (try? result.rows.first?.decode(String.self)) == "on"
                        guard readOnly else { return loop.makeSucceededFuture(connection) }
                        // The connection kept until its close is done: over TLS the close takes a
                        // round trip, and a connection let go while still open trips postgres-nio's
                        // assertion (the daemon crashed on a standby, found by a walk with TLS).
                        return connection.close().always { _ in withExtendedLifetime(connection) {} }
                            .flatMap { attempt(index + 1, failures + ["\(name) is a standby"]) }
                    }
                }
                .flatMapError { error in
                    if let failure = error as? PostgresFailure, failure.message.hasPrefix("no PostgreSQL server") {
                        return loop.makeFailedFuture(failure)
                    }
                    return attempt(index + 1, failures + ["\(name): \(PostgresFailure(error).message)"])
                }
        }
        return attempt(0, [])
    }
}
