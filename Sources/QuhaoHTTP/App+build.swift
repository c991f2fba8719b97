import Foundation
import Hummingbird
import Logging
import QuhaoCore
import QuhaoStore
import ServiceLifecycle

/// What the HTTP application needs from outside.
public struct AppSettings: Sendable {
    public var host: String
    public var port: Int
    /// Where phones reach the daemon (QR codes carry it).
    public var publicURL: String

    public init(host: String, port: Int, publicURL: String) {
        self.host = host
        self.port = port
        self.publicURL = publicURL
    }
}

/// Builds the daemon's application: routes, and the background housekeeping.
/// - Parameters:
///   - settings: Address and public URL.
///   - store: The ticket store.
///   - clock: The source of "now".
///   - logger: The application's logger.
///   - services: Further long-running work to run and stop with the server (the executable's config reloader).
///   - onServerRunning: Called once the socket is listening (the executable prints the address).
public func buildApplication(
    settings: AppSettings, store: TicketStore, clock: any QuhaoClock, logger: Logger, services: [any ServiceLifecycle.Service] = [],
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = buildRouter(store: store)
    var app = Application(
        router: router,
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "quhao"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
        logger: logger)
    app.addServices(Housekeeping(store: store, logger: logger))
    app.addServices(services)
    return app
}

/// The routes. (The public, staff and display routes arrive with their issues; for now: health.)
public func buildRouter(store: TicketStore) -> Router<BasicRequestContext> {
    let router = Router()
    router.get("/healthz") { _, _ -> Response in
        // Healthy means the database answers, not merely that the socket is open.
        do {
            let sites = try await store.siteIDs()
            return .json(status: .ok, ["status": "ok", "sites": String(sites.count)])
        } catch {
            return .json(status: .serviceUnavailable, ["status": "unavailable", "reason": String(describing: error)])
        }
    }
    return router
}

extension Response {
    /// A small JSON object response.
    static func json(status: HTTPResponse.Status, _ object: [String: String]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Expires tickets that can no longer be served (earlier days; services past closing), once a
/// minute and at start, so a new day starts with empty queues and no manual clean-up.
struct Housekeeping: ServiceLifecycle.Service {
    let store: TicketStore
    let logger: Logger
    var interval: Duration = .seconds(60)

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let expired = try await store.expireClosed()
                if expired > 0 { logger.info("expired tickets that can no longer be served", metadata: ["count": "\(expired)"]) }
            } catch is CancellationError {
                return
            } catch {
                logger.error("housekeeping failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
