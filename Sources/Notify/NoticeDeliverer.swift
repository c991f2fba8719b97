import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import QuhaoCore
import QuhaoStore
import ServiceLifecycle
import Synchronization
import Webhooks

/// Sends the messages of the outbox (``NoticeOutbox/claim(site:channel:limit:lease:publicURL:)``)
/// through the SMS provider: one worker per site that sends them, holding the site's lease (one
/// daemon at a time on a shared database), paced by the provider's rate, each message retried a
/// bounded number of times and never once its moment passed (then dropped and counted). A
/// provider down holds up only its own messages: every ticket change committed and was answered
/// before any message about it was sent.
///
/// Besides sending, it plans "almost your turn" after each commit at a site (and once at start:
/// a daemon stopped between a commit and the plan loses nothing), and checkpoints the write-ahead
/// log after a visitor's address was erased, so the number is in neither file.
///
/// At most once in effect: a message is claimed for its timeout before it is sent and marked sent
/// on the provider's acceptance; a daemon killed in between sends it again after the claim ends,
/// with the same idempotency key (`{{id}}`), which the provider uses to drop the repeat.
public struct NoticeDeliverer: ServiceLifecycle.Service {
    let store: TicketStore
    let clock: any QuhaoClock
    let sms: SMSTransport?
    let wechat: WeChatTransport?
    let publicURL: String
    let random: RandomSource
    let logger: Logger
    /// How often the list of sites is read again (sites reloaded by SIGHUP).
    let refresh: Duration
    /// Where the planner learns that a site's queue moved and reads its day: the live board (which
    /// sees this daemon's commits and everyone else's, and has just read the day); `nil`: this
    /// daemon's commits, and a read of the day from the store.
    let days: DayFeed?

    /// A feed of sites' days: who tells of a change, and the day as last read.
    public struct DayFeed: Sendable {
        /// Registers a listener called with a site's id each time its queue moved.
        let follow: @Sendable (@escaping @Sendable (String) -> Void) -> Void
        let day: @Sendable (String) async throws -> SiteDay

        public init(
            follow: @escaping @Sendable (@escaping @Sendable (String) -> Void) -> Void, day: @escaping @Sendable (String) async throws -> SiteDay
        ) {
            self.follow = follow
            self.day = day
        }
    }

    public init(
        store: TicketStore, clock: any QuhaoClock, sms: SMSTransport?, wechat: WeChatTransport? = nil, publicURL: String,
        random: RandomSource = .system, logger: Logger, refresh: Duration = .seconds(30), days: DayFeed? = nil
    ) {
        self.days = days
        self.store = store
        self.clock = clock
        self.sms = sms
        self.wechat = wechat
        self.publicURL = publicURL
        self.random = random
        self.logger = logger
        self.refresh = refresh
    }

