import CoreMetrics
import Foundation
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

/// Who is told what each committed transaction did (``CommitJournal``): the metrics count its
/// ticket events, the webhook deliverer wakes when it queued deliveries.
final class TicketActivity: Sendable {
    typealias Fact = CommitJournal.Fact

    private let listeners = Mutex<[@Sendable ([Fact]) -> Void]>([])
    private let outboxListeners = Mutex<[@Sendable () -> Void]>([])
    private let noticeListeners = Mutex<[@Sendable () -> Void]>([])
    private let erasedListeners = Mutex<[@Sendable () -> Void]>([])

    /// Calls `listener` after each commit that queued webhook deliveries.
    func onOutbox(_ listener: @escaping @Sendable () -> Void) { outboxListeners.withLock { $0.append(listener) } }

    /// Calls `listener` after each commit that queued messages to visitors.
    func onNotice(_ listener: @escaping @Sendable () -> Void) { noticeListeners.withLock { $0.append(listener) } }

    /// Calls `listener` after each commit that erased a visitor's address.
    func onErased(_ listener: @escaping @Sendable () -> Void) { erasedListeners.withLock { $0.append(listener) } }

    /// Calls `listener` after each commit that appended ticket events, with those events in order.
    func onCommit(_ listener: @escaping @Sendable ([Fact]) -> Void) { listeners.withLock { $0.append(listener) } }

    /// Tells the listeners about a committed transaction.
    func committed(_ journal: CommitJournal) {
        let entries = journal.entries
        if entries.outbox { for listener in outboxListeners.withLock({ $0 }) { listener() } }
        if entries.notices { for listener in noticeListeners.withLock({ $0 }) { listener() } }
        if entries.erased { for listener in erasedListeners.withLock({ $0 }) { listener() } }
        guard !entries.facts.isEmpty else { return }
        for listener in listeners.withLock({ $0 }) { listener(entries.facts) }
    }
}

extension CoreMetrics.Timer {
    /// Records the time from `start` to now.
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}
