import Foundation
import QuhaoCore
import Synchronization

/// Which site versions this daemon already knows the changes of, so a board is rebuilt whole only
/// for what it has not been told: its own commits (noted before their COMMIT is sent, so before any
/// other session or poll can see them) and the commits the change feed told with their tickets.
/// A polled version beyond those is a change made unseen (a lost notification, `notify=off`).
final class SiteVersionLedger: Sendable {
    private struct State {
        var handled: [String: Set<Int64>] = [:]
        var seen: [String: Int64]? = nil
    }

    private let state = Mutex(State())

    /// Versions whose changes are known here.
    func handled(_ versions: [String: Int64]) {
        guard !versions.isEmpty else { return }
        state.withLock { state in
            for (site, version) in versions {
                // A bound: versions never polled (a poller that stopped) leave no unbounded memory behind.
                if state.handled[site, default: []].count > 100_000 { state.handled[site] = [] }
                state.handled[site, default: []].insert(version)
            }
        }
    }

    /// The sites whose versions moved past what is known here since the last look (none at the first).
    func unseen(_ versions: [String: Int64]) -> [String] {
        state.withLock { state in
            defer { state.seen = versions }
            guard let seen = state.seen else { return [] }
            var changed: [String] = []
            for (site, version) in versions {
                let from = seen[site] ?? 0
                guard version > from else { continue }
                let known = state.handled[site, default: []]
                if version - from > 10_000 || !(from + 1...version).allSatisfy(known.contains) { changed.append(site) }
                state.handled[site] = known.filter { $0 > version }
            }
            return changed.sorted()
        }
    }
}

/// What one commit on PostgreSQL tells the other daemons: its site, the version it raised the site
/// to, and the tickets it touched (`nil`: too many to tell, read the site again whole).
struct ChangeNotice: Sendable, Equatable {
    let site: String
    let version: Int64
    let tickets: Set<Ticket.ID>?

    /// PostgreSQL's notification payloads stop at 8,000 bytes.
    static let largestPayload = 7_000

    /// `site version id,id,…` or `site version *`.
    var payload: String {
        let ids = tickets.map { $0.sorted().map(String.init).joined(separator: ",") }
        let list = ids.flatMap { $0.utf8.count + site.utf8.count + 24 <= Self.largestPayload ? $0 : nil } ?? "*"
        return "\(site) \(version) \(list)"
    }

    init(site: String, version: Int64, tickets: Set<Ticket.ID>?) {
        self.site = site
        self.version = version
        self.tickets = tickets
    }

    init?(payload: String) {
        let parts = payload.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, let version = Int64(parts[1]) else { return nil }
        site = String(parts[0])
        self.version = version
        if parts[2] == "*" {
            tickets = nil
        } else {
            let ids = parts[2].split(separator: ",").compactMap { Ticket.ID(String($0)) }
            tickets = Set(ids)
        }
    }
}
