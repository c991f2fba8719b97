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

/// Prints tickets one at a time, apart from the requests that issue them: a job is queued and
/// the request answered at once; a printer that is off, out of paper or slow costs its own job,
/// never an issue. At most `capacity` jobs wait (a queue full is refused, and said so); a print is
/// only useful now, so nothing is kept across a restart (unlike webhooks).
public final class PrintSpooler: Sendable {
    struct Job: Sendable {
        let site: String
        let bytes: [UInt8]
        let connection: PrinterConnection
    }

    private let stream: AsyncStream<Job>
    private let continuation: AsyncStream<Job>.Continuation
    private let statuses = Mutex<[String: PrinterStatus]>([:])
    private let clock: any QuhaoClock
    private let listeners = Mutex<[@Sendable (String, PrinterStatus) -> Void]>([])

    public init(clock: any QuhaoClock, capacity: Int = 32) {
        self.clock = clock
        (stream, continuation) = AsyncStream.makeStream(of: Job.self, bufferingPolicy: .bufferingOldest(capacity))
    }

    /// What became of a ticket handed to ``enqueue(site:slip:settings:)``.
    public enum Queued: String, Sendable {
        /// It prints in a moment.
        case queued
        /// Not printed: the queue is full (the printer has been failing for a while).
        case queueFull = "queue_full"
        /// Not printed: the ticket cannot be laid out (the URL too long for a QR code, or no GB18030 converter).
        case unprintable
    }

    /// Queues a ticket for the site's printer.
    @discardableResult
    public func enqueue(site: String, slip: TicketSlip, settings: PrinterSettings) -> Queued {
        guard let target = PrinterTarget(settings.target),
            let bytes = ESCPOS.ticket(slip, paper: PaperWidth(rawValue: settings.paper) ?? .mm58, qr: QRPrinting(rawValue: settings.qr) ?? .raster)
        else { return .unprintable }
        if case .enqueued = continuation.yield(Job(site: site, bytes: bytes, connection: PrinterConnection(target: target))) { return .queued }
        return .queueFull
    }

    /// The last outcome at a site's printer (`nil`: nothing printed since start).
    public func status(site: String) -> PrinterStatus? { statuses.withLock { $0[site] } }

    /// Calls `listener` after every job with the site and its printer's status.
    public func onStatus(_ listener: @escaping @Sendable (String, PrinterStatus) -> Void) { listeners.withLock { $0.append(listener) } }

    /// Prints queued jobs until cancelled or ``finish()``.
    public func run() async {
        for await job in stream {
            var problem: PrinterError?
            do {
                try await job.connection.send(job.bytes)
            } catch let error as PrinterError {
                problem = error
            } catch {
                problem = PrinterError(zh: "打印失败。", en: "Printing failed: \(error)")
            }
            let status = statuses.withLock { statuses in
                let printed = (statuses[job.site]?.printed ?? 0) + (problem == nil ? 1 : 0)
                let status = PrinterStatus(ok: problem == nil, problem: problem, at: clock.now(), printed: printed)
                statuses[job.site] = status
                return status
            }
            for listener in listeners.withLock({ $0 }) { listener(job.site, status) }
        }
    }

    /// Stops ``run()`` once the queued jobs are printed.
    public func finish() { continuation.finish() }
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
