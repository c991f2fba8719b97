import Foundation
import GRDB
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

/// A window at a glance.
public struct CounterStatus: Sendable, Hashable {
    public let counter: Counter
    public let paused: Bool
    public let current: Ticket?
}

extension TicketStore {
    // MARK: - Reads

    /// Ids of the configured (active) sites.
    public func siteIDs() async throws -> [String] {
        try await read { db in try String.fetchAll(db, sql: "SELECT id FROM sites WHERE active = 1 ORDER BY id") }
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
            try TicketRecord.fetchAll(db, sql: "SELECT * FROM tickets WHERE site_id = ? AND day = ? ORDER BY id", arguments: [site, day.iso])
                .map(\.ticket)
        }
    }

    /// The event log of a site (or of one ticket), oldest first.
    public func events(site: String, ticket: Ticket.ID? = nil) async throws -> [TicketEvent] {
        try await read { db in
            if let ticket {
                return try TicketEvent.fetchAll(db, sql: "SELECT * FROM ticket_events WHERE ticket_id = ? ORDER BY id", arguments: [ticket])
            }
            return try TicketEvent.fetchAll(db, sql: "SELECT * FROM ticket_events WHERE site_id = ? ORDER BY id", arguments: [site])
        }
    }

    /// Where a ticket stands: people ahead and the estimated wait.
    ///
    /// People ahead are the waiting tickets of its service that call order puts first: the
    /// green channel, then everyone with an earlier place. (Appointments and other services
    /// sharing a window make this an estimate, as the page says.)
    public func position(of reference: TicketReference) async throws -> QueuePosition {
        let now = clock.now()
        return try await read { db in
            var day: BusinessDay?
            if case .number(let siteID, _) = reference { day = try sites.load(db, siteID).businessDay(at: now) }
            let record = try Self.fetchTicket(db, reference, day: day)
            let site = try sites.load(db, record.siteID)
            guard record.state == .waiting || record.state == .remote else {
                return QueuePosition(ticket: record.ticket, peopleAhead: 0, estimatedWait: nil)
            }
            let ahead =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) FROM tickets WHERE site_id = ? AND day = ? AND service_id = ? AND state = 'waiting'
                        AND id != ? AND ((priority = 'green' AND ? != 'green') OR (sort_key, id) < (?, ?))
                        """,
                    arguments: [record.siteID, record.day, record.serviceID, record.id, record.priority, record.sortKey, record.id]) ?? 0
            let wait = try Self.estimate(db, site: site, serviceID: record.serviceID, day: record.day, ahead: ahead)
            return QueuePosition(ticket: record.ticket, peopleAhead: ahead, estimatedWait: wait)
        }
    }

    /// Every business type of a site with its queue today.
    public func queues(site siteID: String) async throws -> [ServiceQueue] {
        let now = clock.now()
        return try await read { db in
            let site = try sites.load(db, siteID)
            let day = site.businessDay(at: now).iso
            var counts: [String: (waiting: Int, remote: Int)] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT service_id, SUM(state = 'waiting') AS waiting, SUM(state = 'remote') AS remote FROM tickets
                    WHERE site_id = ? AND day = ? AND state IN ('waiting', 'remote') GROUP BY service_id
                    """, arguments: [siteID, day])
            {
                counts[row["service_id"]] = (row["waiting"], row["remote"])
            }
            var issued: [String: Int] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT origin_service_id, MAX(seq) AS issued FROM tickets WHERE site_id = ? AND day = ? GROUP BY origin_service_id",
                arguments: [siteID, day])
            {
                issued[row["origin_service_id"]] = row["issued"]
            }
            return try site.services.map { service in
                let count = counts[service.id] ?? (0, 0)
                return ServiceQueue(
                    service: service, waiting: count.waiting, remote: count.remote, issuedToday: issued[service.id] ?? 0,
                    estimatedWait: try Self.estimate(db, site: site, serviceID: service.id, day: day, ahead: count.waiting))
            }
        }
    }

    /// Every window of a site with what it holds.
    public func counters(site siteID: String) async throws -> [CounterStatus] {
        try await read { db in
            let site = try sites.load(db, siteID)
            return try site.counters.map { counter in
                let state = try Self.counterState(db, site: siteID, counter: counter.id)
                let held = try Self.heldTicket(db, site: siteID, counter: counter.id)
                return CounterStatus(counter: counter, paused: state.paused, current: held?.ticket)
            }
        }
    }

    static func estimate(_ db: Database, site: Site, serviceID: String, day: String, ahead: Int) throws -> TimeInterval? {
        guard let service = site.services.first(where: { $0.id == serviceID }) else { return nil }
        let durations = try Double.fetchAll(
            db,
            sql: """
                SELECT (julianday(finished_at) - julianday(started_at)) * 86400 FROM tickets
                WHERE site_id = ? AND day = ? AND service_id = ? AND state = 'done' AND started_at IS NOT NULL
                ORDER BY finished_at DESC LIMIT ?
                """, arguments: [site.id, day, serviceID, WaitEstimator.window])
        let paused = Set(
            try Int.fetchAll(db, sql: "SELECT counter_id FROM counter_states WHERE site_id = ? AND paused = 1", arguments: [site.id]))
        let open = site.counters(serving: serviceID).filter { !paused.contains($0.id) }.count
        return WaitEstimator.estimate(
            peopleAhead: ahead, openCounters: open,
            averageServiceSeconds: WaitEstimator.averageServiceSeconds(recent: durations, defaultMinutes: service.defaultServiceMinutes))
    }
}
