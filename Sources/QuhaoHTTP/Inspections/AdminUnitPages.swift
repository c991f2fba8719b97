import Foundation
import Hummingbird
import LiveBoard
import QRCode
import QuhaoCore
import QuhaoFormats
import QuhaoStore

/// The office's admin pages: `/admin/units` (list, register, import and export the units file),
/// `/admin/units/{id}` (edit, deactivate, rotate tokens, print the QR codes) and
/// `/admin/inspections` (the figures). Admins only; forms work without JavaScript.
struct AdminUnitPages {
    let services: AppDependencies
    let templates: Templates

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get("units", use: list)
        routes.post("units", use: create)
        routes.get("units/export", use: export)
        routes.post("units/import", use: importFile)
        routes.get("units/:id", use: edit)
        routes.post("units/:id", use: update)
        routes.post("units/:id/active", use: setActive)
        routes.post("units/:id/rotate", use: rotate)
        routes.get("units/:id/sheet", use: sheet)
        routes.get("inspections", use: figures)
        return routes
    }

    /// The signed-in admin; `nil`: not signed in (the page sends them to sign in).
    func admin(_ request: Request) async throws -> Principal? { try await StaffAuth.adminOfPage(request, services: services) }

    /// The office named by `?site=`, or the only one the admin administers.
    /// - Throws: `site.not_found`; `auth.forbidden` for an office of another admin's.
    func office(_ request: Request, _ principal: Principal) async throws -> Site {
        let all = try await services.allSites()
        if let named = request.uri.queryParameters.get("site"), all.contains(where: { $0.id == named && $0.kind != .inspection }) {
            throw QuhaoError(.siteNotAnOffice, ["site": named])
        }
        var offices = all.filter { $0.kind == .inspection }
        if let named = request.uri.queryParameters.get("site"), offices.contains(where: { $0.id == named }), !principal.administers(named) {
            throw QuhaoError(.authForbidden)
        }
        offices = offices.filter { principal.administers($0.id) }
        if let named = request.uri.queryParameters.get("site") {
            guard let site = offices.first(where: { $0.id == named }) else { throw QuhaoError(.siteNotFound, ["site": named]) }
            return site
        }
        guard let only = offices.first else { throw QuhaoError(.siteNotFound, ["site": "?"]) }
        return only
    }

    /// Refuses a unit of an office this admin does not administer.
    func mustAdminister(unit id: Int64, _ principal: Principal) async throws {
        guard principal.administers(try await services.store.inspections.unit(id).unit.siteID) else { throw QuhaoError(.authForbidden) }
    }

    // MARK: - The list

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = try await admin(request) else { return StaffPages.toLogin(request) }
        return try await renderList(request, principal: principal, form: nil, error: nil, notice: nil, problems: [])
    }

    func renderList(
        _ request: Request, principal: Principal, form sent: UnitDraft?, error refusal: QuhaoError?, notice said: String?, problems listed: [String]
    ) async throws -> Response {
        // A refused form (or an import) came back here with its message and what was sent.
        let flash = services.flash.message(request)
        let error = refusal ?? flash?.error
        let notice = said ?? flash?.notice
        let problems = listed.isEmpty ? flash?.problems ?? [] : listed
        let form = sent ?? flash.flatMap { Self.draft($0.fields) }
        let site = try await office(request, principal)
        let language = request.language
        let (t, _) = Templates.strings(language)
        // A page at a time (an office may hold thousands), by a search and filters.
        let reader = QueryReader(request)
        let search = reader.text("q")
        let risk = try reader.choice("risk", choices: RiskLevel.allCases.map(\.rawValue), RiskLevel.init(text:))
        let area = reader.text("area")
        let size = 50
        var number = try reader.page()
        var found = try await services.store.inspections.units(
            site: site.id, search: search, risk: risk, area: area, offset: (number - 1) * size, limit: size)
        let pages = max(1, (found.total + size - 1) / size)
        if number > pages {
            // Past the last page (the list shrank, or a link was edited): the last page, not an empty one.
            number = pages
            found = try await services.store.inspections.units(
                site: site.id, search: search, risk: risk, area: area, offset: (number - 1) * size, limit: size)
        }
        func link(_ page: Int) -> String {
            var parts = ["site=\(site.id)", "page=\(page)"]
            if let search, !search.isEmpty { parts.append("q=" + (search.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")) }
            if let risk { parts.append("risk=\(risk.rawValue)") }
            if let area { parts.append("area=" + (area.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")) }
            return "/admin/units?" + parts.joined(separator: "&")
        }
        var data: [String: Any] = [
            "title": t["admin_units_title"] ?? "", "siteName": site.name.text(language), "user": principal.name, "site": site.id,
            "units": found.units.map { registered -> [String: Any] in
                let unit = registered.unit
                return [
                    "id": unit.id, "name": unit.name, "uscc": unit.uscc, "type": unit.type.label.text(language), "risk": unit.risk.rawValue,
                    "active": unit.active, "area": unit.area, "grade": unit.grade.map { "\($0.face) \($0.label.text(language))" } ?? "",
                ]
            },
            "count": found.total, "problems": problems, "hasProblems": !problems.isEmpty, "q": search ?? "",
            "riskChoices": RiskLevel.allCases.map { ["value": $0.rawValue, "selected": $0 == risk] },
            "areaChoices": try await services.store.inspections.areas(site: site.id).map { ["value": $0, "selected": $0 == area] },
            "paging": Catalogue.fill(t["office_page"] ?? "", with: ["page": String(number), "pages": String(pages), "total": String(found.total)]),
            "previous": number > 1 ? link(number - 1) : false, "next": number < pages ? link(number + 1) : false,
        ]
        data.merge(Self.formData(form ?? UnitDraft(name: "", uscc: "", licence: "", address: "", type: "", risk: "B", contactPhone: ""), language)) {
            _, new in new
        }
        if let error {
            data["error"] = Catalogue.of(language).message(for: error)
            if let field = error.parameters["field"] { data["error_\(field)"] = true }
        }
        if let notice { data["notice"] = notice }
        Self.markProblems(flash, &data)
        let status: HTTPResponse.Status = error?.status ?? (problems.isEmpty ? .ok : .badRequest)
        return try await page("admin-units", request, principal, data, status: status)
    }

    /// A draft's fields and the choices of the form's selects.
    static func formData(_ draft: UnitDraft, _ language: Language) -> [String: Any] {
        [
            "f_name": draft.name, "f_uscc": draft.uscc, "f_licence": draft.licence, "f_address": draft.address, "f_contact_name": draft.contactName,
            "f_contact_phone": draft.contactPhone, "f_camera_url": draft.cameraURL, "f_area": draft.area,
            "types": UnitType.allCases.map {
                ["value": $0.rawValue, "label": $0.label.text(language), "selected": UnitType(text: draft.type) == $0]
            },
            "risks": RiskLevel.allCases.map { ["value": $0.rawValue, "label": $0.rawValue, "selected": RiskLevel(text: draft.risk) == $0] },
            "kitchens": KitchenMode.allCases.map {
                ["value": $0.rawValue, "label": $0.label.text(language), "selected": KitchenMode(text: draft.kitchenMode) == $0]
            },
        ]
    }

    /// A form with problems goes back with all of them at once: the first as the message, every one listed,
    /// each field marked. `nil` when the draft passes every check.
    func refusedForm(_ draft: UnitDraft, to path: String, _ request: Request) -> Response? {
        let (_, problems) = draft.checking()
        guard let first = problems.first else { return nil }
        let catalogue = Catalogue.of(request.language)
        var fields = Self.fields(draft)
        fields["problem_fields"] = problems.compactMap { $0.parameters["field"] }.joined(separator: ",")
        return services.flash.redirect(
            to: path, request, error: first, fields: fields, problems: problems.count > 1 ? problems.map { catalogue.message(for: $0) } : [])
    }

    /// Marks each field a refused form had a problem with (`error_uscc`, …).
    static func markProblems(_ flash: FormFlash.Entry?, _ data: inout [String: Any]) {
        for field in (flash?.fields["problem_fields"] ?? "").split(separator: ",") { data["error_\(field)"] = true }
    }

    /// A unit's form fields as sent, kept for the page a refusal redirects to, and back.
    static func fields(_ draft: UnitDraft) -> [String: String] {
        [
            "name": draft.name, "uscc": draft.uscc, "licence": draft.licence, "address": draft.address, "type": draft.type, "risk": draft.risk,
            "contact_name": draft.contactName, "contact_phone": draft.contactPhone, "kitchen_mode": draft.kitchenMode, "camera_url": draft.cameraURL,
            "area": draft.area,
        ]
    }

    static func draft(_ fields: [String: String]) -> UnitDraft? {
        guard let name = fields["name"] else { return nil }
        return UnitDraft(
            name: name, uscc: fields["uscc"] ?? "", licence: fields["licence"] ?? "", address: fields["address"] ?? "", type: fields["type"] ?? "",
            risk: fields["risk"] ?? "", contactName: fields["contact_name"] ?? "", contactPhone: fields["contact_phone"] ?? "",
            kitchenMode: fields["kitchen_mode"] ?? "", cameraURL: fields["camera_url"] ?? "", area: fields["area"] ?? "")
    }

    struct UnitForm: Decodable {
        var name: String?
        var uscc: String?
        var licence: String?
        var address: String?
        var type: String?
        var risk: String?
        var contactName: String?
        var contactPhone: String?
        var kitchenMode: String?
        var cameraURL: String?
        var area: String?

        enum CodingKeys: String, CodingKey {
            case name, uscc, licence, address, type, risk, area
            case contactName = "contact_name"
            case contactPhone = "contact_phone"
            case kitchenMode = "kitchen_mode"
            case cameraURL = "camera_url"
        }

        var draft: UnitDraft {
            UnitDraft(
                name: name ?? "", uscc: uscc ?? "", licence: licence ?? "", address: address ?? "", type: type ?? "", risk: risk ?? "",
                contactName: contactName ?? "", contactPhone: contactPhone ?? "", kitchenMode: kitchenMode ?? "", cameraURL: cameraURL ?? "",
                area: area ?? "")
        }
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = try await admin(request) else { return StaffPages.toLogin(request) }
        let site = try await office(request, principal)
        let form = try await PublicPages.form(UnitForm.self, request, context)
        if let refused = refusedForm(form.draft, to: "/admin/units?site=\(site.id)", request) { return refused }
        do {
            let unit = try await services.store.inspections.createUnit(site: site.id, form.draft, by: principal.initiator)
            return Response(status: .seeOther, headers: [.location: "/admin/units/\(unit.unit.id)\(PublicPages.langQuery(request))"])
        } catch let error as QuhaoError where error.code != .siteNotFound {
            return services.flash.redirect(to: "/admin/units?site=\(site.id)", request, error: error, fields: Self.fields(form.draft))
        }
    }

    @Sendable func export(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = try await admin(request) else { return StaffPages.toLogin(request) }
        let site = try await office(request, principal)
        let text = try await services.store.inspections.exportUnits(site: site.id)
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"units-\(site.id).csv\"",
                .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The units file, uploaded as `file` in `multipart/form-data` (at most 5 MB).
    @Sendable func importFile(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = try await admin(request) else { return StaffPages.toLogin(request) }
        let site = try await office(request, principal)
        let language = request.language
        let t = Templates.strings(language).template
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: 5 * 1_048_576)
        } catch {
            throw QuhaoError(.requestTooLarge, ["limit": "5 MB"])
        }
        let form = try MultipartForm(body, contentType: request.headers[.contentType])
        guard let file = form.parts.first(where: { $0.name == "file" }), let text = String(bytes: file.body.readableBytesView, encoding: .utf8) else {
            throw QuhaoError(
                .requestInvalid,
                [
                    "reason": "需要 UTF-8 编码的 CSV 文件（在 Excel 中另存为“CSV UTF-8”）",
                    "reason@en": "a UTF-8 CSV file is needed (save from Excel as “CSV UTF-8”)",
                ])
        }
        do {
            let summary = try await services.store.inspections.importUnits(site: site.id, csv: text, by: principal.initiator)
            let notice = Catalogue.fill(
                t["admin_imported"] ?? "",
                with: ["created": String(summary.created), "updated": String(summary.updated), "unchanged": String(summary.unchanged)])
            return services.flash.redirect(to: "/admin/units?site=\(site.id)", request, notice: notice)
        } catch let failure as UnitsImportFailure {
            let catalogue = Catalogue.of(language)
            let heading = Catalogue.fill(t["admin_import_failed"] ?? "", with: ["n": String(failure.problems.count)])
            return services.flash.redirect(
                to: "/admin/units?site=\(site.id)", request, notice: heading, problems: failure.problems.map { catalogue.message(for: $0) })
        }
    }

    // MARK: - One unit

    @Sendable func edit(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = try await admin(request) else { return StaffPages.toLogin(request) }
        let id = try context.parameters.require("id", as: Int64.self)
        try await mustAdminister(unit: id, principal)
        return try await renderUnit(request, principal: principal, id: id, form: nil, error: nil)
    }

    func renderUnit(
        _ request: Request, principal: Principal, id: Int64, form sent: UnitDraft?, error refusal: QuhaoError?
    ) async throws -> Response {
        let flash = services.flash.message(request)
        let error = refusal ?? flash?.error
        let form = sent ?? flash.flatMap { Self.draft($0.fields) }
        let registered = try await services.store.inspections.unit(id)
        let unit = registered.unit
        let language = request.language
        let site = try await services.board.snapshot(unit.siteID).site
        var data: [String: Any] = [
            "title": unit.name, "siteName": site.name.text(language), "user": principal.name, "id": id, "unitName": unit.name,
            "active": unit.active, "site": unit.siteID,
            "posterURL": "\(services.settings.publicURL)/p/\(registered.posterToken)", "posterToken": registered.posterToken,
            "privateURL": "\(services.settings.publicURL)/u/\(registered.privateToken)",
        ]
        data.merge(Self.formData(form ?? UnitDraft(unit), language)) { _, new in new }
        data.merge(try await unitFile(unit, site: site, language: language)) { _, new in new }
        Self.markProblems(flash, &data)
        let problems = flash?.problems ?? []
        data["problems"] = problems
        data["hasProblems"] = !problems.isEmpty
        if let error {
            data["error"] = Catalogue.of(language).message(for: error)
            if let field = error.parameters["field"] { data["error_\(field)"] = true }
        }
        if let what = request.uri.queryParameters.get("confirm"), let ask = Self.confirmations[String(what)] {
            let t = Templates.strings(language).template
            data["confirm"] = [
                "question": t[ask.question] ?? "", "action": "/admin/units/\(id)/\(ask.action)", "field": ask.field, "value": ask.value,
            ]
        }
        return try await page("admin-unit", request, principal, data, status: error?.status ?? .ok)
    }

    /// The unit's file: its grade, its inspections (with their inspectors and results), its findings and
    /// their answers, the complaints about it, the declared conflicts of interest and its trail.
    func unitFile(_ unit: CanteenUnit, site: Site, language: Language) async throws -> [String: Any] {
        let inspections = services.store.inspections
        let t = Templates.strings(language).template
        let today = site.businessDay(at: services.clock.now())
        var data: [String: Any] = [:]
        if let grade = unit.grade {
            data["grade"] = "\(grade.face) \(grade.label.text(language))"
            data["gradeDay"] = unit.gradeSetAt.map { site.businessDay(at: $0).iso } ?? ""
        }
        data["area"] = unit.area
        data["inspections"] = try await inspections.history(unit: unit.id).prefix(100).map { inspection -> [String: Any] in
            [
                "id": inspection.id, "kind": inspection.kind.label.text(language),
                "day": site.businessDay(at: inspection.recordedAt ?? inspection.requestedAt).iso,
                "status": inspection.status.label.text(language), "result": inspection.result?.label.text(language) ?? "",
                "inspectors": inspection.inspectors.joined(separator: "、"), "mode": inspection.mode?.label.text(language) ?? "",
                "signed": OfficePages.section(inspection.signedBy), "office": inspection.kind != .selfInspection,
            ]
        }
        var findings: [[String: Any]] = []
        for finding in try await inspections.findings(unit: unit.id) {
            let answers = try await inspections.answers(finding: finding.id)
            findings.append([
                "code": finding.itemCode, "description": finding.description, "state": finding.state.label.text(language), "due": finding.due.iso,
                "overdue": finding.isOverdue(today: today), "answers": answers.count, "answer": OfficePages.section(answers.last?.text),
                "inspection": finding.inspectionID,
            ])
        }
        data["findings"] = findings
        data["complaints"] = try await inspections.complaints(site: unit.siteID, unit: unit.id, limit: 50).map {
            ["id": $0.id, "text": $0.text, "state": $0.state.label.text(language), "at": LocalTime.minute($0.createdAt, in: site.zone)]
        }
        let recusals = try await inspections.recusals(site: unit.siteID).filter { $0.unitID == unit.id }
        data["recusals"] = recusals.map { ["staff": $0.staffID, "name": $0.staffName, "reason": $0.reason] }
        data["inspectorChoices"] = try await inspections.inspectors(site: unit.siteID).filter { inspector in
            !recusals.contains { $0.staffID == inspector.id }
        }.map { ["id": $0.id, "name": "\($0.name) (\($0.login))"] }
        /// A grade change (`fair>good`) in words (`一般 → 良好`).
        func words(_ entry: AuditEntry) -> String? {
            guard entry.action == "grade", let detail = entry.detail else { return entry.detail }
            return UnitGrade.changeText(detail, in: language)
        }
        data["trail"] = try await services.store.audit(AuditQuery(unitID: unit.id, limit: 200)).map { entry -> [String: Any] in
            [
                "at": LocalTime.minute(entry.at, in: site.zone), "kind": entry.kind == .finding ? (entry.subject ?? "") : "",
                "action": t["trail_\(entry.action)"] ?? entry.action, "who": entry.initiatorName ?? entry.initiator,
                "detail": OfficePages.section(words(entry)),
            ]
        }
        return data
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = try await admin(request) else { return StaffPages.toLogin(request) }
        let id = try context.parameters.require("id", as: Int64.self)
        try await mustAdminister(unit: id, principal)
        let form = try await PublicPages.form(UnitForm.self, request, context)
        var draft = form.draft
        draft.active = try await services.store.inspections.unit(id).unit.active
        if let refused = refusedForm(draft, to: "/admin/units/\(id)", request) { return refused }
        do {
            _ = try await services.store.inspections.updateUnit(id, draft, by: principal.initiator)
            return Response(status: .seeOther, headers: [.location: "/admin/units/\(id)\(PublicPages.langQuery(request))"])
        } catch let error as QuhaoError where error.code != .unitNotFound {
            return services.flash.redirect(to: "/admin/units/\(id)", request, error: error, fields: Self.fields(draft))
        }
    }

    struct ActiveForm: Decodable {
        var active: String
        var confirm: String?
    }

    /// A change that cannot be taken back by accident (a token rotated, a unit deactivated) is made only
    /// once confirmed: by the page's script, or on the unit's page asking (`?confirm=…`) when there is none.
    static let confirmations: [String: (question: String, action: String, field: String, value: String)] = [
        "deactivate": ("admin_deactivate_confirm", "active", "active", "no"),
        "rotate-poster": ("admin_rotate_poster_confirm", "rotate", "kind", "poster"),
        "rotate-private": ("admin_rotate_private_confirm", "rotate", "kind", "private"),
    ]

    func askToConfirm(_ request: Request, unit id: Int64, _ what: String) -> Response {
        Response(status: .seeOther, headers: [.location: StaffPages.withLanguage("/admin/units/\(id)?confirm=\(what)", request)])
    }

    @Sendable func setActive(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = try await admin(request) else { return StaffPages.toLogin(request) }
        let id = try context.parameters.require("id", as: Int64.self)
        try await mustAdminister(unit: id, principal)
        let form = try await PublicPages.form(ActiveForm.self, request, context)
        if form.active != "yes", form.confirm != "yes" {
            return askToConfirm(request, unit: id, "deactivate")
        }
        _ = try await services.store.inspections.setUnitActive(id, form.active == "yes", by: principal.initiator)
        return Response(status: .seeOther, headers: [.location: "/admin/units/\(id)\(PublicPages.langQuery(request))"])
    }

    struct RotateForm: Decodable {
        var kind: String
        var confirm: String?
    }

    @Sendable func rotate(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = try await admin(request) else { return StaffPages.toLogin(request) }
        let id = try context.parameters.require("id", as: Int64.self)
        try await mustAdminister(unit: id, principal)
        let form = try await PublicPages.form(RotateForm.self, request, context)
        if form.confirm != "yes" {
            return askToConfirm(request, unit: id, form.kind == "private" ? "rotate-private" : "rotate-poster")
        }
        _ = try await services.store.inspections.rotateToken(form.kind == "private" ? .private : .poster, unit: id, by: principal.initiator)
        return Response(status: .seeOther, headers: [.location: "/admin/units/\(id)\(PublicPages.langQuery(request))"])
    }

    /// A unit's printable A4 sheet (``UnitSheets``): `?kind=poster` the notice for its door, `?kind=private`
    /// the private link's sheet for its contact. No-store: the private one is a credential.
    @Sendable func sheet(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = try await admin(request) else { return StaffPages.toLogin(request) }
        let id = try context.parameters.require("id", as: Int64.self)
        try await mustAdminister(unit: id, principal)
        let registered = try await services.store.inspections.unit(id)
        let kind: UnitTokenKind = request.uri.queryParameters.get("kind") == "private" ? .private : .poster
        let url =
            kind == .poster
            ? "\(services.settings.publicURL)/p/\(registered.posterToken)" : "\(services.settings.publicURL)/u/\(registered.privateToken)"
        let office = try await services.store.site(registered.unit.siteID)
        let latest = try await UnitSheets.latestResult(services.store.inspections, unit: id)
        let sheet = UnitSheets.sheet(kind, unit: registered.unit, office: office, latest: latest)
        let html = sheet.html(code: try QRRoutes.matrix(url), title: "\(sheet.band) · \(registered.unit.name)")
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    // MARK: - Figures

    @Sendable func figures(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = try await admin(request) else { return StaffPages.toLogin(request) }
        let site = try await office(request, principal)
        let language = request.language
        let (t, _) = Templates.strings(language)
        let (from, to) = try QueryReader(request).period()
        let summary = try await services.store.inspections.summary(site: site.id, from: from, to: to)
        func row(_ label: String, _ figures: InspectionSummary.Figures) -> [String: Any] {
            [
                "label": label, "units": figures.unitsInspected, "inspections": figures.inspections, "findings": figures.findings,
                "rectified": figures.rectified, "rate": figures.rectificationRate.map { String(format: "%.1f %%", $0) } ?? "—",
            ]
        }
        var rows = [row(t["figures_total"] ?? "", summary.total)]
        rows += InspectionResult.allCases.map { row($0.label.text(language), summary.byResult[$0] ?? .init()) }
        rows += UnitType.allCases.map { row($0.label.text(language), summary.byType[$0] ?? .init()) }
        rows += RiskLevel.allCases.map { row(Catalogue.fill(t["figures_risk"] ?? "", with: ["risk": $0.rawValue]), summary.byRisk[$0] ?? .init()) }
        let rate = summary.rectificationRate.map { String(format: "%.1f %%", $0) } ?? "—"
        let csvQuery = "site=\(site.id)" + (from.map { "&from=\($0.iso)" } ?? "") + (to.map { "&to=\($0.iso)" } ?? "")
        let data: [String: Any] = [
            "title": t["admin_figures_title"] ?? "", "siteName": site.name.text(language), "user": principal.name, "site": site.id,
            "from": from?.iso ?? "", "to": to?.iso ?? "", "rows": rows, "findings": summary.total.findings, "rectified": summary.total.rectified,
            "csv": "/api/v1/inspections/summary?\(csvQuery)&format=csv",
            "headline": Catalogue.fill(
                t["figures_headline"] ?? "",
                with: [
                    "units": String(summary.total.unitsInspected), "findings": String(summary.total.findings),
                    "rectified": String(summary.total.rectified), "rate": rate,
                ]),
            "onSite": summary.onSite, "remote": summary.remoteVideo, "selfCount": summary.selfInspections,
            "awaiting": summary.awaitingVerification, "answeredLate": summary.answeredLate, "open": summary.open, "overdue": summary.overdue,
            "due": summary.due.map {
                [
                    "risk": $0.risk.rawValue, "minimum": $0.minimumVisits, "active": $0.activeUnits, "due": $0.dueForVisit, "behind": $0.behind,
                    "site": site.id,
                ]
            },
        ]
        return try await page("admin-inspections", request, principal, data)
    }

    func page(_ name: String, _ request: Request, _ principal: Principal, _ data: [String: Any], status: HTTPResponse.Status = .ok)
        async throws -> Response
    {
        try await services.staffPage(templates, name, request, principal, data, status: status)
    }
}
