import Foundation
import Hummingbird
import QuhaoCore
import QuhaoStore

/// An office's published plans (双随机、一公开), for anyone, without an account: each plan's period,
/// scope and quotas, how it was drawn (the seed, when, from how many units), the units drawn with
/// their inspectors, and each visit's result as it comes; its JSON lets anyone replay the draw.
/// Only plans the office published are shown; the conflicts of interest stay with the office.
struct PlanNoticePages {
    let services: AppDependencies
    let templates: Templates

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get("s/:site/plans", use: list)
        routes.get("s/:site/plans/:id", use: show)
        return routes
    }

    /// Where a published plan is read.
    static func address(site: String, plan: InspectionPlan.ID) -> String { "/s/\(site)/plans/\(plan)" }

    /// An inspection office by its id (a tax hall, or none: not found).
    func office(_ context: AppRequestContext) async throws -> Site {
        let id = try context.parameters.require("site")
        guard let site = try? await services.store.site(id) else { throw QuhaoError(.siteNotFound, ["site": String(id.prefix(40))]) }
        guard site.kind == .inspection else { throw QuhaoError(.siteNotAnOffice, ["site": site.id]) }
        return site
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let site = try await office(context)
        _ = try QueryReader(request).choice("format", among: ["html"])
        let language = request.language
        let (t, _) = Templates.strings(language)
        let plans = try await services.store.inspections.publishedPlans(site: site.id)
        let data: [String: Any] = [
            "t": t, "lang": language.rawValue, "langQuery": PublicPages.langQuery(request), "title": t["notice_plans_title"] ?? "",
            "siteName": site.name.text(language), "none": plans.isEmpty,
            "plans": plans.map { report -> [String: Any] in
                [
                    "href": Self.address(site: site.id, plan: report.plan.id) + PublicPages.langQuery(request), "name": report.plan.name,
                    "period": "\(report.plan.firstDay.iso) – \(report.plan.lastDay.iso)", "done": report.done, "total": report.visits.count,
                ]
            },
        ]
        return templates.page("plan-notices", data)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let site = try await office(context)
        // Not a plan's number: no such plan (as for one not published), not a malformed request.
        guard let id = context.parameters.get("id").flatMap({ Int64($0) }) else { throw QuhaoError(.planNotFound) }
        let report = try await services.store.inspections.publishedPlan(site: site.id, id: id)
        if try QueryReader(request).choice("format", among: ["json"]) != nil {
            return try OfficePages.planJSON(report, zone: site.zone, forPublic: true)
        }
        let language = request.language
        let (t, _) = Templates.strings(language)
        let plan = report.plan
        var data: [String: Any] = OfficePages.planFacts(plan, language).merging([
            "t": t, "lang": language.rawValue, "langQuery": PublicPages.langQuery(request), "title": plan.name,
            "siteName": site.name.text(language), "done": report.done, "total": report.visits.count,
            "json": Self.address(site: site.id, plan: id) + "?format=json",
            "back": "/s/\(site.id)/plans" + PublicPages.langQuery(request),
            "visits": report.visits.map { visit -> [String: Any] in
                [
                    "position": visit.position, "unit": visit.unitName, "risk": visit.risk.rawValue, "area": OfficePages.section(visit.area),
                    "type": visit.type.label.text(language), "inspectors": visit.team.map(\.name).joined(separator: "、"),
                    // What is public of a visit: done or not, and its result with its day (no finding's text).
                    "result": OfficePages.section(
                        visit.inspection.flatMap { inspection in
                            inspection.result.map { result in
                                result.label.text(language) + (inspection.recordedAt.map { " · " + site.businessDay(at: $0).iso } ?? "")
                            }
                        }),
                    "resultClass": visit.inspection?.result?.rawValue ?? "",
                ]
            },
        ]) { _, given in given }
        if let drawn = plan.draw {
            data["drawn"] = Catalogue.fill(
                t["notice_plan_drawn"] ?? "",
                with: ["time": LocalTime.minute(drawn.at, in: site.zone), "seed": drawn.seed, "count": String(drawn.candidates.count)])
        }
        if let published = plan.publishedAt {
            data["published"] = Catalogue.fill(t["notice_plan_published"] ?? "", with: ["time": LocalTime.minute(published, in: site.zone)])
        }
        return templates.page("plan-notice", data)
    }
}
