import HTTPTypes
import LiveBoard
import NIOCore
import NIOHTTPTypes

/// Parks long-polls below the router: a phone or display whose board or ticket is unchanged
/// (`?wait=N` with the current ETag in `If-None-Match`) waits here, in the connection's
/// pipeline, as a callback on the live board, not as a request task in the router. When the
/// board changes (or the wait is over, or the daemon stops), the request goes on to the router
/// without `wait`, which answers it at once (200 with the new content, or 304) through the
/// usual middlewares, headers, logs and metrics.
///
/// A request parked in the router cost ~20 KB of task and frames on top of its connection's
/// 11 KB; ten thousand waiting phones were ten thousand tasks. Here a parked request is its head
/// and one closure.
///
/// Only plain polls are parked: GET, the board or a ticket path, `wait` as the only query item,
/// one `If-None-Match` equal to what the board serves now, and no other request of the
/// connection in progress. Anything else (a stale ETag, a bad `wait`, a console poll that needs
/// a session) goes to the router as it came, and is answered there.
final class LongPollParking: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// What a parked request waits on.
    struct Plan {
        let site: String
        let version: UInt64
        /// Set for a ticket poll: it waits until the ticket's own ETag changes, not just the board's.
        let ticket: (token: String, etag: String)?
        let deadline: ContinuousClock.Instant
    }

    private struct Parked {
        /// The request without `wait`, as it will be handed on.
        let head: HTTPRequest
        let plan: Plan
        let id: UInt64
    }

    private let board: LiveBoard
    private let maxWait: Int
    /// Requests handed on to the router and not yet answered.
    private var inFlight = 0
    /// A poll whose head is read, waiting for its end before parking.
    private var reading: (head: HTTPRequest, plan: Plan)?
    private var parked: Parked?
    /// Parts of later requests that came while one was parked (pipelining), handed on after it.
    private var held: [HTTPRequestPart] = []
    private var heldBytes = 0
    /// More than this held and the parked request goes on at once.
    static let largestHold = 64 * 1024

    init(board: LiveBoard, maxWait: Int) {
        self.board = board
        self.maxWait = maxWait
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if let poll = reading {
            // The rest of a poll being parked: a GET's body (if any) is dropped, its end parks it.
            if case .end = part {
                reading = nil
                park(poll.head, poll.plan, context: context)
            }
            return
        }
        if parked != nil {
            held.append(part)
            if case .body(let bytes) = part { heldBytes += bytes.readableBytes }
            heldBytes += 256
            if heldBytes > Self.largestHold { handOn(context: context, stillParked: true) }
            return
        }
        if case .head(let head) = part {
            if inFlight == 0, let (stripped, plan) = plan(for: head) {
                reading = (stripped, plan)
                return
            }
            inFlight += 1
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { inFlight = max(0, inFlight - 1) }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let parked {
            self.parked = nil
            let board = board
            Task { await board.cancelWaiter(parked.id, site: parked.plan.site) }
        }
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // The server is stopping: answer the parked poll before the connection is closed.
        if event is ChannelShouldQuiesceEvent, parked != nil { handOn(context: context, stillParked: true) }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: - Parking

    /// Whether a request head is a poll to park, and on what.
    func plan(for head: HTTPRequest) -> (HTTPRequest, Plan)? {
        guard head.method == .get, let target = head.path, let question = target.firstIndex(of: "?") else { return nil }
        let path = target[..<question]
        let query = target[target.index(after: question)...]
        guard query.hasPrefix("wait="), let seconds = Int(query.dropFirst(5)), seconds > 0 else { return nil }
        let etags = head.headerFields[values: .ifNoneMatch]
        guard etags.count == 1, let etag = etags.first else { return nil }
        let deadline = ContinuousClock.now + .seconds(min(seconds, maxWait))
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        let plan: Plan
        if parts.count == 6, parts[0].isEmpty, parts[1] == "api", parts[2] == "v1", parts[3] == "sites", !parts[4].isEmpty, parts[5] == "board" {
            let site = String(parts[4])
            guard let version = board.version(site, ifETag: etag) else { return nil }
            plan = Plan(site: site, version: version, ticket: nil, deadline: deadline)
        } else if parts.count == 5, parts[0].isEmpty, parts[1] == "api", parts[2] == "v1", parts[3] == "tickets", !parts[4].isEmpty {
            let token = String(parts[4])
            guard let (site, version) = board.version(ofTicket: token, ifETag: etag) else { return nil }
            plan = Plan(site: site, version: version, ticket: (token, etag), deadline: deadline)
        } else {
            return nil
        }
        var stripped = head
        stripped.path = String(path)
        return (stripped, plan)
    }

    private func park(_ head: HTTPRequest, _ plan: Plan, context: ChannelHandlerContext) {
        let id = board.waiterID()
        parked = Parked(head: head, plan: plan, id: id)
        let loop = context.eventLoop
        let here = NIOLoopBound((handler: self, context: context), eventLoop: loop)
        let board = board
        Task {
            await board.park(plan.site, id: id, version: plan.version, until: plan.deadline) {
                loop.execute { here.value.handler.wake(id, context: here.value.context) }
            }
        }
    }

    /// The board moved on (or time is up): a ticket poll whose ticket looks the same parks again
    /// until its own deadline; anything else goes on.
    private func wake(_ id: UInt64, context: ChannelHandlerContext) {
        guard let current = parked, current.id == id else { return }
        if let (token, etag) = current.plan.ticket, ContinuousClock.now < current.plan.deadline, !board.isClosing,
            let (site, version) = board.version(ofTicket: token, ifETag: etag)
        {
            park(current.head, Plan(site: site, version: version, ticket: (token, etag), deadline: current.plan.deadline), context: context)
            return
        }
        handOn(context: context, stillParked: false)
    }

    /// Hands the parked request (without `wait`) to the router, then whatever came after it.
    /// - Parameter stillParked: The board still holds its callback (not woken by the board): take it back.
    private func handOn(context: ChannelHandlerContext, stillParked: Bool) {
        guard let current = parked else { return }
        parked = nil
        if stillParked {
            let board = board
            Task { await board.cancelWaiter(current.id, site: current.plan.site) }
        }
        inFlight += 1
        context.fireChannelRead(wrapInboundOut(.head(current.head)))
        context.fireChannelRead(wrapInboundOut(.end(nil)))
        let later = held
        held = []
        heldBytes = 0
        for part in later { channelRead(context: context, data: wrapInboundOut(part)) }
        context.fireChannelReadComplete()
    }
}
