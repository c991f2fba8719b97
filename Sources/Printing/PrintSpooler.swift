import Foundation
import QuhaoCore
import QuhaoStore
import Synchronization

/// How a site's printer did last.
public struct PrinterStatus: Sendable, Hashable {
    /// The last slip went through.
    public let ok: Bool
    /// Why it did not (`nil` when ok).
    public let problem: PrinterError?
    public let at: Date
    /// Slips printed, ever (every daemon's: the count is kept in the database).
    public let printed: Int
}

/// Prints tickets apart from the requests that issue them, through the database's print queue
/// (``PrintQueue``): whichever daemon takes the number queues the slip; one daemon at a time drives
/// a site's printer (the one holding its lease), printing the site's slips in the order they were
/// queued, one at a time, so two daemons never talk to one printer at once. A printer that is off,
/// out of paper or slow costs its own hall's slips, never an issue and never another hall's slips.
/// At most `capacity` slips wait per site (a full queue is refused, and said so); a slip waiting
/// longer than ``staleAfter`` is not printed (nobody is at the kiosk any more).
///
/// A caller may wait for its slip's outcome for a while (``print(site:slip:settings:within:)``): the
/// window and the kiosk say whether the slip came out, not only that it was queued.
public final class PrintSpooler: Sendable {
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

