import Foundation
import GRDB
import QuhaoCore

extension ReportStore {
    /// Fills the rollup again from every finished ticket's event log (tickets that finished before
    /// it existed, or a database seeded directly). Runs by itself at open when needed.
    /// - Returns: How many tickets it read.
    @discardableResult
    public func rebuildFacts() async throws -> Int {
        let now = clock.now()
        return try await guarded { try await writer.write { db in try TicketStore.rebuildReportFacts(db, now: now) } }
    }
}

extension TicketStore {
    // MARK: - The figures' rollup (kept in each change's transaction)

    /// A ticket's steps, oldest first, from the event log.
    static func steps(_ db: Database, ticket id: Int64) throws -> [TicketStep] {
        try Row.fetchAll(
            db.cachedStatement(sql: ReportSQL.steps),
            arguments: [id]
        ).map(step)
    }

    /// One row of `ticket_events` as a step.
    static func step(_ row: Row) -> TicketStep {
        TicketStep(
            action: row["action"], at: row["at"], toState: row["to_state"], counterID: row["counter_id"], initiator: row["initiator"],
            serviceID: row["service_id"])
    }

    /// Keeps the rollup after an event: a ticket that has just finished adds its facts; a no-show
    /// reactivated takes back what it added when it finished.
    static func updateReportFacts(after event: TicketEvent, ticket: TicketRecord, _ context: Context) throws {
        let reactivated = event.action == TicketAction.reactivate.rawValue
        guard reactivated || TicketFacts.isFinal(ticket.state) else { return }
        var steps = try steps(context.db, ticket: ticket.id!)
        if reactivated { steps.removeLast() }
        guard let facts = TicketFacts.of(day: ticket.day, serviceID: ticket.serviceID, channel: ticket.channel, steps: steps, zone: context.site.zone)
        else { return }
        try add(facts, site: ticket.siteID, sign: reactivated ? -1 : 1, context.db)
    }

    /// Adds (or, with `sign` -1, takes back) one ticket's facts: a row for each window's share.
    static func add(_ facts: TicketFacts, site: String, sign: Int, _ db: Database) throws {
        for share in facts.shares { try add(share, of: facts, site: site, sign: sign, db) }
    }

    private static func add(_ share: FactsShare, of facts: TicketFacts, site: String, sign: Int, _ db: Database) throws {
        let s = Double(sign)
        let tally = share.tally
        let key: [any DatabaseValueConvertible] = [
            site, facts.day.iso, facts.hour, facts.serviceID, share.counterID, share.staff, facts.origin.rawValue,
        ]
        let counts: [any DatabaseValueConvertible] = [
            tally.tickets * sign, tally.called * sign, tally.calls * sign, tally.transfersIn * sign, tally.transfersOut * sign,
            tally.served * sign, tally.noShow * sign, tally.cancelled * sign, tally.expired * sign, tally.waitCount * sign, tally.waitSum * s,
            tally.walkCount * sign, tally.walkSum * s, tally.serviceCount * sign, tally.serviceSum * s, tally.busySum * s,
        ]
        let span: [(any DatabaseValueConvertible)?] = [sign > 0 ? share.firstCall : nil, sign > 0 ? share.lastFinish : nil]
        try db.cachedStatement(
            sql: """
                INSERT INTO report_facts (site_id, day, hour, service_id, counter_id, staff, origin, tickets, called, calls, transfers_in,
                    transfers_out, served, no_show, cancelled, expired, wait_count, wait_sum, walk_count, walk_sum, service_count, service_sum,
                    busy_sum, first_call, last_finish)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (site_id, day, hour, service_id, counter_id, staff, origin) DO UPDATE SET
                    tickets = tickets + excluded.tickets, called = called + excluded.called, calls = calls + excluded.calls,
                    transfers_in = transfers_in + excluded.transfers_in, transfers_out = transfers_out + excluded.transfers_out,
                    served = served + excluded.served,
                    no_show = no_show + excluded.no_show, cancelled = cancelled + excluded.cancelled, expired = expired + excluded.expired,
                    wait_count = wait_count + excluded.wait_count, wait_sum = wait_sum + excluded.wait_sum,
                    walk_count = walk_count + excluded.walk_count, walk_sum = walk_sum + excluded.walk_sum,
                    service_count = service_count + excluded.service_count, service_sum = service_sum + excluded.service_sum,
                    busy_sum = busy_sum + excluded.busy_sum,
                    first_call = MIN(COALESCE(first_call, excluded.first_call), COALESCE(excluded.first_call, first_call)),
                    last_finish = MAX(COALESCE(last_finish, excluded.last_finish), COALESCE(excluded.last_finish, last_finish))
                """
        ).execute(arguments: StatementArguments(key + counts + span))
        for (minutes, count) in tally.waitMinutes {
            try db.cachedStatement(
                sql: """
                    INSERT INTO report_waits (site_id, day, hour, service_id, counter_id, staff, origin, minutes, count)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (site_id, day, hour, service_id, counter_id, staff, origin, minutes) DO UPDATE SET count = count + excluded.count
                    """
            ).execute(arguments: StatementArguments(key + [minutes, count * sign]))
        }
    }

