import Foundation
import QuhaoCore

extension TicketStore {
    // MARK: - Writes: a ticket's own actions

    /// A remote ticket arrives in the hall: it becomes callable, keeping its place.
    public func checkIn(_ reference: TicketReference, by initiator: Initiator = .visitor) async throws -> Ticket {
        try await write(ticket: reference) { context, record in
            try Self.apply(.checkIn, to: &record, context, counter: nil, by: initiator) { $0.checkedInAt = context.now }
            return record.ticket
        }
    }

    /// The visitor (or staff) gives the ticket up.
    public func cancel(_ reference: TicketReference, by initiator: Initiator = .visitor) async throws -> Ticket {
        try await write(ticket: reference) { context, record in
            let counter = record.counterID
            try Self.apply(.cancel, to: &record, context, counter: counter, by: initiator) {
                $0.counterID = nil
                $0.finishedAt = context.now
            }
            return record.ticket
        }
    }

    /// Puts a no-show back in its queue, the site's ``QueueRules/reactivationOffset`` places behind
    /// the head; once per ticket, on its own day.
    /// - Throws: `ticket.already_reactivated`, `ticket.reactivation_expired`, `ticket.invalid_transition`.
    public func reactivate(_ reference: TicketReference, by initiator: Initiator = .system) async throws -> Ticket {
        try await write(ticket: reference) { context, record in
            _ = try record.state.applying(.reactivate, number: record.number)
            guard !record.reactivated else { throw QuhaoError(.ticketAlreadyReactivated, ["number": record.number]) }
            guard record.day == context.day else { throw QuhaoError(.ticketReactivationExpired, ["number": record.number]) }
            let offset = context.site.rules.reactivationOffset
            func queueKeys() throws -> [Int64] {
                try context.db.values(
                    Int64.self,
                    """
                    SELECT sort_key FROM tickets WHERE site_id = ? AND day = ? AND service_id = ? AND state = 'waiting'
                    ORDER BY sort_key, id
                    """, [record.siteID, record.day.iso, record.serviceID])
            }
            var key = QueuePlacement.key(behind: offset, in: try queueKeys())
            if key == nil {
                try Self.renumberQueue(context.db, site: record.siteID, day: context.day)
                key = QueuePlacement.key(behind: offset, in: try queueKeys())
            }
            try Self.apply(.reactivate, to: &record, context, counter: nil, by: initiator) {
                $0.reactivated = true
                $0.sortKey = key ?? $0.sortKey
                $0.finishedAt = nil
                $0.calledAt = nil
                $0.recallCount = 0
            }
            return record.ticket
        }
    }

    // MARK: - Writes: housekeeping

    /// Closes what a day left open (run at each site's midnight and once a minute):
    /// - earlier days' tickets still queued or **called** expire (the window is free for the new day);
    /// - earlier days' tickets still **being served** are completed, late, by the system (event
    ///   `complete` with detail `day_end`): the visitor was served, the window is freed, and the
    ///   service time shows how late it ran;
    /// - today's queued or called tickets expire once their service is past its last opening period.
    /// - Returns: How many tickets were closed.
    @discardableResult
    public func expireClosed(by initiator: Initiator = .system) async throws -> Int {
        var expired = 0
        for siteID in try await siteIDs() {
            expired += try await write(site: siteID) { context in
                // Only the tickets to expire are read: those of earlier days, and today's of the
                // services already closed. (Reading every open ticket here held the writer for
                // half a second a minute with 40,000 waiting.)
                var candidates = try TicketRecord.fetchAll(context.db, HousekeepingSQL.earlierDays, [siteID, context.day.iso])
                let closed = context.site.services.filter { $0.hours?.isPastClosing(at: context.now, in: context.site.zone) ?? false }
                if !closed.isEmpty {
                    candidates += try TicketRecord.fetchAll(
                        context.db, HousekeepingSQL.today(ofServices: closed.count), [siteID, context.day.iso] + closed.map(\.id))
                }
                for var record in candidates {
                    let counter = record.counterID
                    if record.state == .serving {
                        try Self.apply(.complete, to: &record, context, counter: counter, by: initiator, detail: "day_end") {
                            $0.finishedAt = context.now
                        }
                        continue
                    }
                    try Self.apply(.expire, to: &record, context, counter: counter, by: initiator) {
                        $0.counterID = nil
                        $0.finishedAt = context.now
                    }
                }
                if context.site.kind == .inspection { try InspectionStore.carryOver(context, store: self) }
                return candidates.count
            }
        }
        return expired
    }
}

extension TicketStore {
    /// A site's business day has begun: its board is built anew (a new date, numbers from 001,
    /// empty queues) through the same hook as every committed change.
    public func beginDay(site: String) {
        observers.notify(site, .all)
    }

    /// When housekeeping must next run: at the next midnight of any site (to the second), or
    /// within `interval` (services closing), whichever comes first.
    public static func nextHousekeeping(after now: Date, zones: [TimeZone], interval: TimeInterval = 60) -> Date {
        zones.map { BusinessDay.nextStart(after: now, in: $0) }.reduce(now.addingTimeInterval(interval)) { min($0, $1) }
    }
}

/// What housekeeping reads: only what is to expire, however many tickets are waiting (earlier
/// days through the partial index `tickets_open`, today's closed services through the queue's).
enum HousekeepingSQL {
    static let earlierDays = """
        SELECT * FROM tickets WHERE site_id = ? AND state IN ('remote', 'waiting', 'called', 'serving') AND day < ?
        """

    /// Today's open tickets of `count` services (their ids follow the site and the day).
    static func today(ofServices count: Int) -> String {
        let services = Array(repeating: "?", count: count).joined(separator: ", ")
        return """
            SELECT * FROM tickets WHERE site_id = ? AND state IN ('remote', 'waiting', 'called') AND day = ?
            AND service_id IN (\(services))
            """
    }
}
