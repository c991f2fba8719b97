import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import QuhaoCore
import Synchronization

/// The other daemons' commits as they happen: a connection of its own that `LISTEN`s on the change
/// channel (``SQLDialect/changeChannel``), where every write on PostgreSQL tells its site, version
/// and tickets at its commit (``ChangeNotice``). Notifications sent while the listener is away are
/// lost, so every (re)connection is announced as "anything may have changed"; a database without
/// notifications (`notify=off`) never connects, and the polled versions
/// (``TicketStore/sitesChangedElsewhere()``) carry the boards alone.
final class PostgresChangeFeed: Sendable {
    let servers: PostgresServers
    let logger: Logger
    /// Where what was told is noted, so the poll does not read those sites again whole.
    let ledger: SiteVersionLedger
    /// The versions this daemon's own commits reached: their notifications are not news here.
    private let own = Mutex<[String: Set<Int64>]>([:])

    init(servers: PostgresServers, ledger: SiteVersionLedger, logger: Logger) {
        self.servers = servers
        self.ledger = ledger
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

    /// Calls `changed` with the site and tickets of every commit made elsewhere (`nil` tickets: too
    /// many to tell), and with a `nil` site after every (re)connection (every site may have changed
    /// meanwhile), until the task is cancelled.
    func run(_ changed: @escaping @Sendable (_ site: String?, _ tickets: Set<Ticket.ID>?) async -> Void) async {
        var pause: Duration = .milliseconds(200)
        while !Task.isCancelled {
            do {
                // The primary's: a notification is heard only on the server where it was sent.
                let connection = try await servers.connect(id: 2, logger: logger).get()
                pause = .milliseconds(200)
                do {
                    try await connection.listen(on: SQLDialect.changeChannel) { notifications in
                        await changed(nil, nil)
                        for try await notification in notifications {
                            guard let notice = ChangeNotice(payload: notification.payload) else { continue }
                            let mine = own.withLock { $0[notice.site]?.remove(notice.version) != nil }
                            guard !mine else { continue }
                            ledger.handled([notice.site: notice.version])
                            await changed(notice.site, notice.tickets)
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
