import Foundation
import Hummingbird
import QuhaoCore
import QuhaoStore

/// `GET /api/v1/audit`: the logs for admins, newest first, with filters
/// `site`, `day` (YYYY-MM-DD or `today`, with `site`), `staff` (login), `counter`, `number`, `action`,
/// `unit` (a canteen unit's own events and its findings'), `limit`.
struct AuditAPI {
    let services: AppDependencies

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get(use: audit)
        return routes
    }

    @Sendable func audit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try await StaffAuth.requireAdmin(request, services: services)
        var query = try Self.query(request.uri.queryParameters)
        // An admin of one site reads that site's log only.
        if let own = principal.siteID {
            guard query.siteID == nil || query.siteID == own else { throw QuhaoError(.authForbidden) }
            query.siteID = own
        }
        // `today` as the CLI takes it: the site's today.
        if let text = request.uri.queryParameters.get("day") { query.day = try await services.store.auditDay(text, site: query.siteID) }
        // A unit that does not exist (or not of this admin's office) is said so, not an empty trail.
        if let unit = query.unitID {
            let owner = try await services.store.inspections.unit(unit).unit.siteID
            if let own = principal.siteID, owner != own { throw QuhaoError(.unitNotFound, ["unit": String(unit)]) }
        }
        let entries = try await services.store.audit(query)
        return try JSON.response(["entries": entries], headers: [.cacheControl: "no-store"])
    }

    /// The filters of a query string; a malformed one is `request.invalid`, never ignored.
    static func query(_ parameters: Parameters) throws -> AuditQuery {
        func invalid(_ name: String) -> QuhaoError { QuhaoError(.requestInvalid, ["reason": "参数 \(name) 的值不正确", "reason@en": "bad \"\(name)\""]) }
        var query = AuditQuery()
        query.siteID = parameters.get("site")
        query.staffLogin = parameters.get("staff")
        query.number = parameters.get("number")
        query.action = parameters.get("action")
        if let text = parameters.get("counter") {
            guard let counter = Int(text) else { throw invalid("counter") }
            query.counterID = counter
        }
        if let text = parameters.get("unit") {
            guard let unit = Int64(text) else { throw invalid("unit") }
            query.unitID = unit
        }
        if let text = parameters.get("limit") {
            guard let limit = Int(text) else { throw invalid("limit") }
            query.limit = limit
        }
        return query
    }
}
