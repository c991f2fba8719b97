import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import QuhaoCore

/// The request context of every route: the client's address (rate limits) and a small upload limit.
public struct AppRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// Requests are small forms and JSON objects; anything bigger is refused (413).
    public var maxUploadSize: Int { 64 * 1024 }

    /// The visitor's address as a trusted proxy names it (``ClientAddressMiddleware``); `nil`
    /// when the request came straight from the visitor or from an untrusted address.
    var forwardedClient: String?

    /// The client, for rate limits and bookings: the visitor's IP address (behind a trusted
    /// proxy, the one it names; otherwise the connection's).
    var clientKey: String { forwardedClient ?? remoteAddress?.ipAddress ?? "local" }
}

/// Believes `Forwarded`/`X-Forwarded-For` only on a connection from a trusted proxy
/// (`server.trusted_proxies`), and then puts the visitor's address in the context for every
/// route after it; from anyone else a forwarded address is ignored (anyone can write one).
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let trusted: TrustedProxies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !trusted.isEmpty, let peer = context.remoteAddress?.ipAddress, trusted.trusts(peer) else { return try await next(request, context) }
        var context = context
        context.forwardedClient = trusted.client(
            peer: peer, forwarded: request.headers[values: .forwarded], forwardedFor: request.headers[values: .xForwardedFor])
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    /// RFC 7239.
    static let forwarded = Self("Forwarded")!
    static let xForwardedFor = Self("X-Forwarded-For")!
}

extension Request {
    /// The page language: `?lang=` first, then `Accept-Language`, else zh-CN.
    var language: Language {
        if let lang = uri.queryParameters.get("lang") {
            return lang.lowercased().hasPrefix("en") ? .en : .zhCN
        }
        return Language.preferred(acceptLanguage: headers[.acceptLanguage])
    }
}
