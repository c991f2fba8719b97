import Foundation
import QuhaoCore
import Synchronization

/// What one transaction did that others are told after its commit, whichever engine ran it:
/// the ticket events it appended (metrics, webhooks), the ticket rows it changed (the live
/// board re-reads those), whether it queued webhook deliveries. Commands write it as they go;
/// a savepoint rolled back takes back what was noted inside it (``SQLDatabase/savepoint(_:)``),
/// and a transaction rolled back as a whole is never announced.
final class CommitJournal: Sendable {
    /// One appended event: where, which business type, what happened (`issued`, `called`, …).
    struct Fact: Sendable, Hashable {
        let site: String
        let service: String
        let event: String
        let ticketID: Int64
    }

    struct Entries: Sendable {
        var facts: [Fact] = []
        var tickets: Set<Ticket.ID> = []
        var outbox = false
        /// Messages to visitors queued; a visitor's address erased.
        var notices = false
        var erased = false
        /// The version each site locked in this transaction reached (PostgreSQL; ``SQLDialect/siteDefinition(locking:)``).
        var siteVersions: [String: Int64] = [:]
    }

    private let state = Mutex(Entries())

    /// Notes an event appended in this transaction (its ticket is touched too).
    func note(_ event: TicketEvent) {
        let fact = Fact(site: event.siteID, service: event.serviceID, event: Self.eventName(event.action), ticketID: event.ticketID)
        state.withLock {
            $0.facts.append(fact)
            $0.tickets.insert(event.ticketID)
        }
    }

    /// Notes ticket rows changed without an event of their own (the queue renumbered).
    func touch(_ tickets: some Sequence<Ticket.ID>) { state.withLock { $0.tickets.formUnion(tickets) } }

    /// Notes that this transaction locked a site and raised its version to `version`.
    func noteSite(_ site: String, version: Int64) { state.withLock { $0.siteVersions[site] = version } }

    /// Notes that this transaction queued webhook deliveries.
    func noteWebhook() { state.withLock { $0.outbox = true } }

    /// Notes that this transaction queued messages to visitors.
    func noteNotice() { state.withLock { $0.notices = true } }

    /// Notes that this transaction erased a visitor's address.
    func noteErased() { state.withLock { $0.erased = true } }

    /// What is noted now: a savepoint keeps it to go back to.
    var entries: Entries { state.withLock { $0 } }

    /// Takes back what was noted since `entries` were read (a savepoint rolled back).
    func restore(_ entries: Entries) { state.withLock { $0 = entries } }

    /// The event's public name: the action in the past tense (`issue` → `issued`, `no_show` stays).
    static func eventName(_ action: String) -> String {
        switch action {
        case "issue": "issued"
        case "check_in": "checked_in"
        case "call": "called"
        case "recall": "recalled"
        case "start": "started"
        case "complete": "completed"
        case "reactivate": "reactivated"
        case "transfer": "transferred"
        case "cancel": "cancelled"
        case "expire": "expired"
        case "release": "released"
        default: action
        }
    }
}
