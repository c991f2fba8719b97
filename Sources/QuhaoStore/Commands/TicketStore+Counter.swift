import Foundation
import QuhaoCore

/// What "call next" gave a counter.
public struct CallResult: Sendable, Hashable {
    public let ticket: Ticket
    /// `true` when the counter already held this ticket (a double tap): nothing changed.
    public let alreadyHeld: Bool
}

extension TicketStore {
    // MARK: - Writes: a counter's actions

    /// Calls the next ticket to a counter.
    ///
    /// The choice and the claim happen in one transaction, so two counters never get the same
    /// ticket. A counter that already holds a called or serving ticket gets that ticket back
    /// (``CallResult/alreadyHeld``), never a second one.
    /// - Parameter name: Who calls, by name, for records that keep it (an inspection's "called by").
    /// - Throws: ``QuhaoError`` `counter.not_found`, `counter.paused`, `queue.empty`.
    public func callNext(site siteID: String, counter counterID: Int, by initiator: Initiator = .system, name: String? = nil) async throws
        -> CallResult
    {
        try await write(site: siteID) { context in
            let counter = try Self.counter(counterID, in: context.site)
            if let held = try Self.heldTicket(context.db, site: siteID, counter: counterID) {
                return CallResult(ticket: held.ticket, alreadyHeld: true)
            }
            let streak = try Self.counterState(context.db, site: siteID, counter: counterID)
            guard !streak.paused else { throw QuhaoError(.counterPaused, ["counter": String(counterID)]) }
            let heads = try Self.queueHeads(context, counter: counter, caller: initiator)
            guard
                let choice = CallPolicy.choose(
                    green: heads.green, appointment: heads.appointment, normal: heads.normal, priorityStreak: streak.priorityStreak,
                    burst: context.site.rules.priorityBurst)
            else { throw QuhaoError(.queueEmpty, ["counter": String(counterID)]) }
            var record = choice.candidate
            try Self.apply(.call, to: &record, context, counter: counterID, by: initiator) {
                $0.counterID = counterID
                $0.calledAt = context.now
                $0.recallCount = 0
            }
            try context.db.execute(
                "UPDATE counter_states SET priority_streak = ? WHERE site_id = ? AND counter_id = ?",
                [CallPolicy.streak(after: choice, previous: streak.priorityStreak), siteID, counterID])
            if let name, context.site.kind == .inspection {
                try context.db.execute("UPDATE inspections SET called_by = ? WHERE ticket_id = ?", [name, record.id])
                if let inspection = try context.db.value(Int64.self, "SELECT id FROM inspections WHERE ticket_id = ?", [record.id]) {
                    try InspectionStore.addInspector(context.db, inspection, initiator, name: name, how: .called, at: context.now)
                }
            }
            return CallResult(ticket: record.ticket, alreadyHeld: false)
        }
    }

    /// Calls one waiting ticket by its number, out of turn (a visitor who stepped away, a number
    /// the hall manager sends over). The counter must be free and handle the ticket's business type.
    /// - Throws: ``QuhaoError`` `ticket.not_found`, `counter.busy` (it holds another ticket),
    ///   `counter.paused`, `counter.does_not_serve`, `ticket.invalid_transition` (not waiting).
    public func callTicket(site siteID: String, counter counterID: Int, number: String, by initiator: Initiator = .system)
        async throws -> CallResult
    {
        let number = number.trimmingCharacters(in: .whitespaces).uppercased()
        return try await write(site: siteID) { context in
            let counter = try Self.counter(counterID, in: context.site)
            var record = try Self.fetchTicket(context.db, .number(site: siteID, number), day: context.day)
            if let held = try Self.heldTicket(context.db, site: siteID, counter: counterID) {
                // A retried request for the number already held is answered with it, like call-next.
                if held.id == record.id { return CallResult(ticket: held.ticket, alreadyHeld: true) }
                throw QuhaoError(.counterBusy, ["counter": String(counterID), "number": held.number])
            }
            guard !(try Self.counterState(context.db, site: siteID, counter: counterID).paused) else {
                throw QuhaoError(.counterPaused, ["counter": String(counterID)])
            }
            // Teams call units in turn from the desk; a window's call out of turn would pass over those waiting longer.
            if context.site.kind == .inspection { throw QuhaoError(.inspectionUseDesk, ["site": siteID]) }
            guard counter.services.contains(record.serviceID) else {
                let service = context.site.service(record.serviceID)
                throw QuhaoError(
                    .counterDoesNotServe,
                    (service?.messageParameters ?? ["service": record.serviceID]).merging(["counter": String(counterID)]) { $1 })
            }
            try Self.apply(.call, to: &record, context, counter: counterID, by: initiator, detail: "by number") {
                $0.counterID = counterID
                $0.calledAt = context.now
                $0.recallCount = 0
            }
            return CallResult(ticket: record.ticket, alreadyHeld: false)
        }
    }

