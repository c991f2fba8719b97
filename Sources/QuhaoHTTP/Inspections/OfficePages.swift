import Foundation
import Hummingbird
import LiveBoard
import QuhaoCore
import QuhaoFormats
import QuhaoStore

/// An office's daily lists for its admins: who is due, the findings behind each figure, random
/// plans (双随机) and their draws, complaints from the posters. Forms without JavaScript; each
/// list has its CSV (and a plan its JSON, to publish the draw).
struct OfficePages {
    let services: AppDependencies
    let templates: Templates

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get("due", use: duePage)
        routes.get("findings", use: findingsPage)
        routes.get("plans", use: plansPage)
        routes.post("plans", use: createPlan)
        routes.get("plans/:id", use: planPage)
        routes.post("plans/:id/draw", use: drawPlan)
        routes.post("plans/:id/publish", use: publishPlan)
        routes.get("complaints", use: complaintsPage)
        routes.post("complaints/:id/convert", use: convertComplaint)
        routes.post("complaints/:id/close", use: closeComplaint)
        routes.post("units/:id/recusals", use: recuse)
        return routes
    }

    var units: AdminUnitPages { AdminUnitPages(services: services, templates: templates) }

    func page(_ name: String, _ request: Request, _ principal: Principal, _ data: [String: Any], status: HTTPResponse.Status = .ok)
        async throws -> Response
    {
        try await services.staffPage(templates, name, request, principal, data, status: status)
    }

    func redirect(_ request: Request, _ target: String) -> Response { PublicPages.seeOther(request, target) }

    /// A value for a Mustache section: an empty or missing text is `false` (Mustache opens a section
    /// for any string, the empty one too).
    static func section(_ text: String?) -> Any {
        guard let text, !text.isEmpty else { return false }
        return text
    }

    static func csv(_ table: ReportTable, name: String) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name).csv\"", .cacheControl: "no-store",
            ], body: .init(byteBuffer: ByteBuffer(string: table.csv)))
    }

    // MARK: - Who is due

    @Sendable func duePage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = try await units.admin(request) else { return StaffPages.toLogin(request) }
        let site = try await units.office(request, principal)
        let query = request.uri.queryParameters
        let language = request.language
        let (t, _) = Templates.strings(language)
        let reader = QueryReader(request)
        let filter = DueFilter(
            types: Set(try reader.choices("type", choices: UnitType.allCases.map(\.rawValue), UnitType.init(text:))),
            risks: Set(try reader.choices("risk", choices: RiskLevel.allCases.map(\.rawValue), RiskLevel.init(text:))),
            areas: Set(try reader.choices("area", choices: []) { $0 }),
            states: Set(try reader.choices("state", choices: VisitStatus.State.allCases.map(\.rawValue), VisitStatus.State.init(rawValue:))))
        let list = try await services.store.inspections.due(site: site.id, filter: filter)
        let today = site.businessDay(at: services.clock.now())
        let table = OfficeTables.due(list, site: site.id, today: today, zone: site.zone)
        if try reader.choice("format", among: ["csv"]) != nil {
            return Self.csv(table, name: "due-\(site.id)-\(today.iso)")
        }
        func options<T: RawRepresentable<String>>(_ all: [T], _ chosen: Set<T>, _ label: (T) -> String) -> [[String: Any]] {
            all.map { ["value": $0.rawValue, "label": label($0), "selected": chosen.contains($0)] }
        }
        let areas = try await services.store.inspections.areas(site: site.id)
        // 100 a page (an office may have thousands due in January); the CSV holds them all.
        let size = 100
        let pages = max(1, (list.count + size - 1) / size)
        let number = min(try reader.page(), pages)
        let shown = list.dropFirst((number - 1) * size).prefix(size)
        let others = (request.uri.query ?? "").split(separator: "&").filter { !$0.hasPrefix("page=") }.joined(separator: "&")
        func link(_ page: Int) -> String { "/admin/due?" + (others.isEmpty ? "" : others + "&") + "page=\(page)" }
        let data: [String: Any] = [
            "paging": Catalogue.fill(t["office_page"] ?? "", with: ["page": String(number), "pages": String(pages), "total": String(list.count)]),
            "previous": number > 1 ? link(number - 1) : false, "next": number < pages ? link(number + 1) : false,
            "title": t["office_due_title"] ?? "", "siteName": site.name.text(language), "user": principal.name, "site": site.id,
            "count": list.count, "today": today.iso,
            "types": options(UnitType.allCases, filter.types) { $0.label.text(language) },
            "risks": options(RiskLevel.allCases, filter.risks) { $0.rawValue },
            "states": options(VisitStatus.State.allCases, filter.states) { $0.label.text(language) },
            "areas": areas.map { ["value": $0, "label": $0, "selected": filter.areas.contains($0)] },
            "csv": "/admin/due?" + (others.isEmpty ? "" : others + "&") + "format=csv",
            "rows": shown.map { due -> [String: Any] in
                [
                    "id": due.unit.id, "name": due.unit.name, "type": due.unit.type.label.text(language), "risk": due.unit.risk.rawValue,
                    "area": due.unit.area, "state": due.status.state.label.text(language), "stateClass": due.status.state.rawValue,
                    "visits": "\(due.status.visits)/\(due.status.required)", "next": due.status.next?.iso ?? "",
                    "last": due.lastVisit.map { site.businessDay(at: $0).iso } ?? "—", "result": due.lastResult?.label.text(language) ?? "",
                    "open": due.openFindings, "overdue": due.overdueFindings > 0 ? due.overdueFindings : false, "requested": due.requested,
                ]
            },
        ]
        return try await page("office-due", request, principal, data)
    }

    // MARK: - The findings behind a figure

    /// The lists of findings a figure opens.
    static let findingLists = ["open", "overdue", "awaiting", "late", "verified", "all"]

    @Sendable func findingsPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = try await units.admin(request) else { return StaffPages.toLogin(request) }
        let site = try await units.office(request, principal)
        let language = request.language
        let (t, _) = Templates.strings(language)
        let reader = QueryReader(request)
        let (from, to) = try reader.period()
        let which = try reader.choice("state", choices: Self.findingLists) { Self.findingLists.contains($0) ? $0 : nil } ?? "open"
        let today = site.businessDay(at: services.clock.now())
        let all = try await services.store.inspections.officeFindings(site: site.id, from: from, to: to)
        // The figures' own rules (FindingDeadline): what each figure counts is what its list shows.
        let shown = all.filter { finding in
            switch which {
            case "overdue": finding.isOverdue(today: today)
            case "awaiting": finding.state == .submitted
            case "late": finding.isAnsweredLate(in: site.zone)
            case "verified": finding.state == .verified
            case "all": true
            default: finding.state == .open  // "open"
            }
        }
        let names = Dictionary(
            try await services.store.inspections.units(site: site.id).map { ($0.unit.id, $0.unit.name) }, uniquingKeysWith: { a, _ in a })
        let data: [String: Any] = [
            "title": t["office_findings_title"] ?? "", "siteName": site.name.text(language), "user": principal.name, "site": site.id,
            "which": t["office_findings_\(which)"] ?? which, "count": shown.count, "from": from?.iso ?? "", "to": to?.iso ?? "",
            "rows": shown.map { finding -> [String: Any] in
                [
                    "unitID": finding.unitID, "unit": names[finding.unitID] ?? "#\(finding.unitID)", "code": finding.itemCode,
                    "description": finding.description, "severity": finding.severity.label.text(language),
                    "state": finding.state.label.text(language),
                    "due": finding.due.iso, "overdue": finding.isOverdue(today: today), "inspection": finding.inspectionID,
                ]
            },
        ]
        return try await page("office-findings", request, principal, data)
    }

    // MARK: - Plans (双随机)

    @Sendable func plansPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = try await units.admin(request) else { return StaffPages.toLogin(request) }
        let site = try await units.office(request, principal)
        let language = request.language
        let (t, _) = Templates.strings(language)
        let flash = services.flash.message(request)
        let plans = try await services.store.inspections.plans(site: site.id)
        let today = site.businessDay(at: services.clock.now())
        let fields = flash?.fields ?? [:]
        var data: [String: Any] = [
            "title": t["office_plans_title"] ?? "", "siteName": site.name.text(language), "user": principal.name, "site": site.id,
            "plans": plans.map { report -> [String: Any] in
                [
                    "id": report.plan.id, "name": report.plan.name, "period": "\(report.plan.firstDay.iso) – \(report.plan.lastDay.iso)",
                    "drawn": report.plan.draw != nil, "done": report.done, "visits": report.visits.count,
                ]
            },
            "form": [
                "name": fields["name"] ?? "", "from": fields["from"] ?? today.iso, "to": fields["to"] ?? today.adding(days: 30).iso,
                "area": fields["area"] ?? "",
            ],
            "types": UnitType.allCases.map {
                ["value": $0.rawValue, "label": $0.label.text(language), "checked": fields["type.\($0.rawValue)"] == "yes"]
            },
            "quotas": RiskLevel.allCases.map { ["risk": $0.rawValue, "value": fields["quota.\($0.rawValue)"] ?? ""] },
            "areas": try await services.store.inspections.areas(site: site.id).joined(separator: "、"),
        ]
        if let error = flash?.error { data["error"] = Catalogue.of(language).message(for: error) }
        return try await page("office-plans", request, principal, data, status: flash?.error?.status ?? .ok)
    }

    @Sendable func createPlan(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = try await units.admin(request) else { return StaffPages.toLogin(request) }
        let site = try await units.office(request, principal)
        let fields = try await PublicPages.form([String: String].self, request, context)
        do {
            func day(_ name: String) throws -> BusinessDay {
                let text = (fields[name] ?? "").trimmingCharacters(in: .whitespaces)
                guard !text.isEmpty else {
                    throw QuhaoError(.planInvalid, ["reason": "请填写开始和结束日期", "reason@en": "give the first and last day"])
                }
                guard let day = BusinessDay(iso: text) else {
                    throw QuhaoError(.planInvalid, ["reason": "日期“\(text.prefix(20))”不存在", "reason@en": "there is no day “\(text.prefix(20))”"])
                }
                return day
            }
            let (first, last) = (try day("from"), try day("to"))
            var quotas: [RiskLevel: PlanQuota] = [:]
            for risk in RiskLevel.allCases {
                guard let text = fields["quota.\(risk.rawValue)"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { continue }
                quotas[risk] = try PlanQuota(text: text)
            }
            let areas = (fields["area"] ?? "").split(whereSeparator: { "、,，".contains($0) }).map { $0.trimmingCharacters(in: .whitespaces) }
            let scope = PlanScope(
                types: UnitType.allCases.filter { fields["type.\($0.rawValue)"] == "yes" }, risks: RiskLevel.allCases.filter { quotas[$0] != nil },
                areas: areas.filter { !$0.isEmpty })
            let plan = try await services.store.inspections.createPlan(
                site: site.id, PlanDraft(name: fields["name"] ?? "", firstDay: first, lastDay: last, scope: scope, quotas: quotas),
                by: principal.initiator)
            return redirect(request, "/admin/plans/\(plan.id)")
        } catch let error as QuhaoError where error.code != .authForbidden {
            return services.flash.redirect(to: "/admin/plans?site=\(site.id)", request, error: error, fields: fields)
        }
    }

    @Sendable func planPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = try await units.admin(request) else { return StaffPages.toLogin(request) }
        let id = try context.parameters.require("id", as: Int64.self)
        let report = try await services.store.inspections.plan(id)
        guard principal.administers(report.plan.siteID) else { throw QuhaoError(.authForbidden) }
        let site = try await services.board.snapshot(report.plan.siteID).site
        let language = request.language
        let (t, _) = Templates.strings(language)
        switch try QueryReader(request).choice("format", among: ["json", "csv"]) {
        case "json": return try Self.planJSON(report, zone: site.zone, forPublic: false)
        case "csv": return Self.csv(OfficeTables.plan(report, zone: site.zone), name: "plan-\(id)")
        default: break
        }
        let flash = services.flash.message(request)
        let plan = report.plan
        var data: [String: Any] = Self.planFacts(plan, language).merging([
            "title": plan.name, "siteName": site.name.text(language), "user": principal.name, "site": site.id, "id": id,
            "team": plan.team, "done": report.done, "total": report.visits.count,
            "visits": report.visits.map { visit -> [String: Any] in
                [
                    "position": visit.position, "unitID": visit.unitID, "unit": visit.unitName, "risk": visit.risk.rawValue, "area": visit.area,
                    "inspectors": visit.inspectors.map(\.name).joined(separator: "、"), "number": visit.number ?? "",
                    // A drawn officer relieved by a conflict declared after the draw: who goes now.
                    "replaced": Self.section(
                        visit.replaced
                            ? Catalogue.fill(t["office_plan_replaced"] ?? "", with: ["names": visit.team.map(\.name).joined(separator: "、")])
                            : nil),
                    "status": visit.status.text(language), "result": visit.inspection?.result?.label.text(language) ?? "",
                ]
            },
        ]) { _, given in given }
        if let drawn = plan.draw {
            data["drawn"] = Catalogue.fill(
                t["office_plan_drawn"] ?? "",
                with: ["time": LocalTime.minute(drawn.at, in: site.zone), "seed": drawn.seed, "count": String(drawn.candidates.count)])
            data["replayed"] =
                try await services.store.inspections.replayDraw(id) ? t["office_plan_replay_same"] ?? "" : t["office_plan_replay_differs"] ?? ""
            if let published = plan.publishedAt {
                data["published"] = Catalogue.fill(t["office_plan_published"] ?? "", with: ["time": LocalTime.minute(published, in: site.zone)])
                data["publicPage"] = PlanNoticePages.address(site: site.id, plan: id)
            } else {
                data["canPublish"] = true
            }
        }
        if let error = flash?.error { data["error"] = Catalogue.of(language).message(for: error) }
        return try await page("office-plan", request, principal, data, status: flash?.error?.status ?? .ok)
    }

    /// What both the office's page and the public notice say of a plan: its name, period, scope and quotas.
    static func planFacts(_ plan: InspectionPlan, _ language: Language) -> [String: Any] {
        [
            "name": plan.name, "period": "\(plan.firstDay.iso) – \(plan.lastDay.iso)",
            "scope": section(
                [plan.scope.types.map { $0.label.text(language) }.joined(separator: "、"), plan.scope.areas.joined(separator: "、")]
                    .filter { !$0.isEmpty }.joined(separator: " · ")),
            "quotas": RiskLevel.allCases.compactMap { risk in plan.quotas[risk].map { "\(risk.rawValue): \($0)" } }.joined(separator: " · "),
        ]
    }

    /// A plan as JSON, with what it was drawn from: the office's copy to download, or the public one
    /// (``OfficeTables/planJSON(_:zone:forPublic:)``) shown in the browser.
    static func planJSON(_ report: PlanReport, zone: TimeZone, forPublic: Bool) throws -> Response {
        let name = "plan-\(report.plan.id).json"
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/json; charset=utf-8",
                .contentDisposition: forPublic ? "inline; filename=\"\(name)\"" : "attachment; filename=\"\(name)\"",
                .cacheControl: forPublic ? "no-cache" : "no-store",
            ], body: .init(byteBuffer: ByteBuffer(bytes: Array(try OfficeTables.planJSON(report, zone: zone, forPublic: forPublic)))))
    }

    @Sendable func drawPlan(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = try await units.admin(request) else { return StaffPages.toLogin(request) }
        let id = try context.parameters.require("id", as: Int64.self)
        let fields = try await PublicPages.form([String: String].self, request, context)
        let plan = try await services.store.inspections.plan(id).plan
        guard principal.administers(plan.siteID) else { throw QuhaoError(.authForbidden) }
        do {
            _ = try await services.store.inspections.drawPlan(id, seed: fields["seed"], by: principal.initiator)
            await services.boardHoldsOwnChanges(site: plan.siteID)
            return redirect(request, "/admin/plans/\(id)")
        } catch let error as QuhaoError where error.code != .authForbidden {
            return services.flash.redirect(to: "/admin/plans/\(id)", request, error: error)
        }
    }

    @Sendable func publishPlan(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = try await units.admin(request) else { return StaffPages.toLogin(request) }
        let id = try context.parameters.require("id", as: Int64.self)
        let plan = try await services.store.inspections.plan(id).plan
        guard principal.administers(plan.siteID) else { throw QuhaoError(.authForbidden) }
        do {
            _ = try await services.store.inspections.publishPlan(id, by: principal.initiator)
            return redirect(request, "/admin/plans/\(id)")
        } catch let error as QuhaoError where error.code != .authForbidden {
            return services.flash.redirect(to: "/admin/plans/\(id)", request, error: error)
        }
    }

    // MARK: - Complaints

    @Sendable func complaintsPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = try await units.admin(request) else { return StaffPages.toLogin(request) }
        let site = try await units.office(request, principal)
        let language = request.language
        let (t, _) = Templates.strings(language)
        let flash = services.flash.message(request)
        let state = try QueryReader(request).choice("state", choices: Complaint.State.allCases.map(\.rawValue), Complaint.State.init(rawValue:))
        let complaints = try await services.store.inspections.complaints(site: site.id, state: state)
        let names = Dictionary(
            try await services.store.inspections.units(site: site.id).map { ($0.unit.id, $0.unit.name) }, uniquingKeysWith: { a, _ in a })
        var data: [String: Any] = [
            "title": t["office_complaints_title"] ?? "", "siteName": site.name.text(language), "user": principal.name, "site": site.id,
            "count": complaints.count,
            "complaints": complaints.map { complaint -> [String: Any] in
                [
                    "id": complaint.id, "unitID": complaint.unitID, "unit": names[complaint.unitID] ?? "#\(complaint.unitID)", "text": complaint.text,
                    "happened": Self.section(complaint.happened), "phone": Self.section(complaint.phone), "photo": Self.section(complaint.photo),
                    "at": LocalTime.minute(complaint.createdAt, in: site.zone), "state": complaint.state.label.text(language),
                    "open": complaint.state == .open, "reason": Self.section(complaint.reason),
                    "inspection": Self.section(complaint.inspectionID.map(String.init)),
                ]
            },
        ]
        if let error = flash?.error { data["error"] = Catalogue.of(language).message(for: error) }
        if let notice = flash?.notice { data["notice"] = notice }
        return try await page("office-complaints", request, principal, data, status: flash?.error?.status ?? .ok)
    }

    @Sendable func convertComplaint(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await decide(request, context, done: "office_complaint_converted") { id, principal in
            _ = try await services.store.inspections.convertComplaint(id, by: principal.initiator)
        }
    }

    @Sendable func closeComplaint(_ request: Request, context: AppRequestContext) async throws -> Response {
        let fields = try await PublicPages.form([String: String].self, request, context)
        return try await decide(request, context, done: "office_complaint_closed") { id, principal in
            _ = try await services.store.inspections.closeComplaint(id, reason: fields["reason"] ?? "", by: principal.initiator)
        }
    }

    /// - Parameter done: The string that says it was done (`{id}`), shown on the list it returns to.
    func decide(_ request: Request, _ context: AppRequestContext, done: String, _ action: (Int64, Principal) async throws -> Void) async throws
        -> Response
    {
        guard let principal = try await units.admin(request) else { return StaffPages.toLogin(request) }
        let id = try context.parameters.require("id", as: Int64.self)
        let site = try await services.store.inspections.complaint(id).siteID
        guard principal.administers(site) else { throw QuhaoError(.authForbidden) }
        do {
            try await action(id, principal)
            await services.boardHoldsOwnChanges(site: site)
            let said = Catalogue.fill(Templates.strings(request.language).template[done] ?? "", with: ["id": String(id)])
            return services.flash.redirect(to: "/admin/complaints?site=\(site)", request, notice: said)
        } catch let error as QuhaoError where error.code != .authForbidden && error.code != .complaintNotFound {
            return services.flash.redirect(to: "/admin/complaints?site=\(site)", request, error: error)
        }
    }

    // MARK: - Conflicts of interest (回避)

    @Sendable func recuse(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = try await units.admin(request) else { return StaffPages.toLogin(request) }
        let id = try context.parameters.require("id", as: Int64.self)
        try await units.mustAdminister(unit: id, principal)
        let fields = try await PublicPages.form([String: String].self, request, context)
        let unit = try await services.store.inspections.unit(id).unit
        do {
            guard let staff = Int64(fields["staff"] ?? "") else { throw QuhaoError(.inspectorUnknown, ["name": fields["staff"] ?? ""]) }
            if fields["withdraw"] == "yes" {
                try await services.store.inspections.withdrawRecusal(site: unit.siteID, staff: staff, unit: id, by: principal.initiator)
            } else {
                _ = try await services.store.inspections.declareRecusal(
                    site: unit.siteID, staff: staff, unit: id, reason: fields["reason"] ?? "", by: principal.initiator)
            }
            return redirect(request, "/admin/units/\(id)#recusals")
        } catch let error as QuhaoError where error.code != .authForbidden {
            return services.flash.redirect(to: "/admin/units/\(id)", request, error: error)
        }
    }
}
