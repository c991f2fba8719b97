import Foundation
import QuhaoCore

/// Builds a site's snapshot from the day just read: pure (no actor, no I/O, no clock), so what a
/// board serves is a function of the day, the previous snapshot and what changed.
///
/// It encodes again only the views that can have changed: every one when the day, the site's
/// rules or the set of changed rows is not known; otherwise the changed rows, the queued tickets
/// (places and waits move) and those whose rating changed.
struct SnapshotBuilder {
    /// Distinguishes this process's ETags from an earlier one's.
    let bootID: String

    /// The new snapshot, and whether anything visible changed (if not, it keeps the previous
    /// version and nobody is woken, but it holds the day just read: the next merge starts from it).
    /// - Parameters:
    ///   - day: The site's day as just read.
    ///   - previous: The snapshot served until now, if any.
    ///   - changes: The tickets changed since `previous` was built.
    func build(_ day: SiteDay, previous: LiveBoard.Snapshot?, changes: TicketChanges) async throws -> (LiveBoard.Snapshot, changed: Bool) {
        let encoder = JSONEncoder.quhao
        let ahead = QueueOrder.peopleAhead(day.tickets)
        var tickets: [String: LiveBoard.Entry]
        var changed: Bool
        // Which views may differ from the previous snapshot's: every one when the day, the site's
        // rules or the set of changed rows is not known; otherwise the changed rows, the queued
        // tickets (places and waits move) and those whose rating changed.
        let candidates: [Ticket]
        /// Views that need no new look: the ticket did not change, nor its place, nor its wait's inputs.
        var unchanged: (Ticket, Int?) -> Bool = { _, _ in false }
        if let previous, case .only(let ids) = changes, previous.day.day == day.day, previous.site == day.site {
            tickets = previous.tickets
            changed = false
            var wanted = ids.union(ahead.keys)
            for (id, score) in day.ratings where previous.day.ratings[id] != score { wanted.insert(id) }
            candidates = wanted.compactMap { day.ticket(id: $0) }
            for id in ids where day.ticket(id: id) == nil {
                if let gone = previous.day.ticket(id: id), tickets.removeValue(forKey: gone.token) != nil { changed = true }
            }
            // A long queue is mostly tickets whose place did not move: skip them unless the wait
            // estimate of their service has other inputs now.
            let sameWait = Set(
                day.site.services.map(\.id).filter {
                    previous.day.openCounters(serving: $0) == day.openCounters(serving: $0)
                        && previous.day.averageServiceSeconds[$0] == day.averageServiceSeconds[$0]
                })
            unchanged = { ticket, people in
                guard !ids.contains(ticket.id), sameWait.contains(ticket.serviceID), let old = previous.tickets[ticket.token] else { return false }
                return old.view.peopleAhead == people && old.view.rating == day.ratings[ticket.id]
            }
        } else {
            tickets = [:]
            tickets.reserveCapacity(day.tickets.count)
            changed = previous == nil || previous!.tickets.count != day.tickets.count
            candidates = day.tickets
        }
        for (index, ticket) in candidates.enumerated() {
            // A very long day's rebuild encodes tens of thousands of views: let the requests
            // waiting for the same two threads go first every so often.
            if index % 2_000 == 1_999 { await Task.yield() }
            let people = ahead[ticket.id]
            if unchanged(ticket, people) { continue }
            let view = TicketView(
                ticket, site: day.site, peopleAhead: people,
                estimatedWait: people.flatMap { day.estimatedWait(service: ticket.serviceID, ahead: $0) }, rating: day.ratings[ticket.id])
            // Most tickets look the same after a change: keep their encoded JSON instead of encoding again.
            if let old = previous?.tickets[ticket.token], old.view == view {
                tickets[ticket.token] = old
            } else {
                let json = try encoder.encode(view)
                tickets[ticket.token] = LiveBoard.Entry(view: view, json: json, etag: "\"t\(Self.fnv1a(json))\"")
                changed = true
            }
        }
        let board = BoardView(day)
        let boardJSON = try encoder.encode(board)
        if boardJSON != previous?.boardJSON { changed = true }
        // Nothing visible changed (a warm-up, a change to another day, a reordering key): keep the
        // version and wake nobody, but keep the day just read (the next merge starts from it).
        let version = changed ? (previous?.version ?? 0) + 1 : previous!.version
        let snapshot = LiveBoard.Snapshot(
            version: version, etag: "\"\(bootID)-\(version)\"", site: day.site, board: board, boardJSON: boardJSON, tickets: tickets, day: day)
        return (snapshot, changed)
    }

    /// 64-bit FNV-1a, hex: a cheap content hash for ETags.
    static func fnv1a(_ data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return String(hash, radix: 16)
    }
}
