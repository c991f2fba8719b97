import Foundation
import QuhaoCore

/// Where a ticket stands in its queue.
public struct QueuePosition: Sendable, Hashable {
    public let ticket: Ticket
    /// Tickets that will be called before this one (0 when called, served or finished).
    public let peopleAhead: Int
    /// Estimated seconds until the call; `nil` when no open window serves the service or the ticket is not queued.
    public let estimatedWait: TimeInterval?
}

/// A business type's queue at a glance.
public struct ServiceQueue: Sendable, Hashable {
    public let service: Service
    public let waiting: Int
    public let remote: Int
    public let issuedToday: Int
    public let estimatedWait: TimeInterval?
}

extension TicketStore {
    // MARK: - Reads

    /// Ids of the configured (active) sites.
    public func siteIDs() async throws -> [String] {
        try await read { db in try db.values(String.self, "SELECT id FROM sites WHERE active = 1 ORDER BY id") }
    }

    /// A configured site's definition.
    public func site(_ id: String) async throws -> Site {
        try await read { db in try sites.load(db, id) }
    }

    /// The business day at a site now.
    public func today(site id: String) async throws -> BusinessDay {
        try await site(id).businessDay(at: clock.now())
    }

    /// One ticket.
    public func ticket(_ reference: TicketReference) async throws -> Ticket {
        let now = clock.now()
        return try await read { db in
            var day: BusinessDay?
            if case .number(let siteID, _) = reference { day = try sites.load(db, siteID).businessDay(at: now) }
            return try Self.fetchTicket(db, reference, day: day).ticket
        }
    }

    /// A site's tickets of one business day, in issue order.
    public func tickets(site: String, day: BusinessDay) async throws -> [Ticket] {
        try await read { db in
            try TicketRecord.fetchAll(db, "SELECT * FROM tickets WHERE site_id = ? AND day = ? ORDER BY id", [site, day.iso])
                .map(\.ticket)
        }
    }

    /// The event log of a site (or of one ticket), oldest first.
    public func events(site: String, ticket: Ticket.ID? = nil) async throws -> [TicketEvent] {
        try await read { db in
            if let ticket {
                return try TicketEvent.fetchAll(db, "SELECT * FROM ticket_events WHERE ticket_id = ? ORDER BY id", [ticket])
            }
            return try TicketEvent.fetchAll(db, "SELECT * FROM ticket_events WHERE site_id = ? ORDER BY id", [site])
        }
    }

    /// Where a ticket stands: people ahead (``QueueOrder``) and the estimated wait.
    public func position(of reference: TicketReference) async throws -> QueuePosition {
        let ticket = try await ticket(reference)
        let today = try await siteDay(site: ticket.siteID)
        guard ticket.day == today.day, let ahead = QueueOrder.peopleAhead(today.tickets)[ticket.id] else {
            return QueuePosition(ticket: ticket, peopleAhead: 0, estimatedWait: nil)
        }
        return QueuePosition(ticket: ticket, peopleAhead: ahead, estimatedWait: today.estimatedWait(service: ticket.serviceID, ahead: ahead))
    }

    /// Every business type of a site with its queue today.
    public func queues(site siteID: String) async throws -> [ServiceQueue] {
        let today = try await siteDay(site: siteID)
        return today.site.services.map { service in
            let mine = today.tickets.filter { $0.serviceID == service.id }
            let waiting = mine.filter { $0.state == .waiting }.count
            return ServiceQueue(
                service: service, waiting: waiting, remote: mine.filter { $0.state == .remote }.count,
                issuedToday: today.tickets.filter { $0.number.prefix == service.prefix }.map(\.number.sequence).max() ?? 0,
                estimatedWait: today.estimatedWait(service: service.id, ahead: waiting))
        }
    }

    /// Every window of a site with what it holds.
    public func counters(site siteID: String) async throws -> [CounterStatus] {
        try await siteDay(site: siteID).counters
    }

