import Foundation
import Hummingbird
import QuhaoCore
import QuhaoStore

/// `GET /api/v1/audit`: the logs for admins, newest first, with filters
/// `site`, `day` (YYYY-MM-DD, with `site`), `staff` (login), `counter`, `number`, `action`, `limit`.
struct AuditAPI {
    let services: Services

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get(use: audit)
        return routes
    }

    struct Entry: Encodable {
        let at: Date
        let kind: String
        let site: String?
        let action: String
        let number: String?
        let ticketId: Int64?
        let service: String?
        let fromState: String?
        let toState: String?
        let counter: Int?
        let initiator: String
        let initiatorName: String?
        let detail: String?

        init(_ entry: AuditEntry) {
            at = entry.at
            kind = entry.kind.rawValue
            site = entry.siteID
            action = entry.action
            number = entry.number
            ticketId = entry.ticketID
            service = entry.serviceID
            fromState = entry.fromState
            toState = entry.toState
            counter = entry.counterID
            initiator = entry.initiator
            initiatorName = entry.initiatorName
            detail = entry.detail
        }
    }

    @Sendable func audit(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try await StaffAuth.requireAdmin(request, services: services)
        let query = try Self.query(request.uri.queryParameters)
        let entries = try await services.store.audit(query)
        return try JSON.response(["entries": entries.map(Entry.init)], headers: [.cacheControl: "no-store"])
    }

    /// The filters of a query string; a malformed one is `request.invalid`, never ignored.
    static func query(_ parameters: Parameters) throws -> AuditQuery {
        func invalid(_ name: String) -> QuhaoError { QuhaoError(.requestInvalid, ["reason": "bad \"\(name)\""]) }
        var query = AuditQuery()
        query.siteID = parameters.get("site")
        query.staffLogin = parameters.get("staff")
        query.number = parameters.get("number")
        query.action = parameters.get("action")
        if let text = parameters.get("day") {
            guard let day = BusinessDay(iso: text) else { throw invalid("day") }
            query.day = day
        }
        if let text = parameters.get("counter") {
            guard let counter = Int(text) else { throw invalid("counter") }
            query.counterID = counter
        }
        if let text = parameters.get("limit") {
            guard let limit = Int(text) else { throw invalid("limit") }
            query.limit = limit
        }
        return query
    }
}
