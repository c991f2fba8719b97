import CoreMetrics
import Foundation
import GRDB
import QuhaoCore
import Synchronization

/// What the store measures about itself, through swift-metrics with the factory it was given
/// (the daemon's Prometheus registry; a no-op elsewhere): ticket events by site, business type and
/// event, how long write transactions take, and how many issues each group commit carries.
public final class StoreMetrics: Sendable {
    private let factory: any MetricsFactory
    /// Write transactions from their first statement to their commit.
    let writeTransaction: CoreMetrics.Timer
    /// Commands committed by one group commit (issuing numbers).
    let batchSize: Recorder
    private let events = Mutex<[EventKey: CoreMetrics.Counter]>([:])

    /// The metric names, for the README and the tests.
    public enum Name {
        public static let ticketEvents = "quhao_ticket_events_total"
        public static let writeTransaction = "quhao_store_write_seconds"
        public static let batchSize = "quhao_store_group_commit_size"
    }

    /// Buckets for ``Name/batchSize``: 1 … 128 (``GroupCommit/largestBatch``).
    public static let batchBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128]

    /// Metrics made by `factory`.
    public init(factory: any MetricsFactory) {
        self.factory = factory
        writeTransaction = CoreMetrics.Timer(label: Name.writeTransaction, factory: factory)
        batchSize = Recorder(label: Name.batchSize, aggregate: true, factory: factory)
    }

    /// Measures nothing.
    public static let none = StoreMetrics(factory: NOOPMetricsHandler.instance)

    private struct EventKey: Hashable {
        let site: String
        let service: String
        let event: String
    }

    /// Counts committed ticket events.
    func count(_ committed: [TicketActivity.Fact]) {
        var counts: [EventKey: Int] = [:]
        for fact in committed { counts[EventKey(site: fact.site, service: fact.service, event: fact.event), default: 0] += 1 }
        for (key, count) in counts { counter(key).increment(by: count) }
    }

    private func counter(_ key: EventKey) -> CoreMetrics.Counter {
        events.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = CoreMetrics.Counter(
                label: Name.ticketEvents, dimensions: [("site", key.site), ("service", key.service), ("event", key.event)], factory: factory)
            counters[key] = counter
            return counter
        }
    }
}

/// The ticket events of each committed transaction, and only those: a command refused inside a
/// group commit (its savepoint rolled back) or a transaction rolled back as a whole leaves nothing.
///
/// Commands note each event they append (``note(_:_:)``) with its row id; GRDB tells this observer
/// about the rows of `ticket_events` that stand once their savepoint is released, and about the
/// commit. Only noted rows GRDB confirms are handed on, after the commit.
final class TicketActivity: TransactionObserver, Sendable {
    /// One appended event: where, which business type, what happened (`issued`, `called`, …).
    struct Fact: Sendable, Hashable {
        let site: String
        let service: String
        let event: String
        let ticketID: Int64
    }

    /// Noted facts and confirmed rows meet at the commit: GRDB reports a row outside any savepoint
    /// as it is inserted (before the command can note it), and a row inside one when it is released.
    private struct State {
        var noted: [Int64: Fact] = [:]
        var confirmed: Set<Int64> = []
        /// Webhook deliveries were queued (the deliverer is woken after the commit; a rolled-back
        /// savepoint's only costs a look at an outbox with nothing new).
        var outbox = false
    }

    private let state = Mutex(State())
    private let listeners = Mutex<[@Sendable ([Fact]) -> Void]>([])
    private let outboxListeners = Mutex<[@Sendable () -> Void]>([])

    /// Calls `listener` after each commit that queued webhook deliveries.
    func onOutbox(_ listener: @escaping @Sendable () -> Void) { outboxListeners.withLock { $0.append(listener) } }

    /// Notes that the current transaction queued webhook deliveries.
    func noteWebhook() { state.withLock { $0.outbox = true } }

    /// Calls `listener` after each commit that appended ticket events, with those events in order.
    func onCommit(_ listener: @escaping @Sendable ([Fact]) -> Void) { listeners.withLock { $0.append(listener) } }

    /// Notes an event row appended inside the current transaction.
    func note(_ event: TicketEvent, rowID: Int64) {
        let fact = Fact(site: event.siteID, service: event.serviceID, event: Self.eventName(event.action), ticketID: event.ticketID)
        state.withLock { $0.noted[rowID] = fact }
    }

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

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool {
        if case .insert(let table) = eventKind { return table == TicketEvent.table }
        return false
    }

    func databaseDidChange(with event: DatabaseEvent) {
        _ = state.withLock { $0.confirmed.insert(event.rowID) }
    }

    func databaseDidCommit(_ db: Database) {
        let (committed, outbox) = state.withLock { state in
            defer { state = State() }
            // A rolled-back row's id can be taken again by a later insert: the later note replaced it.
            return (state.confirmed.sorted().compactMap { state.noted[$0] }, state.outbox)
        }
        if outbox { for listener in outboxListeners.withLock({ $0 }) { listener() } }
        guard !committed.isEmpty else { return }
        for listener in listeners.withLock({ $0 }) { listener(committed) }
    }

    func databaseDidRollback(_ db: Database) { state.withLock { $0 = State() } }
}

extension CoreMetrics.Timer {
    /// Records the time from `start` to now.
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}