    public func run() async throws {
        let client = OutboxHTTP.client(read: .seconds(30))
        let wake = Wake()
        let changed = SiteSignals()
        let erased = Wake()
        store.notices.onQueued { wake.signal() }
        store.notices.onErased { erased.signal() }
        var channels: [NoticeChannel: Channel] = [:]
        if let sms {
            channels[.sms] = Channel(
                pace: RatePace(perMinute: sms.perMinute), timeoutSeconds: sms.timeoutSeconds,
                deliver: { [clock, random] dispatch, address in
                    await SMSSender(sms: sms, client: client, clock: clock, random: random).deliver(dispatch, to: address)
                })
        }
        if let wechat {
            let tokens = WeChatTokenCache(clock: clock) { try await wechat.fetchToken(client: client) }
            channels[.wechat] = Channel(
                pace: RatePace(perMinute: wechat.perMinute), timeoutSeconds: wechat.timeoutSeconds,
                deliver: { dispatch, address in await wechat.deliver(dispatch, to: address, tokens: tokens, client: client) })
        }
        let configured = channels
        // Without a channel nothing is kept to send: no site is planned (the built-in demo).
        if !configured.isEmpty {
            // This daemon's commits (a visitor's WeChat consent moves no ticket, only their
            // grants), and every change the board sees (the command line's, other daemons').
            store.onCommit { siteID, _, _ in changed.mark(siteID) }
            days?.follow { changed.mark($0) }
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await cancelWhenGracefulShutdown { await supervise(channels: configured, wake: wake) } }
            if !configured.isEmpty { group.addTask { await cancelWhenGracefulShutdown { await planner(changed) } } }
            group.addTask { await cancelWhenGracefulShutdown { await eraser(erased) } }
            await group.waitForAll()
        }
        try? await client.shutdown()
    }

    /// Plans "almost your turn" for every site at start, then for each site after its commits.
    private func planner(_ changed: SiteSignals) async {
        for siteID in (try? await store.siteIDs()) ?? [] { await plan(siteID) }
        while !Task.isCancelled {
            for siteID in await changed.next() { await plan(siteID) }
        }
    }

    private func plan(_ siteID: String) async {
        do {
            if let days {
                try await store.notices.planNear(today: try await days.day(siteID))
            } else {
                try await store.notices.planNear(site: siteID)
            }
        } catch {
            logger.warning("cannot plan 'almost your turn'", metadata: ["site": "\(siteID)", "error": "\(error)"])
        }
    }

    /// Checkpoints the write-ahead log after each commit that erased an address.
    private func eraser(_ erased: Wake) async {
        while !Task.isCancelled {
            let seen = erased.current
            await erased.wait(after: seen, limit: .seconds(60))
            guard !Task.isCancelled, erased.current != seen else { continue }
            do {
                try await store.notices.dropErasedPages()
            } catch {
                logger.warning("cannot checkpoint after erasing a visitor's number", metadata: ["error": "\(error)"])
            }
        }
    }

    /// A channel as the workers use it: its pace, its time limit, how one message is sent.
    struct Channel: Sendable {
        let pace: RatePace
        let timeoutSeconds: Int
        let deliver: @Sendable (NoticeDispatch, String) async -> DeliveryAnswer
    }

    /// Starts a worker for each site and configured channel it sends by, and stops those no longer configured.
    private func supervise(channels: [NoticeChannel: Channel], wake: Wake) async {
        guard !channels.isEmpty else { return }
        await OutboxWorkers.supervise(refresh: refresh) {
            var workers: [String: @Sendable () async -> Void] = [:]
            for siteID in (try? await store.siteIDs()) ?? [] {
                guard let rules = try? await store.site(siteID).notices else { continue }
                for channel in rules.channels {
                    guard let transport = channels[channel] else { continue }
                    let worker = ChannelWorker(
                        site: siteID, channel: channel, transport: transport, store: store, clock: clock, publicURL: publicURL, wake: wake,
                        logger: logger)
                    // Changed rules are a new worker (the old one stops).
                    workers["\(siteID)/\(channel.rawValue)/\(rules.hashValue)"] = { await worker.run() }
                }
            }
            return workers
        }
    }
}

/// What a provider's answer means.
public enum DeliveryAnswer: Equatable, Sendable {
    case accepted
    /// Try again later (the provider busy, down, or not saying yes): why as a class, and in the provider's words.
    case retry(NoticeFailure, String)
    /// Refused for good (a request it will never take: a bad number, a bad template, no consent left).
    case refused(String)
}

/// The SMS provider as the deliverer uses it (``SMSTemplate`` and how its answers are judged).
public struct SMSTransport: Sendable, Equatable {
    public var template: SMSTemplate
    /// The provider's template code per kind (`{{template}}`).
    public var templates: [NoticeRules.Kind: String]
    /// A dotted path into the JSON answer and the value that says the message was accepted.
    public var acceptField: AcceptField?
    public var perMinute: Int
    public var timeoutSeconds: Int

    public init(
        template: SMSTemplate, templates: [NoticeRules.Kind: String] = [:], acceptField: AcceptField? = nil,
        perMinute: Int = 60, timeoutSeconds: Int = 10
    ) {
        self.template = template
        self.templates = templates
        self.acceptField = acceptField
        self.perMinute = perMinute
        self.timeoutSeconds = timeoutSeconds
    }

