import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import QuhaoCore
import QuhaoStore
import ServiceLifecycle
import Synchronization

/// Delivers the outbox (``WebhookOutbox/claim(site:endpoint:limit:lease:)``): one worker per
/// configured endpoint, so a slow or dead receiver holds up only its own deliveries, never a call
/// (the call committed its outbox row and is answered already) and never another endpoint.
///
/// At least once: a delivery is marked delivered only after a 2xx answer, so a daemon killed in
/// between sends it again after restart; receivers de-duplicate by the event id. Each ticket's
/// events go in order: its next event waits until the one before is delivered or given up.
public struct WebhookDeliverer: ServiceLifecycle.Service {
    let store: TicketStore
    let clock: any QuhaoClock
    let random: RandomSource
    let logger: Logger
    /// At most this many deliveries in flight per endpoint.
    let concurrency: Int
    /// How often the endpoint list is read again (sites reloaded by SIGHUP).
    let refresh: Duration

    public init(
        store: TicketStore, clock: any QuhaoClock, random: RandomSource = .system, logger: Logger, concurrency: Int = 4,
        refresh: Duration = .seconds(30)
    ) {
        self.store = store
        self.clock = clock
        self.random = random
        self.logger = logger
        self.concurrency = concurrency
        self.refresh = refresh
    }

    public func run() async throws {
        let client = OutboxHTTP.client(read: .seconds(60))
        let wake = Wake()
        store.outbox.onQueued { wake.signal() }
        await cancelWhenGracefulShutdown {
            await OutboxWorkers.supervise(refresh: refresh) {
                var workers: [String: @Sendable () async -> Void] = [:]
                for (key, (siteID, endpoint)) in await configuredEndpoints() {
                    let worker = Worker(
                        site: siteID, endpoint: endpoint, store: store, clock: clock, random: random, client: client, wake: wake,
                        concurrency: concurrency, logger: logger)
                    workers[key] = { await worker.run() }
                }
                return workers
            }
        }
        // Every worker stopped before supervise returned.
        try? await client.shutdown()
    }

    private func configuredEndpoints() async -> [String: (String, WebhookEndpoint)] {
        var found: [String: (String, WebhookEndpoint)] = [:]
        for siteID in (try? await store.siteIDs()) ?? [] {
            for endpoint in (try? await store.site(siteID))?.webhooks ?? [] {
                // A changed URL, secret or timeout is a new worker (the old one stops).
                found["\(siteID)/\(endpoint.id)/\(endpoint.hashValue)"] = (siteID, endpoint)
            }
        }
        return found
    }
}

/// Wakes every worker after a commit that queued deliveries: a waiting worker is a continuation
/// resumed by the signal (or its time limit, or its cancellation), never a poll.
public final class Wake: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var nextWaiter = 0
        var waiting: [Int: CheckedContinuation<Void, Never>] = [:]
        /// Waiters woken before they were parked (their limit or cancellation came first).
        var woken: Set<Int> = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes every waiting worker (called after a commit, from the writer's thread: one lock, no await).
    public func signal() {
        let waiting = state.withLock { state in
            state.generation += 1
            defer { state.waiting = [:] }
            return state.waiting
        }
        for continuation in waiting.values { continuation.resume() }
    }

    public var current: UInt64 { state.withLock { $0.generation } }

    /// Returns when signalled after `seen`, after `limit`, or when the task is cancelled.
    public func wait(after seen: UInt64, limit: Duration) async {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(for: limit)
            }
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        let now = self.state.withLock { state -> Bool in
                            if state.generation != seen || state.woken.remove(id) != nil { return true }
                            state.waiting[id] = continuation
                            return false
                        }
                        if now { continuation.resume() }
                    }
                } onCancel: {
                    self.wake(id)
                }
            }
            // Whichever comes first; the other is ended.
            await group.next()
            group.cancelAll()
            wake(id)
        }
        state.withLock { _ = $0.woken.remove(id) }
    }

    /// Resumes one waiter (or marks it woken if it is not parked yet).
    private func wake(_ id: Int) {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let continuation = state.waiting.removeValue(forKey: id) { return continuation }
            state.woken.insert(id)
            return nil
        }
        continuation?.resume()
    }
}

/// Delivers one endpoint's queue.
struct Worker {
    let site: String
    let endpoint: WebhookEndpoint
    let store: TicketStore
    let clock: any QuhaoClock
    let random: RandomSource
    let client: HTTPClient
    let wake: Wake
    let concurrency: Int
    let logger: Logger

