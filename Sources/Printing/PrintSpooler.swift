import Foundation
import QuhaoCore
import Synchronization

/// How a site's printer did last.
public struct PrinterStatus: Sendable, Hashable {
    /// The last job went through.
    public let ok: Bool
    /// Why it did not (`nil` when ok).
    public let problem: PrinterError?
    public let at: Date
    /// Jobs printed since the daemon started.
    public let printed: Int
}

/// Prints tickets apart from the requests that issue them, one queue per site: a printer that is
/// off, out of paper or slow costs its own hall's jobs, never an issue and never another hall's
/// slips. At most `capacity` jobs wait per site (a full queue is refused, and said so); a print is
/// only useful now, so nothing is kept across a restart (unlike webhooks).
///
/// A caller may wait for its job's outcome for a while (``print(site:slip:settings:within:)``): the
/// window and the kiosk say whether the slip came out, not only that it was queued.
public final class PrintSpooler: Sendable {
    struct Job: Sendable {
        let site: String
        let bytes: [UInt8]
        let connection: PrinterConnection
        let done: Completion
    }

    /// What became of a ticket handed to the printer.
    public enum Outcome: Sendable, Hashable {
        /// The printer took it.
        case printed
        /// The printer did not take it, for this reason.
        case failed(PrinterError)
        /// Still waiting for the printer when the caller stopped waiting (it prints, or fails, later).
        case queued
        /// Not printed: the site's queue is full (its printer has been failing for a while).
        case queueFull
        /// Not printed: the ticket cannot be laid out (the URL too long for a QR code, or no GB18030 converter).
        case unprintable

        /// `printed`, `failed`, `queued`, `queue_full`, `unprintable` (the API's `printing`).
        public var code: String {
            switch self {
            case .printed: "printed"
            case .failed: "failed"
            case .queued: "queued"
            case .queueFull: "queue_full"
            case .unprintable: "unprintable"
            }
        }

        /// Why it did not print (`nil`: printed or still queued).
        public var problem: PrinterError? {
            switch self {
            case .printed, .queued: nil
            case .failed(let error): error
            case .queueFull:
                PrinterError(
                    zh: "打印机积压了未能打印的号票，请检查纸张、电源和网线。", en: "The printer has a queue of tickets it could not print; check it (paper, power, cable).")
            case .unprintable: PrinterError(zh: "此号票无法排版打印。", en: "This ticket cannot be laid out for the printer.")
            }
        }
    }

    /// A job's outcome, for whoever waits on it.
    final class Completion: Sendable {
        private let state = Mutex<(outcome: Outcome?, waiters: [Int: CheckedContinuation<Outcome?, Never>], next: Int)>((nil, [:], 0))

        func finish(_ outcome: Outcome) {
            let waiters = state.withLock { state in
                state.outcome = outcome
                defer { state.waiters = [:] }
                return Array(state.waiters.values)
            }
            for waiter in waiters { waiter.resume(returning: outcome) }
        }

