import Foundation
import Hummingbird
import QuhaoCore
import QuhaoFormats
import QuhaoStore

/// `/api/v1/inspections/…`: an office's figures for its inspectors, admins and integrations.
struct InspectionAPI {
    let services: AppDependencies

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get("summary", use: summary)
        return routes
    }

    /// `GET /api/v1/inspections/summary?site=&from=&to=&format=json|csv` (no range: all time).
    @Sendable func summary(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try await StaffAuth.require(request, services: services)
        guard principal.role == .admin || principal.role == .inspector else { throw QuhaoError(.authForbidden) }
        let query = request.uri.queryParameters
        guard let site = query.get("site"), !site.isEmpty else {
            throw QuhaoError(.requestInvalid, ["reason": "需要指定场所（site）", "reason@en": "site is required"])
        }
        guard principal.worksAt(site) else { throw QuhaoError(.authForbidden) }
        let (from, to) = try QueryReader(request).period()
        let summary = try await services.store.inspections.summary(site: site, from: from, to: to)
        switch query.get("format") ?? "json" {
        case "json":
            // Its keys are snake case already; the API's encoder would also lower-case the risk levels used as keys.
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return JSON.response(try encoder.encode(summary))
        case "csv":
            let name = "inspections-\(site)-\(from?.iso ?? "start")-\(to?.iso ?? summary.today.iso).csv"
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\"", .cacheControl: "no-store",
                ],
                body: .init(byteBuffer: ByteBuffer(string: summary.csv)))
        default: throw QuhaoError(.requestInvalid, ["reason": "format 只能是 json 或 csv", "reason@en": "format must be json or csv"])
        }
    }
}