    /// A provider that answers 200 to a refused message: the JSON field that says it was taken.
    public struct AcceptField: Sendable, Hashable {
        /// A dotted path into the JSON answer (`Response.Error.Code`, `result.0.code`).
        public var path: String
        /// Its value when the message was accepted (compared as text).
        public var equals: String

        public init(path: String, equals: String) {
            self.path = path
            self.equals = equals
        }
    }

    /// Reads the provider's answer: 2xx (and the accept field, if configured) is accepted; 408, 429
    /// and 5xx are tried again; any other status is refused for good.
    public func judge(status: Int, body: Data) -> DeliveryAnswer {
        guard (200..<300).contains(status) else {
            return status == 408 || status == 429 || status >= 500 ? .retry(.busy, "HTTP \(status)") : .refused("HTTP \(status)")
        }
        guard let acceptField else { return .accepted }
        let (path, equals) = (acceptField.path, acceptField.equals)
        var value: Any? = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
        for part in path.split(separator: ".") {
            if let index = Int(part), let array = value as? [Any] {
                value = index < array.count ? array[index] : nil
            } else {
                value = (value as? [String: Any])?[String(part)]
            }
        }
        let found = value.map { "\($0)" }
        return found == equals ? .accepted : .retry(.notTaken, "\(path) = \(found ?? "missing")")
    }
}

/// Sends one site's messages on one channel.
struct ChannelWorker {
    let site: String
    let channel: NoticeChannel
    let transport: NoticeDeliverer.Channel
    let store: TicketStore
    let clock: any QuhaoClock
    let publicURL: String
    let wake: Wake
    let logger: Logger

    func run() async {
        // Each message is claimed for its timeout and 5 s more; the lease outlasts a batch in flight.
        let claimLease = Double(transport.timeoutSeconds) + 5
        await OutboxLoop(
            lease: NoticeOutbox.lease(site: site, channel: channel), leaseSeconds: Double(transport.timeoutSeconds) * 3 + 10, concurrency: 4,
            operations: store.operations, clock: clock, wake: wake,
            claim: { [store, site, channel, publicURL] in
                try await store.notices.claim(site: site, channel: channel, limit: 4, lease: claimLease, publicURL: publicURL)
            },
            nextAttempt: { [store, site, channel] in try await store.notices.nextAttempt(site: site, channel: channel) },
            send: { await send($0) },
            claimFailed: { [logger, site, channel] error in
                logger.warning("cannot claim messages", metadata: ["site": "\(site)", "channel": "\(channel.rawValue)", "error": "\(error)"])
            }
        ).run()
    }

    func send(_ dispatch: NoticeDispatch) async {
        let notice = dispatch.notice
        var metadata: Logger.Metadata = [
            "site": "\(site)", "channel": "\(channel.rawValue)", "message": "\(notice.key)", "kind": "\(notice.kind.rawValue)",
            "number": "\(dispatch.number)",
            "to": "\(dispatch.address.map { channel == .sms ? Masking.phone($0) : String($0.prefix(6)) + "…" } ?? "-")",
        ]
        do {
            guard case .send = dispatch.verdict, let address = dispatch.address else {
                if case .drop(let reason) = dispatch.verdict {
                    try await store.notices.settle(notice.id, NoticeOutcome(reason), attempted: false)
                    metadata["reason"] = "\(reason.rawValue)"
                    logger.info("message dropped", metadata: metadata)
                }
                return
            }
            await transport.pace.take()
            let answer = await transport.deliver(dispatch, address)
            metadata["attempt"] = "\(notice.attempts + 1)"
            switch answer {
            case .accepted:
                try await store.notices.settle(notice.id, .sent, attempted: true, by: LeaseHolder.thisDaemon)
                logger.info("message sent", metadata: metadata)
            case .refused(let why):
                try await store.notices.settle(notice.id, .refused, error: why, attempted: true)
                metadata["error"] = "\(why)"
                logger.error("message refused by the provider", metadata: metadata)
            case .retry(let failure, let why):
                metadata["error"] = "\(why)"
                if try await store.notices.failed(notice, failure, error: why) {
                    logger.error("message given up", metadata: metadata)
                } else {
                    logger.warning("message not sent; will retry", metadata: metadata)
                }
            }
        } catch {
            metadata["error"] = "\(error)"
            logger.error("cannot record a message", metadata: metadata)
        }
    }
}

