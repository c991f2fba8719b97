import ArgumentParser
import Foundation
import Hummingbird
import LiveBoard
import Logging
import Notify
import Presence
import QRCode
import QuhaoConfig
import QuhaoCore
import QuhaoDisplay
import QuhaoHTTP
import QuhaoStore
import ServiceLifecycle
import Speech
import Webhooks

/// `quhao serve`: the daemon.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon (HTTP on 127.0.0.1:8080 by default) until stopped with Ctrl-C or SIGTERM.")

    @OptionGroup var store: StoreOptions

    @Option(help: "Address to listen on (overrides the file and $QUHAO_HOST).")
    var host: String?

    @Option(help: "Port to listen on (overrides the file and $QUHAO_PORT); 0 picks a free one.")
    var port: Int?

    @Option(help: "Log level: trace, debug, info (one line per request), notice, warning, error, critical (overrides server.log_level).")
    var logLevel: String?

    @Option(help: "Draw this site's call board full screen on this terminal (logs then go to --log-file).")
    var display: String?

    @Option(help: "With --display: a command run for each call; {text} stands for the words to say (Quhao quotes it).")
    var announce: String?

    @Option(help: "With --display: where the log goes (default: quhao.log beside the database).")
    var logFile: String?

    func validate() throws {
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        if announce != nil, display == nil { throw ValidationError("--announce goes with --display SITE") }
        if logFile != nil, display == nil { throw ValidationError("--log-file goes with --display SITE (otherwise the log is on standard error)") }
        if let problem = announce.flatMap(Announcer.problem(with:)) { throw ValidationError(problem) }
    }

    func run() async throws {
        try await reportingErrors {
            let (file, source) = try store.loadConfig()
            let settings = try store.settings(file: file, host: host, port: port)
            // Lines are written by a thread of their own (off the request path), and all of them
            // before the process ends, however `run` ends.
            let logWriter = LogWriter()
            defer { logWriter.stop() }
            var logger =
                settings.logFormat == "json"
                ? Logger(label: "quhao") { JSONLinesLogHandler(label: $0, writer: logWriter) }
                : Logger(label: "quhao") { TextLogHandler(label: $0, writer: logWriter) }
            logger.logLevel = Logger.Level(rawValue: logLevel ?? settings.logLevel) ?? .info
            let clock = try SystemClock.fromEnvironment()
            if clock.isShifted { logger.warning("test clock in use (QUHAO_NOW)", metadata: ["now": "\(clock.now())"]) }
            // The certificate before the database: a start that cannot serve HTTPS touches nothing.
            let tls: TLSCertificates?
            do {
                tls = try settings.tls.map { try TLSCertificates(certificate: $0.certificate, key: $0.key) }
            } catch {
                throw ExitFailure(message: "\(error)", code: 2)
            }
            if let tls, let notAfter = tls.notAfter {
                logger.info("https", metadata: ["certificate": "\(settings.tls?.certificate ?? "")", "valid_until": "\(notAfter)"])
            }
            if let problem = settings.engineProblem { throw ExitFailure(message: problem, code: 2) }
            // One daemon per SQLite file (held until the process ends; a restore checks it too).
            // On PostgreSQL any number share the database: each site's commands are serialized in it.
            let lock: DaemonLock?
            do {
                lock = settings.usesPostgres ? nil : try DaemonLock(database: settings.databasePath, purpose: "serve")
            } catch {
                throw ExitFailure(message: "\(error)", code: 1)
            }
            defer { lock?.release() }
            let metrics = ServerMetrics()
            let ticketStore: TicketStore
            do {
                ticketStore = try await StoreOptions.open(settings, clock: clock, metrics: metrics.store)
            } catch let error as ExitFailure {
                throw error
            } catch {
                throw ExitFailure(message: "cannot open the database \(settings.databasePath): \(error)", code: 1)
            }
            let sites = file.domainSites
            let replaced = try await ticketStore.sync(sites: sites)
            let configured = ConfiguredSites(sites)
            if settings.usesPostgres { ConfigurationDrift.warnReplaced(replaced, logger: logger) }
            // The file lock says this is the file's one daemon: a printer or webhooks held by its
            // run before (killed before it let go) are its own again at once, not after the lease.
            if lock != nil { try await ticketStore.operations.forgetLeases() }
            if let display, !sites.contains(where: { $0.id == display }) {
                throw ExitFailure(
                    message: "--display \(display): no such site (configured: \(sites.map(\.id).joined(separator: ", ")))", code: 2)
            }
            // Beside the database: the display's log and the spoken calls once made.
            let dataDirectory = URL(fileURLWithPath: settings.dataDirectory)
            if display != nil {
                // The board owns the terminal: the log (and the banner) go to a file.
                let path = logFile ?? dataDirectory.appendingPathComponent("quhao.log").path
                let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
                guard descriptor >= 0, dup2(descriptor, STDERR_FILENO) >= 0 else {
                    throw ExitFailure(message: "cannot write the log file \(path)", code: 1)
                }
                close(descriptor)
            }
            let announceCommand = try announce.map { try Announcer.command($0).get() }
            let descriptors = DescriptorLimit.raise()
            logger.info(
                "open-file limit", metadata: ["soft": "\(descriptors.after)", "was": "\(descriptors.before)", "hard": "\(descriptors.hard)"])
            let speech = SpeechSynthesizer.resolve(configured: settings.speechCommand)
            if let speech, let problem = SpeechSynthesizer.problem(with: speech) {
                throw ExitFailure(message: "server.speech_command: \(problem)", code: 2)
            }
            logger.info("speech", metadata: ["command": "\(speech ?? "none: the chime only")"])
            logger.info(
                "configuration synced",
                metadata: ["source": "\(source)", "sites": "\(sites.map(\.id).joined(separator: ","))", "database": "\(settings.databasePath)"])
            let onScreen = display
            let app = try buildApplication(
                settings: AppSettings(
                    host: settings.host, port: settings.port, publicURL: settings.publicURL, speechCommand: speech,
                    speechCache: dataDirectory.appendingPathComponent("speech-cache").path,
                    idleTimeoutSeconds: settings.idleTimeoutSeconds, maxConnectionsPerAddress: settings.maxConnectionsPerAddress,
                    evidenceDirectory: dataDirectory.appendingPathComponent("evidence").path, personalDataDays: settings.personalDataDays,
                    heldFiles: lock.map { [$0.file] } ?? [], tls: tls, trustedProxies: settings.trustedProxies,
                    wechat: settings.wechat?.subscription),
                store: ticketStore, clock: clock, logger: logger,
                services: [
                    ConfigReloader(
                        path: store.configPath, store: ticketStore, tls: tls, configured: configured, shared: settings.usesPostgres,
                        notify: file.notify, logger: logger),
                    WebhookDeliverer(store: ticketStore, clock: clock, logger: logger),
                ]
                    + (settings.usesPostgres ? [ConfigurationDrift(store: ticketStore, configured: configured, logger: logger)] : [])
                    + (settings.backups.map { [NightlyBackup(schedule: $0, store: ticketStore, clock: clock, metrics: metrics, logger: logger)] }
                        ?? []),
                boardServices: { board, hallCode in
                    // "Almost your turn" follows the board: its day is just read, and it sees the
                    // command line's and other daemons' changes too.
                    let notices = NoticeDeliverer(
                        store: ticketStore, clock: clock, sms: settings.sms, wechat: settings.wechat, publicURL: settings.publicURL, logger: logger,
                        days: NoticeDeliverer.DayFeed(follow: { board.onChange($0) }, day: { try await board.snapshot($0).day }))
                    guard let display else { return [notices] }
                    let feed = LiveBoardFeed(board: board, site: display, hallCode: hallCode)
                    return [
                        notices,
                        ConsoleDisplayService(display: ConsoleDisplay(site: display, feed: feed, output: .screen, announce: announceCommand)),
                    ]
                },
                metrics: metrics
            ) { port in
                let presence = PresenceCodes(store: ticketStore, clock: clock)
                // Written unbuffered: under systemd or a pipe the banner must not wait for a buffer to fill.
                let output = onScreen == nil ? STDOUT_FILENO : STDERR_FILENO
                let banner = Banner.text(
                    settings: settings, port: port, sites: sites, source: source, presence: presence, showKeys: isatty(output) == 1)
                // With a JSON log every line of the output is JSON: the banner goes to a terminal only.
                if settings.logFormat != "json" || isatty(output) == 1 {
                    FileHandle(fileDescriptor: output, closeOnDealloc: false).write(Data((banner + "\n").utf8))
                }
            }
            try await app.runService()
        }
    }
}

