import Foundation
import Hummingbird
import QuhaoCore
import QuhaoFormats
import QuhaoStore

/// `GET /api/v1/reports/{kind}?site=&from=&to=&group=&format=json|csv`: a hall's figures, for
/// admins (a session or an admin token). No days: today at the site.
struct ReportsAPI {
    let services: AppDependencies

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get(":kind", use: report)
        return routes
    }

    @Sendable func report(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try await StaffAuth.requireAdmin(request, services: services)
        let kindText = try context.parameters.require("kind")
        guard let kind = ReportKind(rawValue: kindText) else {
            throw QuhaoError(.routeNotFound, ["path": request.uri.path])
        }
        let query = request.uri.queryParameters
        let range = try await Self.range(query.get("site"), query.get("from"), query.get("to"), services: services, emptyIsNone: false)
        guard principal.administers(range.site) else { throw QuhaoError(.authForbidden) }
        let group = try Self.group(query.get("group"))
        let output = try await services.store.reports.output(kind, range, group: group)
        switch query.get("format") ?? "json" {
        case "json": return JSON.response(output.json)
        case "csv":
            let name = "\(kind.rawValue)-\(range.site)-\(range.from.iso)-\(range.to.iso).csv"
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\"", .cacheControl: "no-store",
                ],
                body: .init(byteBuffer: ByteBuffer(string: output.table.csv)))
        default: throw QuhaoError(.requestInvalid, ["reason": "format 只能是 json 或 csv", "reason@en": "format must be json or csv"])
        }
    }

    /// The site and days a report request names: a tax hall (the first by default), today by default.
    /// - Parameter emptyIsNone: An empty day is no day (the dashboard's form with a cleared field);
    ///   for the API it is a malformed one.
    /// - Throws: `site.not_found`; `request.invalid` for a malformed day or `to` before `from`.
    static func range(_ site: String?, _ from: String?, _ to: String?, services: AppDependencies, emptyIsNone: Bool = true) async throws
        -> ReportRange
    {
        let chosen: Site
        if let site, !site.isEmpty {
            chosen = try await services.store.site(site)
        } else {
            var first: Site?
            for id in try await services.store.siteIDs() {
                let candidate = try await services.store.site(id)
                if candidate.kind == .taxHall {
                    first = candidate
                    break
                }
            }
            guard let first else { throw QuhaoError(.siteNotFound, ["site": "?"]) }
            chosen = first
        }
        func day(_ text: String?, _ name: String) throws -> BusinessDay? {
            guard let text, !(text.isEmpty && emptyIsNone) else { return nil }
            guard let day = BusinessDay(iso: text) else {
                throw QuhaoError(.requestInvalid, ["reason": "\(name) 应为日期，如 2026-11-30", "reason@en": "\(name) must be a day like 2026-11-30"])
            }
            return day
        }
        let today = chosen.businessDay(at: services.clock.now())
        let first = try day(from, "from") ?? day(to, "to") ?? today
        let last = try day(to, "to") ?? today
        guard first <= last else { throw QuhaoError(.requestInvalid, ["reason": "截止日期早于起始日期", "reason@en": "to is before from"]) }
        guard last.start(in: chosen.zone).timeIntervalSince(first.start(in: chosen.zone)) <= 3 * 366 * 86_400 else {
            throw QuhaoError(.requestInvalid, ["reason": "一份报表最多涵盖三年", "reason@en": "a report covers at most three years"])
        }
        return ReportRange(site: chosen.id, from: first, to: last)
    }

    static func group(_ text: String?) throws -> ReportGroup {
        guard let text, !text.isEmpty else { return .day }
        guard let group = ReportGroup(rawValue: text) else {
            let groups = ReportGroup.allCases.map(\.rawValue).joined(separator: ", ")
            throw QuhaoError(.requestInvalid, ["reason": "group 只能是 \(groups) 之一", "reason@en": "group must be one of \(groups)"])
        }
        return group
    }
}