    /// Fills the rollup again from every finished ticket's event log (tickets that finished before
    /// it existed, or a database seeded directly). Runs by itself at open when needed.
    /// - Returns: How many tickets it read.

    static func rebuildReportFacts(_ db: Database, now: Date) throws -> Int {
        let zones = try Row.fetchAll(db, sql: "SELECT id, definition FROM sites").reduce(into: [String: TimeZone]()) { zones, row in
            let site = try? JSONDecoder().decode(Site.self, from: Data((row["definition"] as String).utf8))
            zones[row["id"]] = site?.zone ?? TimeZone(identifier: "Asia/Shanghai")!
        }
        try db.execute(sql: "DELETE FROM report_facts; DELETE FROM report_waits")
        var count = 0
        let finished = "state IN ('done', 'no_show', 'cancelled', 'expired')"
        // Tickets and their events read in one pass each, both in ticket order.
        let events = try Row.fetchCursor(
            db,
            sql: """
                SELECT e.ticket_id, e.action, e.at, e.to_state, e.counter_id, e.initiator, e.service_id FROM ticket_events e
                JOIN tickets t ON t.id = e.ticket_id WHERE t.\(finished) ORDER BY e.ticket_id, e.id
                """)
        let tickets = try Row.fetchCursor(db, sql: "SELECT id, site_id, day, service_id, channel FROM tickets WHERE \(finished) ORDER BY id")
        var pending: (ticket: Int64, step: TicketStep)?
        while let ticket = try tickets.next() {
            let id: Int64 = ticket["id"]
            let siteID: String = ticket["site_id"]
            let day: String = ticket["day"]
            let serviceID: String = ticket["service_id"]
            let channel = Channel(rawValue: ticket["channel"]) ?? .phone
            var steps: [TicketStep] = []
            if let held = pending {
                if held.ticket == id { steps.append(held.step) }
                if held.ticket <= id { pending = nil }
            }
            while pending == nil, let row = try events.next() {
                let step = Self.step(row)
                let owner: Int64 = row["ticket_id"]
                if owner == id { steps.append(step) } else if owner > id { pending = (owner, step) }
            }
            guard let businessDay = BusinessDay(iso: day),
                let facts = TicketFacts.of(
                    day: businessDay, serviceID: serviceID, channel: channel, steps: steps,
                    zone: zones[siteID] ?? TimeZone(identifier: "Asia/Shanghai")!)
            else { continue }
            try add(facts, site: siteID, sign: 1, db)
            count += 1
        }
        try db.execute(
            sql:
                "INSERT INTO operations (name, at, detail) VALUES ('report_facts', ?, ?) ON CONFLICT (name) DO UPDATE SET at = excluded.at, detail = excluded.detail",
            arguments: [now, "\(count) tickets"])
        return count
    }

    /// Whether finished tickets exist that the rollup has never seen (a database from before it).
    static func reportFactsNeedRebuild(_ db: Database) throws -> Bool {
        do {
            let built = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM operations WHERE name = 'report_facts')") ?? false
            guard !built else { return false }
            let facts = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM report_facts)") ?? false
            let finished =
                try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM tickets WHERE state IN ('done', 'no_show', 'cancelled', 'expired'))")
                ?? false
            return finished && !facts
        }
    }
}