        init(_ result: PrintJobResult) {
            switch result.outcome {
            case .printed: self = .printed
            case .failed: self = .failed(PrinterError(zh: result.problemZH ?? "打印失败。", en: result.problemEN ?? "Printing failed."))
            case .expired: self = .failed(PrinterError.expired)
            }
        }
    }

    private let queue: PrintQueue
    private let operations: StoreOperations
    private let clock: any QuhaoClock
    /// This daemon's name in `printers.holder` (host, process, a random part).
    public let holder: String
    private let capacity: Int
    private let timeout: TimeInterval
    /// How long a hold on a site's printer lasts unless renewed: a daemon that dies leaves its
    /// printers to the others after this.
    let lease: TimeInterval
    /// A slip waiting longer than this is not printed.
    let staleAfter: TimeInterval
    /// How often the queue is looked at for slips queued by other daemons (this daemon's own ring the bell).
    let tick: Duration
    /// The callers waiting here for their slips, by job.
    private let waiting = Mutex<[Int64: Completion]>([:])
    private let bell = Doorbell()
    /// The sites whose printers this daemon drives now.
    private let driving = Mutex<Set<String>>([])
    private let listeners = Mutex<[@Sendable (String, PrinterStatus) -> Void]>([])

    /// - Parameters:
    ///   - capacity: Slips that may wait per site.
    ///   - timeout: The longest one slip may take (the name lookup, connecting, the paper check and the writing together).
    ///   - lease: See ``lease``.
    ///   - staleAfter: See ``staleAfter``.
    ///   - patience: See ``patience`` (`nil`: from the time limit; tests on a loaded machine wait longer).
    public init(
        store: TicketStore, clock: any QuhaoClock, holder: String? = nil, capacity: Int = 32,
        timeout: TimeInterval = PrinterConnection.defaultTimeout,
        lease: TimeInterval = 10, staleAfter: TimeInterval = 60, tick: Duration = .milliseconds(250), patience: Duration? = nil
    ) {
        givenPatience = patience
        queue = store.printQueue
        operations = store.operations
        self.clock = clock
        self.holder = holder ?? LeaseHolder.thisDaemon
        self.capacity = capacity
        self.timeout = timeout
        self.lease = max(lease, timeout + 2)
        self.staleAfter = staleAfter
        self.tick = tick
    }

    /// Queues a ticket for the site's printer and returns at once.
    @discardableResult
    public func enqueue(site: String, slip: TicketSlip, settings: PrinterSettings) async -> Outcome {
        await submit(site: site, slip: slip, settings: settings).outcome
    }

    /// Queues a ticket for the site's printer and waits up to `limit` for the printer to take it
    /// (whichever daemon drives it).
    public func print(site: String, slip: TicketSlip, settings: PrinterSettings, within limit: Duration) async -> Outcome {
        let (outcome, id) = await submit(site: site, slip: slip, settings: settings)
        guard let id else { return outcome }
        let done = Completion()
        waiting.withLock { $0[id] = done }
        defer { _ = waiting.withLock { $0.removeValue(forKey: id) } }
        // Printed here before the caller was registered above: recorded already, so read once.
        if let result = try? await queue.result(of: id) { return Outcome(result) }
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            // Printed here: told at once. Printed by another daemon: read from the queue now and then
            // (not while this daemon drives the site's printer: its own slips are told, no read needed).
            if let outcome = await done.outcome(within: min(.milliseconds(100), deadline - ContinuousClock.now)) { return outcome }
            if !driving.withLock({ $0.contains(site) }), let result = try? await queue.result(of: id) { return Outcome(result) }
        }
        return .queued
    }

    /// How long a window or a kiosk waits to hear whether its slip came out: long enough for a
    /// printer that works, short enough that a hung one (its job lasts the whole time limit) does
    /// not hold the person at the window; past it the answer is "queued" and the console's printer
    /// line tells the outcome when it comes.
    public var patience: Duration { givenPatience ?? .milliseconds(Int(min(timeout, 1.5) * 1000) + 500) }
    private let givenPatience: Duration?

    private func submit(site: String, slip: TicketSlip, settings: PrinterSettings) async -> (outcome: Outcome, id: Int64?) {
        guard PrinterTarget(settings.target) != nil, let bytes = ESCPOS.ticket(slip, settings: settings) else { return (.unprintable, nil) }
        do {
            guard let id = try await queue.enqueue(site: site, target: settings.target, bytes: bytes, capacity: capacity) else {
                return (.queueFull, nil)
            }
            bell.ring()
            return (.queued, id)
        } catch {
            return (.failed(.notQueued), nil)
        }
    }

    /// The last outcome at a site's printer, whichever daemon drove it (`nil`: nothing printed yet, or the database does not answer).
    public func status(site: String) async -> PrinterStatus? {
        (try? await queue.printer(site: site)).flatMap(Self.status)
    }

    /// Every site's printer status (the metrics).
    public func statuses() async -> [String: PrinterStatus] {
        ((try? await queue.printers()) ?? [:]).compactMapValues(Self.status)
    }

    static func status(_ record: PrinterRecord) -> PrinterStatus? {
        let problem = record.ok ? nil : PrinterError(zh: record.problemZH ?? "打印失败。", en: record.problemEN ?? "Printing failed.")
        return PrinterStatus(ok: record.ok, problem: problem, at: record.checkedAt, printed: record.printed)
    }

    /// Calls `listener` after every slip this daemon drove to a printer, with the site and its printer's status.
    public func onStatus(_ listener: @escaping @Sendable (String, PrinterStatus) -> Void) { listeners.withLock { $0.append(listener) } }

    // MARK: - Driving the printers

    /// Drives the printers of the sites with slips waiting whose lease this daemon holds (or can
    /// take), each apart from the others, until cancelled; then lets them go.
    public func run() async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                for site in (try? await queue.sitesWaiting(for: holder)) ?? [] where !driving.withLock({ $0.contains(site) }) {
                    let kept = KeptLease(PrintQueue.lease(site: site), holder: holder, lease: lease, operations: operations)
                    guard await kept.keep() else { continue }
                    driving.withLock { _ = $0.insert(site) }
                    group.addTask {
                        await self.drive(site, kept)
                        self.driving.withLock { _ = $0.remove(site) }
                    }
                }
                await bell.wait(upTo: tick)
            }
        }
    }

    /// Prints a site's slips while this daemon holds its printer (renewed before each slip, well
    /// before it lapses: a slip takes at most `timeout`); lets it go once the queue has been empty
    /// for a lease (the next slip's daemon takes it then), or when cancelled.
    private func drive(_ site: String, _ kept: KeptLease) async {
        var idleSince: ContinuousClock.Instant?
        while !Task.isCancelled, await kept.keep() {
            guard let job = try? await queue.waiting(site: site, limit: 1).first else {
                let since = idleSince ?? ContinuousClock.now
                idleSince = since
                if ContinuousClock.now - since > .seconds(lease) { break }
                await bell.wait(upTo: tick)
                continue
            }
            idleSince = nil
            await printJob(job, site: site)
        }
        await kept.release()
    }

    private func printJob(_ job: PrintJob, site: String) async {
        let result: PrintJobResult
        if clock.now().timeIntervalSince(job.queuedAt) > staleAfter {
            result = PrintJobResult(outcome: .expired)
        } else if let target = PrinterTarget(job.target) {
            do {
                try await PrinterConnection(target: target, timeout: timeout).send(job.bytes)
                result = PrintJobResult(outcome: .printed)
            } catch let error as PrinterError {
                result = PrintJobResult(outcome: .failed, problemZH: error.zh, problemEN: error.en)
            } catch {
                result = PrintJobResult(outcome: .failed, problemZH: "打印失败。", problemEN: "Printing failed: \(error)")
            }
        } else {
            result = PrintJobResult(outcome: .failed, problemZH: Outcome.unprintable.problem?.zh, problemEN: Outcome.unprintable.problem?.en)
        }
        // Recorded even if the database is away a moment: a slip printed and not recorded would be
        // printed again by the next holder.
        for attempt in 0..<5 {
            do {
                try await queue.finish(job, holder: holder, result: result)
                break
            } catch {
                if attempt < 4 { try? await Task.sleep(for: .milliseconds(500 << attempt)) }
            }
        }
        waiting.withLock { $0[job.id] }?.finish(Outcome(result))
        guard result.outcome != .expired else { return }
        let status = PrinterStatus(
            ok: result.outcome == .printed,
            problem: result.outcome == .printed ? nil : Outcome(result).problem, at: clock.now(),
            printed: (try? await queue.printer(site: site))?.printed ?? 0)
        for listener in listeners.withLock({ $0 }) { listener(site, status) }
    }
}