/// What the daemon prints once it listens: where to go, and the first hall's QR code.
enum Banner {
    static func text(settings: ServerSettings, port: Int, sites: [Site], source: String, presence: PresenceCodes, showKeys: Bool) -> String {
        let base =
            settings.publicURL.hasSuffix(":\(settings.port)")
            ? String(settings.publicURL.dropLast("\(settings.port)".count)) + "\(port)" : settings.publicURL
        var lines = [
            "",
            "  取号 Quhao is running 已启动  ·  config: \(source)  ·  database: \(settings.databasePath)",
        ]
        if let warning = PublicAddress.warning(for: settings.publicURL) {
            lines.append("")
            lines.append(contentsOf: warning.split(separator: "\n").map { "  ⚠ \($0)" })
            lines.append("")
        }
        for site in sites {
            let prefixes = site.services.map(\.prefix).joined()
            if site.kind == .inspection {
                // An office takes no anonymous numbers: its units request through their own links.
                lines.append("  · \(site.name.zh) [\(site.id)]: inspection office 检查点, \(site.counters.count) teams")
                lines.append("      units request through their own link 单位通过专用链接申请 (quhao units list --site \(site.id))")
                lines.append("      inspectors 检查人员: \(base)/inspect   figures 检查统计: \(base)/admin/inspections?site=\(site.id)")
            } else {
                lines.append("  · \(site.name.zh) [\(site.id)]: business types \(prefixes), \(site.counters.count) windows")
                lines.append("      take a number 取号:  \(base)/s/\(site.id)")
            }
        }
        if let hall = sites.first(where: { $0.kind == .taxHall }) {
            var url = "\(base)/s/\(hall.id)"
            if hall.rules.presence == .rotating {
                url += "?p=\(presence.current(site: hall.id))"
                lines.append("")
                lines.append("  In-hall link 现场取号 (its code rotates every minute; later scans queue remotely until check-in):")
            } else {
                lines.append("")
            }
            lines.append("  \(url)")
            if let matrix = QRMatrix(encoding: url, correction: .low) {
                lines.append(matrix.terminalText(quietZone: 2))
            }
        }
        for site in sites where site.kind == .taxHall {
            // The keys let whoever holds them take numbers as if in the hall: shown on a terminal,
            // never written to a log or the journal (`quhao keys show SITE` prints them there).
            if showKeys {
                let key = site.rules.presence == .rotating ? "?key=\(presence.displayKey(site: site.id))" : ""
                lines.append("  Hall display 大厅显示屏 (\(site.id)): \(base)/display/\(site.id)\(key)")
                lines.append("  Kiosk 自助取号机 (\(site.id)): \(base)/kiosk/\(site.id)?key=\(presence.displayKey(site: site.id))")
            } else {
                lines.append("  Hall display and kiosk 显示屏与自助机 (\(site.id)): quhao keys show \(site.id)")
            }
        }
        lines.append("  API: \(base)/api/v1/sites   Health 健康检查: \(base)/healthz   Stop 停止: Ctrl-C")
        lines.append("")
        return lines.joined(separator: "\n")
    }
}

/// The console board inside the daemon (`quhao serve --display SITE`): stops with the server,
/// giving the terminal back.
struct ConsoleDisplayService: ServiceLifecycle.Service {
    let display: ConsoleDisplay

    func run() async throws {
        try await cancelWhenGracefulShutdown { await display.run() }
    }
}
