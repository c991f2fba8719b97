import Foundation
import QuhaoCore

/// How a command names a ticket.
public enum TicketReference: Sendable, Hashable, CustomStringConvertible {
    /// The public 128-bit token.
    case token(String)
    /// A number taken today at a site (`A023`).
    case number(site: String, String)
    /// The internal id (staff routes only).
    case id(Ticket.ID)

    public var description: String {
        switch self {
        case .token: "token"
        case .number(_, let number): number
        case .id(let id): "#\(id)"
        }
    }
}

extension TicketStore {
    /// Applies a state-machine action to a ticket row: checks it, updates the row and appends
    /// the event, all inside the caller's transaction.
    /// - Parameters:
    ///   - change: Further changes to the row for this action (counter, times, counts).
    static func apply(
        _ action: TicketAction, to record: inout TicketRecord, _ context: Context, counter: Int?, by initiator: Initiator,
        detail: String? = nil, change: (inout TicketRecord) throws -> Void = { _ in }
    ) throws {
        let from = record.state
        record.state = try from.applying(action, number: record.number)
        try change(&record)
        try record.update(context.db)
        var event = TicketEvent(
            id: nil, ticketID: record.id!, siteID: record.siteID, at: context.now, action: action.rawValue, fromState: from,
            toState: record.state, counterID: counter, serviceID: record.serviceID, initiator: initiator.description, detail: detail)
        try context.append(&event, ticket: record)
    }

    /// Finds a ticket by reference; numbers are looked up on `day`.
    /// - Throws: `ticket.not_found`, `ticket.number_invalid`.
    static func fetchTicket(_ db: any SQLDatabase, _ reference: TicketReference, day: BusinessDay?) throws -> TicketRecord {
        let found: TicketRecord?
        switch reference {
        case .token(let token):
            found = try TicketRecord.fetchOne(db, "SELECT * FROM tickets WHERE token = ?", [token])
        case .id(let id):
            found = try TicketRecord.fetchOne(db, id: id)
        case .number(let siteID, let text):
            let number = try TicketNumber(parsing: text)
            found = try TicketRecord.fetchOne(
                db, "SELECT * FROM tickets WHERE site_id = ? AND day = ? AND number = ?", [siteID, day?.iso, number.description])
        }
        guard let found else { throw QuhaoError(.ticketNotFound, ["ticket": reference.description]) }
        return found
    }

    /// The ticket a counter holds (called or serving), if any.
    static func heldTicket(_ db: any SQLDatabase, site: String, counter: Int) throws -> TicketRecord? {
        try TicketRecord.fetchOne(
            db, "SELECT * FROM tickets WHERE site_id = ? AND counter_id = ? AND state IN ('called', 'serving')", [site, counter])
    }

    /// Gives every remote or waiting ticket of a site-day fresh, evenly spaced order keys,
    /// keeping their order: used when two neighbours leave no room to insert between them.
    static func renumberQueue(_ db: any SQLDatabase, site: String, day: BusinessDay) throws {
        let ids = try db.values(
            Int64.self, "SELECT id FROM tickets WHERE site_id = ? AND day = ? AND state IN ('remote', 'waiting') ORDER BY sort_key, id",
            [site, day.iso])
        for (id, key) in zip(ids, QueuePlacement.renumbered(count: ids.count)) {
            try db.execute("UPDATE tickets SET sort_key = ? WHERE id = ?", [key, id])
        }
        db.journal.touch(ids)
    }
}