    /// Calls the counter's ticket again.
    /// - Parameter expecting: The ticket the caller believes the counter holds; a mismatch
    ///   (another console acted meanwhile) is refused with `ticket.stale` rather than acting on the wrong ticket.
    public func recall(site: String, counter: Int, expecting: Ticket.ID? = nil, by initiator: Initiator = .system) async throws -> Ticket {
        try await act(.recall, site: site, counter: counter, expecting: expecting, by: initiator) { record, context in
            record.recallCount += 1
            record.calledAt = context.now
        }
    }

    /// The visitor arrived at the window: service starts.
    public func start(site: String, counter: Int, expecting: Ticket.ID? = nil, by initiator: Initiator = .system) async throws -> Ticket {
        try await act(.start, site: site, counter: counter, expecting: expecting, by: initiator) { record, context in
            record.startedAt = context.now
        }
    }

    /// Service finished.
    public func complete(site: String, counter: Int, expecting: Ticket.ID? = nil, by initiator: Initiator = .system) async throws
        -> Ticket
    {
        try await act(.complete, site: site, counter: counter, expecting: expecting, by: initiator) { record, context in
            record.finishedAt = context.now
        }
    }

    /// The visitor did not come: allowed after the site's recalls and grace period.
    /// - Throws: `ticket.no_show_too_early` before then.
    public func markNoShow(site: String, counter: Int, expecting: Ticket.ID? = nil, by initiator: Initiator = .system) async throws
        -> Ticket
    {
        try await act(.noShow, site: site, counter: counter, expecting: expecting, by: initiator) { record, context in
            record.counterID = nil
            record.finishedAt = context.now
        } check: { record, context in
            let rules = context.site.rules
            let recallsLeft = max(0, rules.recallsBeforeNoShow - record.recallCount)
            let waited = context.now.timeIntervalSince(record.calledAt ?? context.now)
            let secondsLeft = max(0, Int((Double(rules.noShowGraceSeconds) - waited).rounded(.up)))
            if recallsLeft > 0 || secondsLeft > 0 {
                // Said with only what is still needed (found by a walk: "再呼叫 0 次").
                var parameters = ["number": record.number, "recalls": String(recallsLeft), "seconds": String(secondsLeft)]
                if recallsLeft == 0 { parameters["form"] = "seconds" } else if secondsLeft == 0 { parameters["form"] = "recalls" }
                throw QuhaoError(.ticketNoShowTooEarly, parameters)
            }
        }
    }

    /// Sends the counter's ticket to another business type's queue, at its front, keeping its number.
    /// - Throws: `service.not_found`, `ticket.transfer_same_service`.
    public func transfer(
        site: String, counter: Int, to service: String, expecting: Ticket.ID? = nil, by initiator: Initiator = .system
    ) async throws -> Ticket {
        try await act(.transfer, site: site, counter: counter, expecting: expecting, by: initiator, detail: "to \(service)") {
            record, context in
            let target = context.site.service(service)!
            let front = try context.db.value(
                Int64.self, "SELECT MIN(sort_key) FROM tickets WHERE site_id = ? AND day = ? AND service_id = ? AND state = 'waiting'",
                [site, record.day.iso, target.id])
            record.serviceID = target.id
            record.counterID = nil
            record.transferCount += 1
            record.calledAt = nil
            record.startedAt = nil
            record.recallCount = 0
            if let front { record.sortKey = min(record.sortKey, front - 1) }
        } check: { record, context in
            guard let target = context.site.service(service) else { throw QuhaoError(.serviceNotFound, ["service": service]) }
            guard target.id != record.serviceID else {
                throw QuhaoError(.ticketTransferSameService, target.messageParameters.merging(["number": record.number]) { $1 })
            }
        }
    }

    /// Stops a counter from calling; it may finish the ticket it holds.
    public func pause(site: String, counter: Int, by initiator: Initiator = .system) async throws {
        try await setPaused(true, site: site, counter: counter, by: initiator)
    }

    /// Lets a paused counter call again.
    public func resume(site: String, counter: Int, by initiator: Initiator = .system) async throws {
        try await setPaused(false, site: site, counter: counter, by: initiator)
    }

    // MARK: - Helpers

    private func setPaused(_ paused: Bool, site: String, counter counterID: Int, by initiator: Initiator) async throws {
        try await write(site: site) { context in
            _ = try Self.counter(counterID, in: context.site)
            // The inspection desk has no pause: a team paused from a window could not be resumed from it.
            if context.site.kind == .inspection { throw QuhaoError(.inspectionUseDesk, ["site": site]) }
            let state = try Self.counterState(context.db, site: site, counter: counterID)
            guard state.paused != paused else {
                throw QuhaoError(paused ? .counterPaused : .counterNotPaused, ["counter": String(counterID)])
            }
            try context.db.execute(
                "UPDATE counter_states SET paused = ?, priority_streak = 0 WHERE site_id = ? AND counter_id = ?", [paused, site, counterID])
            var event = CounterEvent(
                id: nil, siteID: site, counterID: counterID, at: context.now, action: paused ? "pause" : "resume",
                initiator: initiator.description)
            try event.insert(context.db)
        }
    }

