import Foundation
import QuhaoCore

/// A visitor's satisfaction rating (好差评), kept against ticket, window and staff member.
public struct Rating: Sendable, Hashable {
    /// 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意; 1 and 2 need follow-up.
    public let score: Int
    public let counterID: Int?
    /// The staff member who completed the ticket (`staff:12`), if one did.
    public let staff: String?
    public let at: Date
}

extension TicketStore {
    // MARK: - Writes: ratings

    /// Records the visitor's rating of a finished ticket; once per ticket.
    /// - Throws: `rating.score_invalid`, `rating.not_allowed` (not done), `rating.duplicate`.
    public func rate(_ reference: TicketReference, score: Int, by initiator: Initiator = .visitor) async throws -> Rating {
        guard (1...5).contains(score) else { throw QuhaoError(.ratingScoreInvalid) }
        return try await write(ticket: reference) { context, record in
            guard record.state == .done else {
                throw QuhaoError(.ratingNotAllowed, ["number": record.number, "state": record.state.rawValue])
            }
            let db = context.db
            if try db.value(Bool.self, "SELECT EXISTS (SELECT 1 FROM ratings WHERE ticket_id = ?)", [record.id]) == true {
                throw QuhaoError(.ratingDuplicate, ["number": record.number])
            }
            let staff = try db.value(
                String.self, "SELECT initiator FROM ticket_events WHERE ticket_id = ? AND action = 'complete' AND initiator LIKE 'staff:%' LIMIT 1",
                [record.id])
            try db.execute(
                "INSERT INTO ratings (ticket_id, site_id, score, counter_id, staff, at) VALUES (?, ?, ?, ?, ?, ?)",
                [record.id, record.siteID, score, record.counterID, staff, context.now])
            try Self.enqueueWebhooks(.rated, ticket: record, context, rating: score)
            return Rating(score: score, counterID: record.counterID, staff: staff, at: context.now)
        }
    }

    /// The rating of a ticket, if it has one.
    public func rating(of reference: TicketReference) async throws -> Rating? {
        let ticket = try await ticket(reference)
        return try await read { db in
            try db.row("SELECT * FROM ratings WHERE ticket_id = ?", [ticket.id]).map {
                Rating(score: try $0["score"], counterID: try $0["counter_id"], staff: try $0["staff"], at: try $0["at"])
            }
        }
    }
}