    /// A site's business day as boards show it, read in one transaction.
    /// - Parameters:
    ///   - previous: The day as last read. When it is the same site and day and `changes` names
    ///     the tickets changed since, only those rows are read again and merged into it (a busy
    ///     day has tens of thousands of tickets; one commit changes one or two).
    ///   - changes: What changed since `previous`.
    public func siteDay(site siteID: String, updating previous: SiteDay? = nil, changes: TicketChanges = .all) async throws -> SiteDay {
        let now = clock.now()
        return try await read { db in
            let site = try sites.load(db, siteID)
            let day = site.businessDay(at: now)
            let tickets: [Ticket]
            if let previous, previous.site.id == siteID, previous.day == day, case .only(let ids) = changes,
                ids.count <= Self.largestMerge
            {
                tickets = try Self.merging(previous.tickets, changed: ids, db, site: siteID, day: day)
            } else {
                tickets = try TicketRecord.fetchAll(
                    db, "SELECT * FROM tickets WHERE site_id = ? AND day = ? ORDER BY id", [siteID, day.iso]
                ).map(\.ticket)
            }
            let held = Dictionary(
                tickets.filter { [.called, .serving].contains($0.state) }.compactMap { ticket in ticket.counterID.map { ($0, ticket) } },
                uniquingKeysWith: { first, _ in first })
            let paused = Set(try db.values(Int.self, BoardSQL.paused, [siteID]))
            let counters = site.counters.map { CounterStatus(counter: $0, paused: paused.contains($0.id), current: held[$0.id]) }
            var averages: [String: TimeInterval] = [:]
            for service in site.services {
                let durations = try db.values(Double.self, BoardSQL.serviceTimes(db.dialect), [siteID, day.iso, service.id, WaitEstimator.window])
                averages[service.id] = WaitEstimator.averageServiceSeconds(recent: durations, defaultMinutes: service.defaultServiceMinutes)
            }
            let (dayStart, dayEnd) = Self.interval(of: day, in: site.zone)
            var calls: [(id: Int64, call: AnnouncedCall)] = []
            for counter in site.counters {
                for row in try db.rows(BoardSQL.recentCalls, [siteID, counter.id, dayStart, dayEnd, day.iso, SiteDay.recentCallsPerCounter]) {
                    let number: String = try row["number"]
                    let call = AnnouncedCall(
                        id: try row["id"], number: TicketNumber(prefix: String(number.prefix(1)), sequence: try row["seq"]), counterID: counter.id,
                        at: try row["at"],
                        isRecall: try row["action"] == "recall")
                    calls.append((try row["id"], call))
                }
            }
            calls.sort { $0.id > $1.id }
            var ratings: [Ticket.ID: Int] = [:]
            if let first = tickets.first?.id {
                for row in try db.rows(BoardSQL.ratings(db.dialect), [first, siteID]) {
                    let id: Ticket.ID = try row["ticket_id"]
                    if tickets.ticket(id: id) != nil { ratings[id] = try row["score"] }
                }
            }
            return SiteDay(
                site: site, day: day, now: now, tickets: tickets, counters: counters, averageServiceSeconds: averages,
                recentCalls: calls.map(\.call), ratings: ratings)
        }
    }

    /// More changed rows than this and the whole day is read again (one `IN (…)` list stays small).
    static let largestMerge = 500

    /// `tickets` (in id order) with the rows `ids` read again: changed ones replaced, new ones
    /// appended, ones gone (or of another site or day) removed.
    static func merging(_ tickets: [Ticket], changed ids: Set<Ticket.ID>, _ db: any SQLDatabase, site: String, day: BusinessDay) throws -> [Ticket] {
        guard !ids.isEmpty else { return tickets }
        var fresh = Dictionary(
            uniqueKeysWithValues: try TicketRecord.fetchAll(
                db, "SELECT * FROM tickets WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ", "))) AND site_id = ? AND day = ?",
                ids.sorted() + [site, day.iso]
            ).map { ($0.id!, $0.ticket) })
        var merged = tickets
        for id in ids.sorted().reversed() {
            let index = merged.partitioningIndex { $0.id >= id }
            guard index < merged.endIndex, merged[index].id == id else { continue }
            if let ticket = fresh.removeValue(forKey: id) {
                merged[index] = ticket
            } else {
                merged.remove(at: index)
            }
        }
        let added = fresh.values.sorted { $0.id < $1.id }
        if let first = added.first, let last = merged.last, first.id < last.id {
            return (merged + added).sorted { $0.id < $1.id }
        }
        return merged + added
    }
}

/// The queries of every board rebuild besides the changed tickets. Each must cost what it
/// returns, not what the day (or the year) holds: `QueryPlanTests` pins their plans.
enum BoardSQL {
    static let paused = "SELECT counter_id FROM counter_states WHERE site_id = ? AND paused = 1"

    /// A service's latest service times today, through the partial index `tickets_done`.
    static func serviceTimes(_ dialect: SQLDialect) -> String {
        """
        SELECT \(dialect.seconds(from: "started_at", to: "finished_at")) FROM tickets
        WHERE site_id = ? AND day = ? AND service_id = ? AND state = 'done' AND started_at IS NOT NULL
        ORDER BY finished_at DESC LIMIT ?
        """
    }

    /// One window's latest calls and recalls today, through the partial index `events_calls`
    /// (a window at a time: the whole day's events of a site were a walk over tens of thousands).
    static let recentCalls = """
        SELECT e.id, e.at, e.action, t.number, t.seq
        FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
        WHERE e.site_id = ? AND e.counter_id = ? AND e.action IN ('call', 'recall') AND e.at >= ? AND e.at < ? AND t.day = ?
        ORDER BY e.at DESC, e.id DESC LIMIT ?
        """

    /// Ratings of ids from the day's first ticket on: a range of the key, not a walk over the
    /// day's tickets. SQLite must be kept off the (site_id, at) index, which would walk every
    /// rating the site ever had (``SQLDialect/notIndexed(_:)``).
    static func ratings(_ dialect: SQLDialect) -> String {
        "SELECT ticket_id, score FROM ratings WHERE ticket_id >= ? AND \(dialect.notIndexed("site_id")) = ?"
    }
}
