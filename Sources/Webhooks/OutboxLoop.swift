import AsyncHTTPClient
import Foundation
import NIOCore
import QuhaoCore
import QuhaoStore

/// The sending loop every outbox shares (webhooks to an endpoint, messages on a channel): hold the
/// outbox's lease (one daemon at a time sends it; another takes over within a lease of its death),
/// claim what is due, send it at most `concurrency` at a time, and when nothing is due wait for a
/// commit that queues more or for the next attempt's time, never a poll. Each side keeps only
/// what is its own: how it claims, sends and records.
public struct OutboxLoop<Item: Sendable>: Sendable {
    /// The lease's name (``WebhookOutbox/lease(site:endpoint:)``, ``NoticeOutbox/lease(site:channel:)``).
    let lease: String
    /// How long the lease is held between renewals: long enough for a batch in flight.
    let leaseSeconds: Double
    let concurrency: Int
    let operations: StoreOperations
    let clock: any QuhaoClock
    let wake: Wake
    /// Takes the items due now (each claimed for its own time, so a holder that dies leaves them to the next).
    let claim: @Sendable () async throws -> [Item]
    /// When the next queued item is due (`nil`: none).
    let nextAttempt: @Sendable () async throws -> Date?
    /// Sends one item and records how it went.
    let send: @Sendable (Item) async -> Void
    /// Told why a claim failed (it is tried again within a second).
    let claimFailed: @Sendable (any Error) -> Void

    public init(
        lease: String, leaseSeconds: Double, concurrency: Int, operations: StoreOperations, clock: any QuhaoClock, wake: Wake,
        claim: @escaping @Sendable () async throws -> [Item], nextAttempt: @escaping @Sendable () async throws -> Date?,
        send: @escaping @Sendable (Item) async -> Void, claimFailed: @escaping @Sendable (any Error) -> Void = { _ in }
    ) {
        self.lease = lease
        self.leaseSeconds = leaseSeconds
        self.concurrency = concurrency
        self.operations = operations
        self.clock = clock
        self.wake = wake
        self.claim = claim
        self.nextAttempt = nextAttempt
        self.send = send
        self.claimFailed = claimFailed
    }

    /// Runs until cancelled, then lets the lease go.
    public func run() async {
        let kept = KeptLease(lease, holder: LeaseHolder.thisDaemon, lease: leaseSeconds, operations: operations)
        while !Task.isCancelled {
            let seen = wake.current
            guard await kept.keep() else {
                await wake.wait(after: seen, limit: .seconds(1))
                continue
            }
            let due: [Item]
            do {
                due = try await claim()
            } catch {
                claimFailed(error)
                await wake.wait(after: seen, limit: .seconds(1))
                continue
            }
            if due.isEmpty {
                // Woken at once by this process's commits; a change made by another process (the
                // command line beside the daemon, another daemon) is found within a second.
                let next = try? await nextAttempt()
                let until = next.map { max(0, $0.timeIntervalSince(clock.now())) } ?? 1
                await wake.wait(after: seen, limit: .milliseconds(Int64(min(until, 1) * 1000) + 5))
                continue
            }
            await withTaskGroup(of: Void.self) { group in
                var inFlight = 0
                for item in due {
                    if inFlight == concurrency {
                        await group.next()
                        inFlight -= 1
                    }
                    group.addTask { await send(item) }
                    inFlight += 1
                }
            }
        }
        await kept.release()
    }
}

/// The HTTP client an outbox sends with: no redirects (a receiver may not send our requests
/// elsewhere, an internal address say), bounded connects and reads, idle connections closed.
public enum OutboxHTTP {
    public static func client(read: TimeAmount) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(5), read: read)
        configuration.connectionPool = .init(idleTimeout: .seconds(30))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }
}

/// Keeps one task running per wanted worker: reads what is wanted every `refresh` (sites reloaded
/// by SIGHUP), starts what is new, stops what is no longer wanted (a changed URL, secret or rule
/// is a new key: the old worker stops), and on cancellation stops them all and waits for them,
/// so a client they share can be shut down after.
public enum OutboxWorkers {
    public static func supervise(refresh: Duration, wanted: () async -> [String: @Sendable () async -> Void]) async {
        var running: [String: Task<Void, Never>] = [:]
        while !Task.isCancelled {
            let workers = await wanted()
            for (key, task) in running where workers[key] == nil {
                task.cancel()
                running[key] = nil
            }
            for (key, work) in workers where running[key] == nil {
                running[key] = Task { await work() }
            }
            try? await Task.sleep(for: refresh)
        }
        for task in running.values { task.cancel() }
        for task in running.values { await task.value }
    }
}