/// A caller's slip: its outcome, told to whoever waits on it.
final class Completion: Sendable {
    private let state = Mutex<(outcome: PrintSpooler.Outcome?, waiters: [Int: CheckedContinuation<PrintSpooler.Outcome?, Never>], next: Int)>(
        (nil, [:], 0))

    func finish(_ outcome: PrintSpooler.Outcome) {
        let waiters = state.withLock { state in
            state.outcome = outcome
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: outcome) }
    }

    /// The outcome once there is one, or `nil` after `limit`.
    func outcome(within limit: Duration) async -> PrintSpooler.Outcome? {
        await withCheckedContinuation { continuation in
            let (known, id) = state.withLock { state -> (PrintSpooler.Outcome?, Int?) in
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

/// Wakes the driver when this daemon queues a slip (others' slips are found at the next tick).
/// A ring while nobody waits is kept for the next wait.
final class Doorbell: Sendable {
    private let state = Mutex<(rung: Bool, waiters: [Int: CheckedContinuation<Void, Never>], next: Int)>((false, [:], 0))

    func ring() {
        let waiters = state.withLock { state in
            defer { state.waiters = [:] }
            if state.waiters.isEmpty { state.rung = true }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns at the next ring (or at once if one came since the last wait), or after `limit`.
    func wait(upTo limit: Duration) async {
        await withCheckedContinuation { continuation in
            let id = state.withLock { state -> Int? in
                if state.rung {
                    state.rung = false
                    return nil
                }
                state.next += 1
                state.waiters[state.next] = continuation
                return state.next
            }
            guard let id else { return continuation.resume() }
            Task {
                try? await Task.sleep(for: limit)
                self.state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
            }
        }
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
