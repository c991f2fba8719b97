import Foundation
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
    static func steps(_ db: any SQLDatabase, ticket id: Int64) throws -> [TicketStep] {
        try db.rows(ReportSQL.steps, [id]).map(step)
    }

    /// One row of `ticket_events` as a step.
    static func step(_ row: SQLRow) throws -> TicketStep {
        TicketStep(
            action: try row["action"], at: try row["at"], toState: try row["to_state"], counterID: try row["counter_id"],
            initiator: try row["initiator"],
            serviceID: try row["service_id"])
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
    static func add(_ facts: TicketFacts, site: String, sign: Int, _ db: any SQLDatabase) throws {
        for share in facts.shares { try add(share, of: facts, site: site, sign: sign, db) }
    }

    private static func add(_ share: FactsShare, of facts: TicketFacts, site: String, sign: Int, _ db: any SQLDatabase) throws {
        let s = Double(sign)
        let tally = share.tally
        let key: [(any SQLConvertible)?] = [
            site, facts.day.iso, facts.hour, facts.serviceID, share.counterID, share.staff, facts.origin.rawValue,
        ]
        let counts: [(any SQLConvertible)?] = [
            tally.tickets * sign, tally.called * sign, tally.calls * sign, tally.transfersIn * sign, tally.transfersOut * sign,
            tally.served * sign, tally.noShow * sign, tally.cancelled * sign, tally.expired * sign, tally.waitCount * sign, tally.waitSum * s,
            tally.walkCount * sign, tally.walkSum * s, tally.serviceCount * sign, tally.serviceSum * s, tally.busySum * s,
        ]
        let span: [(any SQLConvertible)?] = [sign > 0 ? share.firstCall : nil, sign > 0 ? share.lastFinish : nil]
        try db.execute(
            """
            INSERT INTO report_facts (site_id, day, hour, service_id, counter_id, staff, origin, tickets, called, calls, transfers_in,
                transfers_out, served, no_show, cancelled, expired, wait_count, wait_sum, walk_count, walk_sum, service_count, service_sum,
                busy_sum, first_call, last_finish)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (site_id, day, hour, service_id, counter_id, staff, origin) DO UPDATE SET
                tickets = report_facts.tickets + excluded.tickets, called = report_facts.called + excluded.called,
                calls = report_facts.calls + excluded.calls, transfers_in = report_facts.transfers_in + excluded.transfers_in,
                transfers_out = report_facts.transfers_out + excluded.transfers_out, served = report_facts.served + excluded.served,
                no_show = report_facts.no_show + excluded.no_show, cancelled = report_facts.cancelled + excluded.cancelled,
                expired = report_facts.expired + excluded.expired, wait_count = report_facts.wait_count + excluded.wait_count,
                wait_sum = report_facts.wait_sum + excluded.wait_sum, walk_count = report_facts.walk_count + excluded.walk_count,
                walk_sum = report_facts.walk_sum + excluded.walk_sum, service_count = report_facts.service_count + excluded.service_count,
                service_sum = report_facts.service_sum + excluded.service_sum, busy_sum = report_facts.busy_sum + excluded.busy_sum,
                first_call = \(db.dialect.least("COALESCE(report_facts.first_call, excluded.first_call)", "COALESCE(excluded.first_call, report_facts.first_call)")),
                last_finish = \(db.dialect.greatest("COALESCE(report_facts.last_finish, excluded.last_finish)", "COALESCE(excluded.last_finish, report_facts.last_finish)"))
            """, key + counts + span)
        for (minutes, count) in tally.waitMinutes {
            try db.execute(
                """
                INSERT INTO report_waits (site_id, day, hour, service_id, counter_id, staff, origin, minutes, count)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (site_id, day, hour, service_id, counter_id, staff, origin, minutes) DO UPDATE SET
                    count = report_waits.count + excluded.count
                """, key + [minutes, count * sign])
        }
    }

    /// Fills the rollup again from every finished ticket's event log (``ReportStore/rebuildFacts()``).
    static func rebuildReportFacts(_ db: any SQLDatabase, now: Date) throws -> Int {
        let zones = try db.rows("SELECT id, definition FROM sites").reduce(into: [String: TimeZone]()) { zones, row in
            let site = try? JSONDecoder().decode(Site.self, from: Data((try row["definition"] as String).utf8))
            zones[try row["id"]] = site?.zone ?? TimeZone(identifier: "Asia/Shanghai")!
        }
        try db.execute("DELETE FROM report_facts")
        try db.execute("DELETE FROM report_waits")
        var count = 0
        let finished = "state IN ('done', 'no_show', 'cancelled', 'expired')"
        // A page of finished tickets at a time, with their events: memory stays bounded however
        // long the history.
        var after: Int64 = 0
        while true {
            let tickets = try db.rows(
                "SELECT id, site_id, day, service_id, channel FROM tickets WHERE \(finished) AND id > ? ORDER BY id LIMIT 2000", [after])
            guard let first = tickets.first, let last = tickets.last else { break }
            let (low, high): (Int64, Int64) = (try first["id"], try last["id"])
            after = high
            var steps: [Int64: [TicketStep]] = [:]
            for row in try db.rows(
                """
                SELECT ticket_id, action, at, to_state, counter_id, initiator, service_id FROM ticket_events
                WHERE ticket_id BETWEEN ? AND ? ORDER BY ticket_id, id
                """, [low, high])
            {
                steps[try row["ticket_id"], default: []].append(try step(row))
            }
            for ticket in tickets {
                let siteID: String = try ticket["site_id"]
                let channel = Channel(rawValue: try ticket["channel"]) ?? .phone
                guard let businessDay = BusinessDay(iso: try ticket["day"]),
                    let facts = TicketFacts.of(
                        day: businessDay, serviceID: try ticket["service_id"], channel: channel, steps: steps[try ticket["id"]] ?? [],
                        zone: zones[siteID] ?? TimeZone(identifier: "Asia/Shanghai")!)
                else { continue }
                try add(facts, site: siteID, sign: 1, db)
                count += 1
            }
        }
        try db.execute(
            "INSERT INTO operations (name, at, detail) VALUES ('report_facts', ?, ?) ON CONFLICT (name) DO UPDATE SET at = excluded.at, detail = excluded.detail",
            [now, "\(count) tickets"])
        return count
    }

    /// Whether finished tickets exist that the rollup has never seen (a database from before it).
    static func reportFactsNeedRebuild(_ db: any SQLDatabase) throws -> Bool {
        do {
            let built = try db.value(Bool.self, "SELECT EXISTS (SELECT 1 FROM operations WHERE name = 'report_facts')") ?? false
            guard !built else { return false }
            let facts = try db.value(Bool.self, "SELECT EXISTS (SELECT 1 FROM report_facts)") ?? false
            let finished =
                try db.value(Bool.self, "SELECT EXISTS (SELECT 1 FROM tickets WHERE state IN ('done', 'no_show', 'cancelled', 'expired'))")
                ?? false
            return finished && !facts
        }
    }
}
