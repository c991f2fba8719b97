import Foundation
import QuhaoCore

/// What one webhook delivery carries: the JSON body (documented in docs/webhooks.md) and its keys.
struct WebhookPayload: Encodable {
    let id: String
    let type: String
    let occurredAt: String
    let site: SitePart
    let ticket: TicketPart
    let rating: RatingPart?

    struct SitePart: Encodable {
        let id: String
        let name: String
    }

    struct TicketPart: Encodable {
        let id: Int64
        let number: String
        let day: String
        let service: String
        let serviceName: String
        let state: String
        let counter: Int?
        let channel: String
        let priority: String

        enum CodingKeys: String, CodingKey {
            case id, number, day, service, state, counter, channel, priority
            case serviceName = "service_name"
        }
    }

    struct RatingPart: Encodable {
        let score: Int
    }

    enum CodingKeys: String, CodingKey {
        case id, type, site, ticket, rating
        case occurredAt = "occurred_at"
    }
}

extension TicketStore {
    /// Writes one outbox row per endpoint of the site that wants `event`, inside the caller's
    /// transaction: the delivery exists exactly when the change does.
    static func enqueueWebhooks(_ event: WebhookEvent, ticket: TicketRecord, _ context: Context, rating: Int? = nil) throws {
        let endpoints = context.site.webhooks.filter { $0.wants(event) }
        guard !endpoints.isEmpty else { return }
        let eventID = "evt_" + context.random.bytes(16).hex
        let payload = WebhookPayload(
            id: eventID, type: event.type, occurredAt: context.now.formatted(.iso8601),
            site: .init(id: context.site.id, name: context.site.name.zh),
            ticket: .init(
                id: ticket.id!, number: ticket.number, day: ticket.day.iso, service: ticket.serviceID,
                serviceName: context.site.service(ticket.serviceID)?.name.zh ?? ticket.serviceID, state: ticket.state.rawValue,
                counter: ticket.counterID, channel: ticket.channel.rawValue, priority: ticket.priority.rawValue),
            rating: rating.map { .init(score: $0) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = String(decoding: try encoder.encode(payload), as: UTF8.self)
        for endpoint in endpoints {
            try context.db.execute(
                """
                INSERT INTO webhook_outbox (event_id, site_id, endpoint, ticket_id, type, body, created_at, next_attempt_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, [eventID, context.site.id, endpoint.id, ticket.id, event.type, body, context.now, context.now])
        }
        context.db.journal.noteWebhook()
    }
}
