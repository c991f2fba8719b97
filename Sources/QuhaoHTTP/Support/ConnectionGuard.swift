import HTTPTypes
import Logging
import NIOCore
import NIOHTTPTypes
import QuhaoCore
import Synchronization

/// The connections each client address holds now, against a cap: one host opening thousands of
/// sockets (idle, or feeding headers a byte at a time) cannot take every descriptor from the
/// hall's phones.
///
/// Behind a trusted proxy every phone arrives from the proxy's address: its connections are not
/// counted as such; each request it forwards counts, while it is in progress, against the
/// visitor's address it names instead.
final class ConnectionsPerAddress: Sendable {
    let limit: Int
    /// The proxies whose connections are counted by the visitor they forward.
    let trusted: TrustedProxies
    /// Where refusals are told (once here, not in every connection's handler).
    let logger: Logger
    private let open = Mutex<[String: Int]>([:])

    /// - Parameter limit: Connections per address; 0 for no cap.
    init(limit: Int, trusted: TrustedProxies = TrustedProxies(), logger: Logger = Logger(label: "quhao.connections")) {
        self.limit = limit
        self.trusted = trusted
        self.logger = logger
    }

    /// Counts a new connection; `false` when its address already holds `limit`.
    func admit(_ address: String) -> Bool {
        open.withLock { open in
            let count = open[address, default: 0]
            guard limit == 0 || count < limit else { return false }
            open[address] = count + 1
            return true
        }
    }

    /// Forgets a closed connection (its address too, once none is left: the table holds only live addresses).
    func release(_ address: String) {
        open.withLock { open in
            let count = open[address, default: 1] - 1
            open[address] = count > 0 ? count : nil
        }
    }

    /// Connections held now, by address (tests).
    var counts: [String: Int] { open.withLock { $0 } }
}

/// The first handler after the HTTP decoder on every connection: it closes a connection over its
/// address's cap as soon as it opens (before a byte of it is handed on), and a connection that is
/// silent for `idleTimeout` (headers never finished, or kept alive with no next request).
///
/// A request read to its end and not yet answered is never cut, however long it takes: that is
/// how a parked long-poll looks from here, and it has its own limit. (Hummingbird's own idle
/// timeout sits behind the handlers we add, so it never sees a poll parked by ``LongPollParking``
/// and would cut it; the daemon leaves it off and keeps time here.)
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let addresses: ConnectionsPerAddress
    private let idleTimeout: TimeAmount?
    private let now: () -> NIODeadline
    /// The address counted against the cap while the connection lives.
    private var address: String?
    /// The connection's peer, when it is a trusted proxy.
    private var proxy: String?
    /// The visitors a proxy's requests in progress are counted against, oldest first.
    private var visitors: [String] = []
    private var refused = false
    private var requestsInProgress = 0
    private var readingRequest = false
    private var lastActive: NIODeadline
    private var timer: Scheduled<Void>?

    /// - Parameters:
    ///   - idleTimeout: How long a connection may be silent; `nil`: for ever.
    ///   - now: The time (tests pass their event loop's).
    init(addresses: ConnectionsPerAddress, idleTimeout: TimeAmount?, now: @escaping () -> NIODeadline = { .now() }) {
        self.addresses = addresses
        self.idleTimeout = idleTimeout
        self.now = now
        self.lastActive = now()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { opened(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        closed()
    }

    func channelActive(context: ChannelHandlerContext) {
        opened(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Nothing of a refused connection is handed on.
        guard !refused else { return }
        lastActive = now()
        switch unwrapInboundIn(data) {
        case .head(let head):
            if let proxy, addresses.limit > 0 {
                let visitor = addresses.trusted.client(
                    peer: proxy, forwarded: head.headerFields[values: .forwarded], forwardedFor: head.headerFields[values: .xForwardedFor])
                guard addresses.admit(visitor) else {
                    refuse(context, address: visitor)
                    return
                }
                visitors.append(visitor)
            }
            requestsInProgress += 1
            readingRequest = true
        case .body:
            break
        case .end:
            readingRequest = false
            // Read to its end: nothing can time out until it is answered (a parked poll may wait
            // half a minute), so the timer is dropped rather than held by every waiting connection.
            timer?.cancel()
            timer = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            requestsInProgress = max(0, requestsInProgress - 1)
            if !visitors.isEmpty { addresses.release(visitors.removeFirst()) }
            if requestsInProgress == 0 {
                lastActive = now()
                if timer == nil, let idleTimeout { schedule(at: lastActive + idleTimeout, context: context) }
            }
        }
        context.write(data, promise: promise)
    }

    private func opened(_ context: ChannelHandlerContext) {
        guard address == nil, !refused else { return }
        if addresses.limit > 0 {
            let key = context.channel.remoteAddress?.ipAddress ?? "unknown"
            if addresses.trusted.trusts(key) {
                proxy = key
            } else {
                guard addresses.admit(key) else {
                    refuse(context, address: key)
                    return
                }
                address = key
            }
        }
        lastActive = now()
        if let idleTimeout { schedule(at: lastActive + idleTimeout, context: context) }
    }

    /// Closes a connection over its address's cap (for a proxy's connection: its visitor's).
    private func refuse(_ context: ChannelHandlerContext, address: String) {
        refused = true
        addresses.logger.debug("connection refused: too many from one address", metadata: ["address": "\(address)", "limit": "\(addresses.limit)"])
        context.close(promise: nil)
    }

    private func closed() {
        timer?.cancel()
        timer = nil
        if let address { addresses.release(address) }
        address = nil
        for visitor in visitors { addresses.release(visitor) }
        visitors = []
    }

    private func schedule(at deadline: NIODeadline, context: ChannelHandlerContext) {
        let here = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: deadline) { here.value.handler.timeUp(context: here.value.context) }
    }

    private func timeUp(context: ChannelHandlerContext) {
        timer = nil
        guard let idleTimeout, context.channel.isActive else { return }
        // A request read and not yet answered: its answer starts the clock again.
        if requestsInProgress > 0, !readingRequest { return }
        let due = lastActive + idleTimeout
        if now() >= due {
            context.close(promise: nil)
        } else {
            schedule(at: due, context: context)
        }
    }
}
