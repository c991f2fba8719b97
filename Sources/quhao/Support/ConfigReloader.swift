import Foundation
import Logging
import QuhaoConfig
import QuhaoHTTP
import QuhaoStore
import ServiceLifecycle
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
    let logger: Logger

    func run() async throws {
        guard let path else {
            // The built-in demo has no file to re-read; stay until the daemon stops.
            try? await gracefulShutdown()
            return
        }
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            do {
                let file = try ConfigLoader.load(path: path)
                try await store.sync(sites: file.domainSites)
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
