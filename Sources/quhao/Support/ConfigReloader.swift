import Foundation
import Logging
import QuhaoConfig
import QuhaoStore
import ServiceLifecycle
import UnixSignals

/// Re-reads the configuration file on SIGHUP (`systemctl reload quhao`) and syncs its sites
/// into the database. A file that no longer validates is reported and ignored: the daemon
/// keeps running on what it had.
struct ConfigReloader: ServiceLifecycle.Service {
    /// The file to re-read; `nil` when running the built-in demo (nothing to reload).
    let path: String?
    let store: TicketStore
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
            } catch {
                logger.error("configuration not reloaded; keeping the previous one", metadata: ["problem": "\(error)"])
            }
        }
    }
}
