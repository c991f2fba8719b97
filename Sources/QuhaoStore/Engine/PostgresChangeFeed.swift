import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// The other daemons' commits as they happen: a connection of its own that `LISTEN`s on the change
/// channel (``SQLDialect/changeChannel``), where every write on PostgreSQL announces "site version"
/// at its commit (``SQLDialect/siteDefinition(locking:)``). Notifications sent while the listener
/// is away are lost, so every (re)connection is announced as "anything may have changed"; a
/// database without notifications (openGauss) never connects, and the polled change counter
/// (``TicketStore/externalDataVersion()``) carries the boards alone.
final class PostgresChangeFeed: Sendable {
    let servers: PostgresServers
    let logger: Logger
    /// The versions this daemon's own commits reached: their notifications are not news here.
    private let own = Mutex<[String: Set<Int64>]>([:])

    init(servers: PostgresServers, logger: Logger) {
        self.servers = servers
        self.logger = logger
    }

    /// Notes the versions a commit of this daemon is about to make (before its COMMIT is sent, so
    /// before its notification can arrive; one that then fails leaves a version never told, within the bound).
    func committing(_ versions: [String: Int64]) {
        guard !versions.isEmpty else { return }
        own.withLock { own in
            for (site, version) in versions {
                // A bound: a notification that never arrives leaves no unbounded memory behind.
                if own[site, default: []].count > 4096 { own[site] = [] }
                own[site, default: []].insert(version)
            }
        }
    }

    /// Calls `changed` with the site of every commit made elsewhere, and with `nil` after every
    /// (re)connection (every site may have changed meanwhile), until the task is cancelled.
    func run(_ changed: @escaping @Sendable (String?) async -> Void) async {
        var pause: Duration = .milliseconds(200)
        while !Task.isCancelled {
            do {
                // The primary's: a notification is heard only on the server where it was sent.
                let connection = try await servers.connect(id: 2, logger: logger).get()
                pause = .milliseconds(200)
                do {
                    try await connection.listen(on: SQLDialect.changeChannel) { notifications in
                        await changed(nil)
                        for try await notification in notifications {
                            let parts = notification.payload.split(separator: " ")
                            guard parts.count == 2, let version = Int64(parts[1]) else { continue }
                            let site = String(parts[0])
                            let mine = own.withLock { $0[site]?.remove(version) != nil }
                            if !mine { await changed(site) }
                        }
                    }
                } catch {
                    if !Task.isCancelled { logger.warning("change feed lost; reconnecting", metadata: ["error": "\(PostgresFailure(error))"]) }
                }
                try? await connection.close()
            } catch {
                if !Task.isCancelled { logger.debug("change feed cannot connect", metadata: ["error": "\(PostgresFailure(error))"]) }
            }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .seconds(5))
        }
    }
}
