import Foundation
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

    /// The client, for rate limits: its IP address.
    var clientKey: String { remoteAddress?.ipAddress ?? "local" }
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