    func run() async {
        // One daemon at a time delivers an endpoint's events (the others' workers wait). The lease
        // is long enough for a batch in flight (each delivery at most its timeout) between renewals;
        // each delivery is claimed for its timeout and 5 s more: a holder whose lease ran out
        // mid-batch leaves them alone meanwhile, and the next takes them soon after one that died.
        let claimLease = Double(endpoint.timeoutSeconds) + 5
        await OutboxLoop(
            lease: WebhookOutbox.lease(site: site, endpoint: endpoint.id), leaseSeconds: Double(endpoint.timeoutSeconds) * 3 + 10,
            concurrency: concurrency, operations: store.operations, clock: clock, wake: wake,
            claim: { [store, site, endpoint, concurrency] in
                try await store.outbox.claim(site: site, endpoint: endpoint.id, limit: concurrency, lease: claimLease)
            },
            nextAttempt: { [store, site, endpoint] in try await store.outbox.nextAttempt(site: site, endpoint: endpoint.id) },
            send: { await deliver($0) },
            claimFailed: { [logger, site, endpoint] error in
                logger.warning("cannot claim webhook deliveries", metadata: ["site": "\(site)", "endpoint": "\(endpoint.id)", "error": "\(error)"])
            }
        ).run()
    }

    func deliver(_ delivery: WebhookDelivery) async {
        let timestamp = String(Int(clock.now().timeIntervalSince1970))
        var request = HTTPClientRequest(url: endpoint.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Quhao-Webhooks/1")
        request.headers.add(name: "X-Quhao-Event", value: delivery.type)
        request.headers.add(name: "X-Quhao-Event-Id", value: delivery.eventID)
        request.headers.add(name: "X-Quhao-Timestamp", value: timestamp)
        request.headers.add(
            name: "X-Quhao-Signature", value: WebhookSignature.header(secret: endpoint.secret, timestamp: timestamp, body: delivery.body))
        request.body = .bytes(ByteBuffer(string: delivery.body))
        var status: Int?
        var failure: String?
        do {
            let response = try await client.execute(request, timeout: .seconds(Int64(endpoint.timeoutSeconds)))
            status = Int(response.status.code)
            // The answer's body is not needed; read at most a little of it so the connection can be reused.
            _ = try? await response.body.collect(upTo: 4096)
            if !(200..<300).contains(response.status.code) { failure = "HTTP \(response.status.code)" }
        } catch {
            failure = Self.describe(error)
        }
        do {
            if let failure {
                let abandoned = try await store.outbox.failed(
                    delivery, status: status, error: failure, jitter: Double(random.bytes(1)[0]) / 255)
                let metadata: Logger.Metadata = [
                    "site": "\(site)", "endpoint": "\(endpoint.id)", "event": "\(delivery.eventID)", "attempt": "\(delivery.attempts + 1)",
                    "error": "\(failure)",
                ]
                if abandoned {
                    logger.error("webhook delivery given up", metadata: metadata)
                } else {
                    logger.warning("webhook delivery failed; will retry", metadata: metadata)
                }
            } else {
                try await store.outbox.delivered(delivery.id, status: status ?? 200, by: LeaseHolder.thisDaemon)
            }
        } catch {
            logger.error("cannot record a webhook delivery", metadata: ["error": "\(error)"])
        }
    }

    static func describe(_ error: any Error) -> String { HTTPFailure.describe(error) }
}

/// An HTTP request's failure in plain words (timed out, refused), for the log and the status.
public enum HTTPFailure {
    /// What went wrong, as a class: no answer in time, or no connection at all (refused, no route,
    /// no name, a failed handshake: anything before an answer).
    public enum Kind: Sendable, Hashable {
        case timeout, unreachable
    }

    public static func kind(_ error: any Error) -> Kind {
        switch error {
        case let error as HTTPClientError where [.deadlineExceeded, .readTimeout, .connectTimeout].contains(error): .timeout
        default: .unreachable
        }
    }

    public static func describe(_ error: any Error) -> String {
        switch error {
        case let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout: "timed out"
        case let error as HTTPClientError where error == .connectTimeout: "connect timed out"
        default:
            // NIO's words for a receiver that is not listening: say it plainly.
            String(describing: error).contains("Connection refused")
                ? "connection refused (is the receiver running?)" : String(describing: error).prefix(200).description
        }
    }
}

/// `X-Quhao-Signature`: `sha256=` and the hex HMAC-SHA256, under the endpoint's secret, of the
/// `X-Quhao-Timestamp` value, a dot, and the body exactly as sent (docs/webhooks.md shows how to check it).
public enum WebhookSignature {
    public static func header(secret: String, timestamp: String, body: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(timestamp).\(body)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }
}