/// One text message through the provider.
struct SMSSender {
    let sms: SMSTransport
    let client: HTTPClient
    let clock: any QuhaoClock
    let random: RandomSource

    func deliver(_ dispatch: NoticeDispatch, to address: String) async -> DeliveryAnswer {
        let notice = dispatch.notice
        let built: SMSTemplate.Request
        do {
            built = try sms.template.request(
                for: SMSTemplate.Message(
                    phone: address, number: dispatch.number, window: dispatch.window, text: dispatch.text, id: notice.key,
                    kind: notice.kind.rawValue, template: sms.templates[notice.kind] ?? "", link: dispatch.link, site: dispatch.siteName,
                    code: dispatch.code),
                at: clock.now(), nonce: random.bytes(8).map { String(format: "%02x", $0) }.joined())
        } catch {
            return .refused("\(error)")
        }
        var request = HTTPClientRequest(url: built.url)
        request.method = .init(rawValue: built.method)
        for header in built.headers { request.headers.add(name: header.name, value: header.value) }
        if !built.body.isEmpty { request.body = .bytes(ByteBuffer(bytes: built.body)) }
        do {
            let response = try await client.execute(request, timeout: .seconds(Int64(sms.timeoutSeconds)))
            let body = (try? await response.body.collect(upTo: 64 * 1024)).map { Data($0.readableBytesView) } ?? Data()
            return sms.judge(status: Int(response.status.code), body: body)
        } catch {
            return .retry(NoticeFailure(error), HTTPFailure.describe(error))
        }
    }
}

extension NoticeFailure {
    /// A request that failed before any answer: it timed out, or never reached the provider.
    init(_ error: any Error) {
        self = HTTPFailure.kind(error) == .timeout ? .timeout : .unreachable
    }
}

/// The provider's pace: at most `perMinute` requests a minute, in an even stream (a burst of a
/// sixth of a minute's worth at most).
actor RatePace {
    private let interval: Duration
    private let burst: Int
    private var tokens: Double
    private var last = ContinuousClock.now

    init(perMinute: Int) {
        interval = .milliseconds(Int64(60_000 / max(1, perMinute)))
        burst = max(1, perMinute / 6)
        tokens = Double(burst)
    }

    /// Returns when a request may go.
    func take() async {
        while true {
            let now = ContinuousClock.now
            let elapsed = now - last
            last = now
            tokens = min(Double(burst), tokens + elapsed / interval)
            if tokens >= 1 {
                tokens -= 1
                return
            }
            try? await Task.sleep(for: interval * (1 - tokens))
            if Task.isCancelled { return }
        }
    }
}

/// Sites whose commits are to be planned again, coalesced: a burst of commits is one plan.
final class SiteSignals: Sendable {
    private let state = Mutex<(sites: Set<String>, waiter: CheckedContinuation<Set<String>, Never>?)>(([], nil))

    func mark(_ siteID: String) {
        let resumed = state.withLock { state -> (CheckedContinuation<Set<String>, Never>, Set<String>)? in
            state.sites.insert(siteID)
            guard let waiter = state.waiter else { return nil }
            state.waiter = nil
            defer { state.sites = [] }
            return (waiter, state.sites)
        }
        if let (waiter, sites) = resumed { waiter.resume(returning: sites) }
    }

    /// The sites marked since the last call, waiting for one if none is (or the task's cancellation).
    func next() async -> Set<String> {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Set<String>? in
                    if !state.sites.isEmpty {
                        defer { state.sites = [] }
                        return state.sites
                    }
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Set<String>, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: [])
        }
    }
}