        /// The outcome once there is one, or `nil` after `limit`.
        func outcome(within limit: Duration) async -> Outcome? {
            await withCheckedContinuation { continuation in
                let (known, id) = state.withLock { state -> (Outcome?, Int?) in
                    if let outcome = state.outcome { return (outcome, nil) }
                    state.next += 1
                    state.waiters[state.next] = continuation
                    return (nil, state.next)
                }
                guard let id else { return continuation.resume(returning: known) }
                Task {
                    try? await Task.sleep(for: limit)
                    self.state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: nil)
                }
            }
        }
    }

    private struct Queues {
        var sites: [String: AsyncStream<Job>.Continuation] = [:]
        var finished = false
    }

    private let queues = Mutex(Queues())
    /// New sites' queues, for ``run()`` to start a worker on each.
    private let newQueues: AsyncStream<AsyncStream<Job>>
    private let newQueue: AsyncStream<AsyncStream<Job>>.Continuation
    private let capacity: Int
    private let timeout: TimeInterval
    private let statuses = Mutex<[String: PrinterStatus]>([:])
    private let clock: any QuhaoClock
    private let listeners = Mutex<[@Sendable (String, PrinterStatus) -> Void]>([])

    /// - Parameters:
    ///   - capacity: Jobs that may wait per site.
    ///   - timeout: The longest one job may take (the name lookup, connecting, the paper check and the writing together).
    public init(clock: any QuhaoClock, capacity: Int = 32, timeout: TimeInterval = PrinterConnection.defaultTimeout) {
        self.clock = clock
        self.capacity = capacity
        self.timeout = timeout
        (newQueues, newQueue) = AsyncStream.makeStream(of: AsyncStream<Job>.self)
    }

    /// Queues a ticket for the site's printer and returns at once.
    @discardableResult
    public func enqueue(site: String, slip: TicketSlip, settings: PrinterSettings) -> Outcome {
        submit(site: site, slip: slip, settings: settings).outcome
    }

    /// Queues a ticket for the site's printer and waits up to `limit` for the printer to take it.
    public func print(site: String, slip: TicketSlip, settings: PrinterSettings, within limit: Duration) async -> Outcome {
        let (outcome, done) = submit(site: site, slip: slip, settings: settings)
        guard let done else { return outcome }
        return await done.outcome(within: limit) ?? .queued
    }

    /// How long a window or a kiosk waits to hear whether its slip came out: long enough for a
    /// printer that works, short enough that a hung one (its job lasts the whole time limit) does
    /// not hold the person at the window; past it the answer is "queued" and the console's printer
    /// line tells the outcome when it comes.
    public var patience: Duration { .milliseconds(Int(min(timeout, 1.5) * 1000) + 500) }

    private func submit(site: String, slip: TicketSlip, settings: PrinterSettings) -> (outcome: Outcome, done: Completion?) {
        guard let target = PrinterTarget(settings.target), let bytes = ESCPOS.ticket(slip, settings: settings) else { return (.unprintable, nil) }
        let done = Completion()
        let job = Job(site: site, bytes: bytes, connection: PrinterConnection(target: target, timeout: timeout), done: done)
        let queued = queues.withLock { queues -> Bool in
            guard !queues.finished else { return false }
            let queue: AsyncStream<Job>.Continuation
            if let known = queues.sites[site] {
                queue = known
            } else {
                let (stream, continuation) = AsyncStream.makeStream(of: Job.self, bufferingPolicy: .bufferingOldest(capacity))
                queues.sites[site] = continuation
                newQueue.yield(stream)
                queue = continuation
            }
            if case .enqueued = queue.yield(job) { return true }
            return false
        }
        return queued ? (.queued, done) : (.queueFull, nil)
    }

    /// The last outcome at a site's printer (`nil`: nothing printed since start).
    public func status(site: String) -> PrinterStatus? { statuses.withLock { $0[site] } }

    /// Calls `listener` after every job with the site and its printer's status.
    public func onStatus(_ listener: @escaping @Sendable (String, PrinterStatus) -> Void) { listeners.withLock { $0.append(listener) } }

    /// Prints queued jobs, each site's in its own order and apart from the others', until cancelled
    /// or ``finish()`` (then once every queued job is done).
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            for await queue in newQueues {
                group.addTask { await self.work(queue) }
            }
        }
    }

    private func work(_ queue: AsyncStream<Job>) async {
        for await job in queue {
            var problem: PrinterError?
            do {
                try await job.connection.send(job.bytes)
            } catch let error as PrinterError {
                problem = error
            } catch {
                problem = PrinterError(zh: "打印失败。", en: "Printing failed: \(error)")
            }
            job.done.finish(problem.map(Outcome.failed) ?? .printed)
            let status = statuses.withLock { statuses in
                let printed = (statuses[job.site]?.printed ?? 0) + (problem == nil ? 1 : 0)
                let status = PrinterStatus(ok: problem == nil, problem: problem, at: clock.now(), printed: printed)
                statuses[job.site] = status
                return status
            }
            for listener in listeners.withLock({ $0 }) { listener(job.site, status) }
        }
    }

    /// Stops ``run()`` once the queued jobs are printed; later jobs are refused as a full queue.
    public func finish() {
        let open = queues.withLock { queues in
            queues.finished = true
            return Array(queues.sites.values)
        }
        for queue in open { queue.finish() }
        newQueue.finish()
    }
}

extension TicketSlip {
    /// A site's ticket as its printer prints it.
    /// - Parameters:
    ///   - takenAt: When it was taken (printed in the site's time zone).
    public init(site: Site, number: String, serviceID: String, peopleAhead: Int, takenAt: Date, url: String) {
        let service = site.service(serviceID)
        self.init(
            hallName: site.name.zh, number: number, serviceName: service.map { "\($0.name.zh)" } ?? serviceID, peopleAhead: peopleAhead,
            takenAt: LocalTime.minute(takenAt, in: site.zone), url: url, footer: site.printer?.footer ?? "")
    }
}
