import Foundation

/// Server settings after the file, `QUHAO_*` environment variables and command-line flags,
/// in rising order of precedence.
public struct ServerSettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var publicURL: String
    public var databasePath: String
    /// The command that turns a call into speech: `{text}` is replaced by the words (quoted for
    /// the shell), `{out}` by the WAV file to write, `{voice}` by `cmn` or `en`. `nil`: `espeak-ng`
    /// when installed; empty: no speech, the chime only.
    public var speechCommand: String?
    /// Seconds a connection may stay silent: a request's headers must arrive within it, and a
    /// kept-alive connection with no request is closed after it (parked long-polls have their own limit).
    public var idleTimeoutSeconds = 10
    /// Connections one client address may hold at once (0: no cap, for a daemon behind a reverse proxy).
    public var maxConnectionsPerAddress = 256

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
        }
        settings.databasePath = file?.database?.path ?? settings.databasePath
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
        if let host { settings.host = host }
        if let port { settings.port = port }
        // Without an explicit public address, phones are sent to where the daemon listens.
        let visibleHost = settings.host == "0.0.0.0" || settings.host == "::" ? "127.0.0.1" : settings.host
        settings.publicURL = explicitURL ?? "http://\(visibleHost):\(settings.port)"
        while settings.publicURL.hasSuffix("/") { settings.publicURL.removeLast() }
        return settings
    }
}
