import Foundation
import Logging
import QuhaoConfig
import QuhaoCore
import QuhaoHTTP
import QuhaoStore
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Re-reads the configuration file on SIGHUP (`systemctl reload quhao`) and syncs its sites
/// into the database, and reads the TLS certificate and key again (a renewed certificate is
/// served from the next connection on). A file that no longer validates is reported and
/// ignored: the daemon keeps running on what it had.
struct ConfigReloader: ServiceLifecycle.Service {
    /// The file to re-read; `nil` when running the built-in demo (nothing to reload).
    let path: String?
    let store: TicketStore
    /// The certificate served, when the daemon serves HTTPS.
    let tls: TLSCertificates?
    /// The sites as this daemon last synced them (``ConfigurationDrift`` compares the database's with them).
    var configured = ConfiguredSites([])
    /// On a city's database (the sync changes the sites for every daemon: said in the log).
    var shared = false
    /// The SMS and WeChat providers as read at start: they are not swapped under a running
    /// daemon (messages in flight, tokens held), so a reload that changes them says to restart.
    var notify: ConfigFile.NotifySection? = nil
    let logger: Logger

    func run() async throws {
        guard let path else {
            // The built-in demo has no file to re-read; stay until the daemon stops.
            try? await gracefulShutdown()
            return
        }
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            do {
                // With the environment: a provider's secret not set refuses the reload, as it would the start.
                let file = try ConfigLoader.load(path: path, environment: ProcessInfo.processInfo.environment)
                // The providers are read at start: a file whose notify changed is not half taken (new
                // kinds sent through the old provider, without their template codes: found by a walk).
                guard file.notify == notify else {
                    logger.error(
                        "configuration not reloaded; keeping the previous one",
                        metadata: [
                            "problem":
                                "notify changed in the file: the SMS and WeChat providers are read at start; restart the daemon (systemctl restart quhao) to use the whole file"
                        ])
                    continue
                }
                let replaced = try await store.sync(sites: file.domainSites)
                configured.set(file.domainSites)
                if shared { ConfigurationDrift.warnReplaced(replaced, logger: logger) }
                logger.notice("configuration reloaded", metadata: ["source": "\(path)", "sites": "\(file.sites.map(\.id).joined(separator: ","))"])
                if let tls, let files = file.server?.tls {
                    do {
                        try tls.reload(certificate: files.certificate, key: files.key)
                        logger.notice(
                            "certificate reloaded",
                            metadata: ["certificate": "\(files.certificate)", "valid_until": "\(tls.notAfter.map { "\($0)" } ?? "?")"])
                    } catch {
                        logger.error("certificate not reloaded; serving the previous one", metadata: ["problem": "\(error)"])
                    }
                }
            } catch {
                logger.error("configuration not reloaded; keeping the previous one", metadata: ["problem": "\(error)"])
            }
        }
    }
}

/// The sites this daemon's configuration gives, as last synced (at start, at each SIGHUP).
final class ConfiguredSites: Sendable {
    private let sites: Mutex<[Site]>

    init(_ sites: [Site]) { self.sites = Mutex(sites) }

    func set(_ sites: [Site]) { self.sites.withLock { $0 = sites } }
    var current: [Site] { sites.withLock { $0 } }
}

/// On a city's database every daemon syncs its own configuration's sites: they must all be the
/// same, or the last daemon started (or reloaded) sets caps, hours and printers for every hall's
/// daemons. Said when this daemon's sync replaced other rules, and (once a minute, once per
/// change) when the database's rules differ from this daemon's file.
struct ConfigurationDrift: ServiceLifecycle.Service {
    let store: TicketStore
    let configured: ConfiguredSites
    let logger: Logger
    var interval: Duration = .seconds(60)

    static func warnReplaced(_ sites: [String], logger: Logger) {
        guard !sites.isEmpty else { return }
        logger.warning(
            "site rules replaced for every daemon",
            metadata: [
                "sites": "\(sites.joined(separator: ","))",
                "why": "the database held other rules (another daemon's configuration): keep every daemon's configuration the same",
            ])
    }

    func run() async throws {
        var told: [String] = []
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            guard let differing = try? await store.sitesDiffering(from: configured.current), differing != told else { continue }
            told = differing
            guard !differing.isEmpty else {
                logger.notice("site rules agree with this daemon's configuration again")
                continue
            }
            logger.warning(
                "site rules differ from this daemon's configuration",
                metadata: [
                    "sites": "\(differing.joined(separator: ","))",
                    "why": "another daemon synced another configuration: every daemon's must be the same (this one serves the database's rules)",
                ])
        }
    }
}
