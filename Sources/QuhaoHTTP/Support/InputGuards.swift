import Foundation
import Hummingbird
import QuhaoCore

/// Refuses input no route should see, in one pass on every request (it is on the polling path):
/// - the API reads JSON only: a body of another type under `/api/` is `request.media_type` (415)
///   instead of being read as JSON anyway;
/// - static files have plain names: a path under `/static/` with control characters, a backslash
///   or a `..` is not found, rather than handed to the file middleware (which redirects some of them).
struct InputGuardsMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if path.hasPrefix("/api/") {
            try Self.checkBodyType(request)
        } else if path.hasPrefix("/static/") {
            try Self.checkStaticName(path)
        }
        return try await next(request, context)
    }

    static func checkBodyType(_ request: Request) throws {
        guard hasBody(request) else { return }
        let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard type == "application/json" || type?.hasSuffix("+json") == true else {
            throw QuhaoError(.requestMediaType, ["type": type ?? "none"])
        }
    }

    static func hasBody(_ request: Request) -> Bool {
        if let length = request.headers[.contentLength], let bytes = Int(length) { return bytes > 0 }
        return request.headers[.transferEncoding] != nil
    }

    static func checkStaticName(_ path: String) throws {
        let decoded = path.removingPercentEncoding ?? path
        if decoded.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "\\" }) || decoded.split(separator: "/").contains("..") {
            throw QuhaoError(.routeNotFound, ["path": path])
        }
    }
}
