import Logging
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Caps the connections one client address holds at once: one host opening thousands of sockets
/// (idle, or feeding headers a byte at a time) cannot take every descriptor from the hall's phones.
/// A connection over the cap is closed as soon as it opens, before a byte is read.
final class ConnectionsPerAddress: Sendable {
    let limit: Int
    private let open = Mutex<[String: Int]>([:])

    /// - Parameter limit: Connections per address; 0 for no cap.
    init(limit: Int) { self.limit = limit }

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

    /// The per-connection handler that counts the connection and closes it when over the cap.
    func handler(logger: Logger) -> Handler { Handler(table: self, logger: logger) }

    final class Handler: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPRequestPart
        let table: ConnectionsPerAddress
        let logger: Logger
        private var address: String?
        private var refused = false

        init(table: ConnectionsPerAddress, logger: Logger) {
            self.table = table
            self.logger = logger
        }

        func handlerAdded(context: ChannelHandlerContext) {
            if context.channel.isActive { admit(context) }
        }

        func channelActive(context: ChannelHandlerContext) {
            admit(context)
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            // Nothing of a refused connection reaches the server.
            guard !refused else { return }
            context.fireChannelRead(data)
        }

        func channelInactive(context: ChannelHandlerContext) {
            if let address { table.release(address) }
            address = nil
            context.fireChannelInactive()
        }

        private func admit(_ context: ChannelHandlerContext) {
            guard address == nil, !refused, table.limit > 0 else { return }
            let key = context.channel.remoteAddress?.ipAddress ?? "unknown"
            if table.admit(key) {
                address = key
            } else {
                refused = true
                logger.debug("connection refused: too many from one address", metadata: ["address": "\(key)", "limit": "\(table.limit)"])
                context.close(promise: nil)
            }
        }
    }
}
