import Foundation
import Hummingbird
import QuhaoCore

/// The API reads JSON only: a request to `/api/` that carries a body of another type is refused
/// with `request.media_type` (415) before any route sees it, instead of being read as JSON anyway.
struct JSONBodiesMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/api/"), Self.hasBody(request) else { return try await next(request, context) }
        let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard type == "application/json" || type?.hasSuffix("+json") == true else {
            throw QuhaoError(.requestMediaType, ["type": type ?? "none"])
        }
        return try await next(request, context)
    }

    static func hasBody(_ request: Request) -> Bool {
        if let length = request.headers[.contentLength], let bytes = Int(length) { return bytes > 0 }
        return request.headers[.transferEncoding] != nil
    }
}

/// Static files have plain names: a path under `/static/` with control characters, a backslash
/// or a `..` is not found, rather than handed to the file middleware (which redirects some of them).
struct StaticNamesMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if path.hasPrefix("/static/") {
            let decoded = path.removingPercentEncoding ?? path
            if decoded.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "\\" }) || decoded.split(separator: "/").contains("..") {
                throw QuhaoError(.routeNotFound, ["path": path])
            }
        }
        return try await next(request, context)
    }
}
