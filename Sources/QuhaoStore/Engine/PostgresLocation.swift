import Foundation
import NIOSSL
import PostgresNIO

/// Where the city's database is: `postgres://user@host:port/database?sslmode=…`. The password is
/// never part of it (it would show in `ps`, shell histories and logs): it comes from the
/// environment or a file (``password``).
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Hashable {
        case disable, prefer, require
    }

    public let host: String
    public let port: Int
    public let user: String
    public let database: String
    public let tls: TLSMode

    /// Whether a `--database` value names PostgreSQL (anything else is an SQLite file's path).
    public static func isURL(_ text: String) -> Bool { text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") }

    /// Reads a URL.
    /// - Throws: `database.url_invalid` naming what is wrong, in both languages.
    public init(url text: String) throws {
        func refuse(_ zh: String, _ en: String) -> QuhaoURLError { QuhaoURLError(zh: zh, en: en) }
        guard Self.isURL(text), let components = URLComponents(string: text) else {
            throw refuse("数据库地址应形如 postgres://用户@主机:端口/库名", "a database URL looks like postgres://user@host:port/database")
        }
        guard components.password == nil else {
            throw refuse(
                "数据库地址中不能写密码：请放在环境变量 QUHAO_DATABASE_PASSWORD 或密码文件中",
                "the URL must not hold the password: put it in QUHAO_DATABASE_PASSWORD or a password file")
        }
        guard let host = components.host, !host.isEmpty else { throw refuse("数据库地址缺少主机", "the URL names no host") }
        guard let user = components.user, !user.isEmpty else { throw refuse("数据库地址缺少用户名", "the URL names no user") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw refuse("数据库地址缺少库名", "the URL names no database") }
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                switch item.value ?? "" {
                case "disable": tls = .disable
                case "allow", "prefer": tls = .prefer
                case "require", "verify-ca", "verify-full": tls = .require
                default: throw refuse("sslmode 只能是 disable、prefer 或 require", "sslmode must be disable, prefer or require")
                }
            case "target_session_attrs", "application_name", "connect_timeout": continue
            default: throw refuse("数据库地址中有不认识的参数“\(item.name)”", "the URL has an unknown parameter “\(item.name)”")
            }
        }
        self.host = host
        self.port = components.port ?? 5432
        self.user = user
        self.database = database
        self.tls = tls
    }

    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)" }

    /// The connection's configuration with this password (`nil`: none, as with `trust`).
    func configuration(password: String?) throws -> PostgresConnection.Configuration {
        let mode: PostgresConnection.Configuration.TLS
        switch tls {
        case .disable: mode = .disable
        case .prefer: mode = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: mode = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        return PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: mode)
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
