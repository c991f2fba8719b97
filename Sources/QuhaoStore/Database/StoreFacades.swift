import Foundation
import QuhaoCore

/// A part of the store with its own commands (accounts, inspections, bookings, the webhook
/// outbox, reports, operations) over the ticket store's database, clock and writer: each is
/// reached as a property of ``TicketStore`` (`store.bookings.book(…)`), so the ticket store
/// itself holds only the queue's commands.
protocol TicketStoreFacade: StorageAccess {
    var tickets: TicketStore { get }
}

extension TicketStoreFacade {
    var writer: any StoreEngine { tickets.writer }
    var clock: any QuhaoClock { tickets.clock }
    var random: RandomSource { tickets.random }
    var sites: SiteDefinitions { tickets.sites }
}

/// Bookings of time slots: reads, booking, cancelling, checking in (which issues a ticket).
public struct BookingStore: TicketStoreFacade {
    let tickets: TicketStore
}

/// The webhook outbox: deliveries queued in the commands' transactions, claimed and settled by the deliverer.
public struct WebhookOutbox: TicketStoreFacade {
    let tickets: TicketStore
}

/// The reports, read from the rollup of report facts kept by every command.
public struct ReportStore: TicketStoreFacade {
    let tickets: TicketStore
}

/// What keeps the daemon running: backups, retention, readiness probes, the record of maintenance runs.
public struct StoreOperations: TicketStoreFacade {
    let tickets: TicketStore
}

extension TicketStore {
    public var bookings: BookingStore { BookingStore(tickets: self) }
    public var outbox: WebhookOutbox { WebhookOutbox(tickets: self) }
    public var reports: ReportStore { ReportStore(tickets: self) }
    public var operations: StoreOperations { StoreOperations(tickets: self) }
}