    /// An action on the ticket a counter holds.
    private func act(
        _ action: TicketAction, site: String, counter counterID: Int, expecting: Ticket.ID?, by initiator: Initiator,
        detail: String? = nil, change: @escaping @Sendable (inout TicketRecord, Context) throws -> Void,
        check: @escaping @Sendable (TicketRecord, Context) throws -> Void = { _, _ in }
    ) async throws -> Ticket {
        try await write(site: site) { context in
            _ = try Self.counter(counterID, in: context.site)
            // An inspection team's visit moves by check-in, results and check-out (the inspection store),
            // never by a hall window's buttons: starting from a console would skip the proof of presence.
            if context.site.kind == .inspection { throw QuhaoError(.inspectionUseDesk, ["site": site]) }
            guard var record = try Self.heldTicket(context.db, site: site, counter: counterID) else {
                if let expecting, let ticket = try TicketRecord.fetchOne(context.db, id: expecting) {
                    // The ticket moved on (another console, or a retried request): say what it is now.
                    _ = try ticket.state.applying(action, number: ticket.number)
                }
                throw QuhaoError(.counterIdle, ["counter": String(counterID)])
            }
            if let expecting, record.id != expecting {
                let expected = try TicketRecord.fetchOne(context.db, id: expecting)?.number ?? "#\(expecting)"
                throw QuhaoError(.ticketStale, ["counter": String(counterID), "expected": expected])
            }
            _ = try record.state.applying(action, number: record.number)
            try check(record, context)
            try Self.apply(action, to: &record, context, counter: counterID, by: initiator, detail: detail) { try change(&$0, context) }
            return record.ticket
        }
    }

    static func counter(_ id: Int, in site: Site) throws -> Counter {
        guard let counter = site.counter(id) else { throw QuhaoError(.counterNotFound, ["counter": String(id)]) }
        return counter
    }

    struct CounterState: Sendable {
        let paused: Bool
        let priorityStreak: Int
    }

    static func counterState(_ db: any SQLDatabase, site: String, counter: Int) throws -> CounterState {
        guard
            let row = try db.row("SELECT paused, priority_streak FROM counter_states WHERE site_id = ? AND counter_id = ?", [site, counter])
        else { throw QuhaoError(.counterNotFound, ["counter": String(counter)]) }
        return CounterState(paused: try row["paused"], priorityStreak: try row["priority_streak"])
    }

    /// The first waiting ticket of each priority class among a counter's services.
    ///
    /// Every lookup is one walk down the `tickets_queue` index for one service and class
    /// (`LIMIT 1` in `sort_key` order), so a call costs the same with ten or ten thousand waiting.
    static func queueHeads(_ context: Context, counter: Counter, caller: Initiator) throws -> (
        green: TicketRecord?, appointment: TicketRecord?, normal: TicketRecord?
    ) {
        let db = context.db
        let now = context.now
        // An inspection team is only ever handed a unit's request: a number bound to no inspection
        // (one taken before such numbers were refused) is passed over, never held; and never one its
        // caller may not be sent to (``InspectionStore/maySend(inspection:staff:)``).
        let bound =
            context.site.kind == .inspection
            ? " AND EXISTS (SELECT 1 FROM inspections i WHERE i.ticket_id = tickets.id AND \(InspectionStore.maySend(inspection: "i", staff: "?")))"
            : ""
        let boundArguments: [(any SQLConvertible)?] =
            context.site.kind == .inspection ? InspectionStore.maySendArguments(staff: InspectionStore.staffID(caller)) : []
        func head(_ service: String, _ condition: String, _ arguments: [(any SQLConvertible)?] = []) throws -> TicketRecord? {
            try TicketRecord.fetchOne(
                db,
                """
                SELECT * FROM tickets WHERE site_id = ? AND day = ? AND state = 'waiting' AND service_id = ? AND \(condition)\(bound)
                ORDER BY sort_key, id LIMIT 1
                """, [context.site.id, context.day.iso, service] + arguments + boundArguments)
        }
        func earliest(_ records: [TicketRecord]) -> TicketRecord? {
            records.min { ($0.sortKey, $0.id ?? 0) < ($1.sortKey, $1.id ?? 0) }
        }
        let inSlot = "appointment_start <= ? AND appointment_end >= ?"
        var greens: [TicketRecord] = []
        var appointments: [TicketRecord] = []
        var normals: [TicketRecord] = []
        for service in counter.services {
            if let green = try head(service, "priority = 'green'") { greens.append(green) }
            if let booked = try head(service, "priority = 'appointment' AND \(inSlot)", [now, now]) { appointments.append(booked) }
            // Appointments outside their slot queue like everyone else.
            let normal = earliest(
                [try head(service, "priority = 'normal'"), try head(service, "priority = 'appointment' AND NOT (\(inSlot))", [now, now])]
                    .compactMap { $0 })
            if let normal { normals.append(normal) }
        }
        let appointment = appointments.min { ($0.appointmentStart ?? now, $0.sortKey) < ($1.appointmentStart ?? now, $1.sortKey) }
        switch counter.callOrder {
        case .oldestFirst:
            return (earliest(greens), appointment, earliest(normals))
        case .serviceOrder:
            // normals are in the counter's service order already.
            return (earliest(greens), appointment, normals.first)
        }
    }
}
