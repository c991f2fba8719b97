import Foundation
import Hummingbird
import LiveBoard
import QuhaoCore
import QuhaoStore

/// A canteen unit's pages: `/u/{token}` (its own, by the private link) and `/p/{token}` (the
/// poster at its premises: public facts, and the check-in for a signed-in inspector). Forms work
/// without JavaScript.
struct UnitPages {
    let services: AppDependencies
    let templates: Templates

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get("u/:token", use: unitPage)
        routes.post("u/:token/request", use: requestSubmit)
        routes.post("u/:token/withdraw", use: withdrawSubmit)
        routes.post("u/:token/self-inspection", use: selfInspectionSubmit)
        routes.post("u/:token/findings/:finding", use: rectifySubmit)
        routes.get("u/:token/photos/:sha", use: unitPhoto)
        routes.get("u/:token/code", use: codePage)
        routes.get("p/:token", use: posterPage)
        routes.post("p/:token/check-in", use: checkInSubmit)
        routes.post("p/:token/complaint", use: complaintSubmit)
        return routes
    }

    // MARK: - The unit's own page

    @Sendable func unitPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await renderUnit(request, token: try context.parameters.require("token"), error: nil)
    }

    func renderUnit(_ request: Request, token: String, error refusal: QuhaoError?) async throws -> Response {
        // A refused form came back here with its message and what was typed.
        let flash = services.flash.message(request)
        let error = refusal ?? flash?.error
        let typed = flash?.fields ?? [:]
        let overview = try await services.store.inspections.overview(unitToken: token)
        let unit = overview.unit.unit
        let language = request.language
        let (t, _) = Templates.strings(language)
        let catalogue = Catalogue.of(language)
        let site = try await services.board.snapshot(unit.siteID).site
        let today = site.businessDay(at: services.clock.now())
        var data: [String: Any] = [
            "t": t, "lang": language.rawValue, "title": t["unit_title"] ?? "", "siteName": site.name.text(language), "token": token,
            "langQuery": PublicPages.langQuery(request), "unitName": unit.name, "address": unit.address, "type": unit.type.label.text(language),
            "risk": unit.risk.rawValue, "active": unit.active, "refreshSeconds": 30,
        ]
        if let open = overview.open {
            var current: [String: Any] = ["kind": open.inspection.kind.label.text(language), "status": open.inspection.status.label.text(language)]
            if let ticket = open.ticket {
                current["number"] = Catalogue.fill(t["unit_number"] ?? "", with: ["number": ticket.number.description])
                if open.inspection.status == .requested, let view = try? await services.ticketView(ticket.token).view, let ahead = view.peopleAhead {
                    current["ahead"] = ahead == 0 ? t["unit_next"] ?? "" : Catalogue.fill(t["unit_ahead"] ?? "", with: ["n": String(ahead)])
                }
            }
            if open.inspection.status != .requested, let team = open.inspection.counterID {
                let name = site.counter(team)?.name?.text(language) ?? String(team)
                current["team"] = Catalogue.fill(
                    t["unit_team"] ?? "", with: ["team": name, "names": open.inspection.inspectors.joined(separator: "、")])
            }
            current["canWithdraw"] = open.inspection.status == .requested
            data["open"] = current
        } else if unit.active {
            data["canRequest"] = true
            data["canRecheck"] = !overview.openFindings.isEmpty
        }
        let current = try? await services.store.inspections.checklist(site: unit.siteID)
        data["findings"] = try await overview.openFindings.asyncMap { finding -> [String: Any] in
            let item = current?.item(finding.itemCode)
            var row: [String: Any] = [
                "id": finding.id, "code": finding.itemCode, "item": item?.text.text(language) ?? finding.itemCode,
                "severity": finding.severity.label.text(language), "key": finding.severity == .key, "description": finding.description,
                "due": Catalogue.fill(t["unit_due"] ?? "", with: ["day": finding.due.iso]), "overdue": finding.isOverdue(today: today),
                "state": finding.state.label.text(language), "canRectify": finding.state.acceptsRectification && unit.active,
                "typed": typed["finding"] == String(finding.id) ? typed["text"] ?? "" : "",
            ]
            if let reason = finding.rejectionReason, finding.state == .open {
                row["rejected"] = Catalogue.fill(t["unit_rejected"] ?? "", with: ["reason": reason])
            }
            // A due day moved by the office says so, with why (the latest move).
            if let moved = try await services.store.inspections.dueMoves(finding: finding.id).last {
                row["dueMoved"] = Catalogue.fill(
                    t["unit_due_moved"] ?? "", with: ["from": moved.from.iso, "to": moved.to.iso, "reason": moved.reason])
            }
            // What it sent, as it sent it, answer by answer (only this unit's own photos are served at this address).
            let answers = AnswerHistory.fields(
                finding, try await services.store.inspections.answers(finding: finding.id), language: language, zone: site.zone,
                photo: { "/u/\(token)/photos/\($0)" })
            row.merge(answers) { _, history in history }
            if answers["current"] != nil { row["answer"] = Catalogue.fill(t["unit_your_answer"] ?? "", with: ["text": finding.response ?? ""]) }
            return row
        }
        data["hasFindings"] = !overview.openFindings.isEmpty
        if let latest = overview.latest, let result = latest.result, let at = latest.recordedAt {
            data["latest"] = Catalogue.fill(
                t["unit_latest"] ?? "",
                with: [
                    "result": result.label.text(language), "day": site.businessDay(at: at).iso,
                    "mode": latest.mode?.label.text(language) ?? "",
                ])
            if !latest.inspectors.isEmpty {
                data["latestInspectors"] = Catalogue.fill(
                    t["unit_latest_inspectors"] ?? "", with: ["names": latest.inspectors.joined(separator: "、")])
            }
        }
        if let grade = overview.unit.unit.grade {
            data["grade"] = "\(grade.face) \(grade.label.text(language))"
        }
        if let own = overview.latestSelf, let result = own.result, let at = own.recordedAt {
            data["selfLast"] = Catalogue.fill(
                t["unit_self_last"] ?? "", with: ["day": site.businessDay(at: at).iso, "result": result.label.text(language)])
        }
        if unit.active, let checklist = current {
            let answered = typed["finding"] == nil ? (try? Self.items(from: typed)) ?? [:] : [:]
            data["checklist"] = Self.checklistRows(checklist, language: language, entries: answered)
            data["hasChecklist"] = true
            data["submission"] = services.random.token(byteCount: 12)
            data["selfOpen"] = !answered.isEmpty
        }
        if let error { data["error"] = catalogue.message(for: error) }
        return templates.page("unit", data, status: error?.status ?? .ok)
    }

    /// A checklist as form rows: sections with their items and the four outcomes.
    static func checklistRows(_ checklist: Checklist, language: Language, entries: [String: ItemEntry]) -> [[String: Any]] {
        checklist.sections.map { section in
            [
                "section": section.section.text(language),
                "items": section.items.map { item -> [String: Any] in
                    let chosen = entries[item.code]?.outcome
                    return [
                        "code": item.code, "text": item.text.text(language), "key": item.isKey, "note": entries[item.code]?.note ?? "",
                        "outcomes": ItemOutcome.allCases.map { outcome in
                            ["value": outcome.rawValue, "label": outcome.label.text(language), "checked": chosen == outcome]
                        },
                    ]
                },
            ]
        }
    }

    struct RequestForm: Decodable {
        var kind: String
    }

    @Sendable func requestSubmit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = try context.parameters.require("token")
        let form = try await PublicPages.form(RequestForm.self, request, context)
        return try await act(request, token: token) {
            let kind: InspectionKind = form.kind == "reinspection" ? .reinspection : .routine
            _ = try await services.store.inspections.request(kind, unitToken: token)
        }
    }

    @Sendable func withdrawSubmit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = try context.parameters.require("token")
        return try await act(request, token: token) { _ = try await services.store.inspections.withdrawRequest(unitToken: token) }
    }

    @Sendable func selfInspectionSubmit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = try context.parameters.require("token")
        let fields = try await PublicPages.form([String: String].self, request, context)
        return try await act(
            request, token: token, fields: { fields },
            action: {
                // The form's one-time key: a double tap (or a resent form) records one self-inspection.
                _ = try await services.store.inspections.selfInspection(
                    unitToken: token, items: try Self.items(from: fields), summary: fields["summary"], submission: fields["submission"])
            })
    }

    /// A rectification: `text`, and photos (`photos[]`) as `multipart/form-data` (a plain
    /// url-encoded form is taken too, without photos). Each photo is told by its bytes and kept by
    /// its hash before the finding changes; a refusal shows the page with the message.
    @Sendable func rectifySubmit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = try context.parameters.require("token")
        let finding = try context.parameters.require("finding", as: Int64.self)
        let unit = try await services.store.inspections.unit(token: token, as: .private).unit
        let rules = try await services.board.snapshot(unit.siteID).site.inspection
        let maxPhotos = rules?.maxPhotos ?? 6
        let maxBytes = rules?.maxPhotoBytes ?? 8 * 1_048_576
        var sent = ["finding": String(finding)]
        return try await act(
            request, token: token, fields: { sent },
            action: {
                let upload = try await PhotoUploads.receive(request, services: services, maxPhotos: maxPhotos, maxBytes: maxBytes)
                let text = upload.fields["text"] ?? ""
                sent["text"] = text
                guard upload.files.isEmpty || !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                    throw QuhaoError(.findingTextRequired, ["what": "整改情况说明", "what@en": "what was done"])
                }
                let photos = try await upload.photos("photos", services: services)
                _ = try await services.store.inspections.submitRectification(unitToken: token, finding: finding, text: text, photos: photos)
            })
    }

    /// A photo of one of the unit's own rectifications (never another unit's).
    @Sendable func unitPhoto(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = try context.parameters.require("token")
        let unit = try await services.store.inspections.unit(token: token, as: .private).unit
        guard let photo = try await services.store.inspections.photo(try context.parameters.require("sha"), belongsTo: unit.id) else {
            throw QuhaoError(.evidenceNotFound)
        }
        return try await EvidenceRoutes.response(photo, files: services.settings.evidence)
    }

    /// The outcomes of a checklist form: `item.<code>` = yes | no | na | not_observed, `note.<code>`, `fixed.<code>`.
    static func items(from fields: [String: String]) throws -> [String: ItemEntry] {
        var items: [String: ItemEntry] = [:]
        for (key, value) in fields where key.hasPrefix("item.") {
            let code = String(key.dropFirst(5))
            guard let outcome = ItemOutcome(rawValue: value) else {
                throw QuhaoError(.requestInvalid, ["reason": "第 \(code) 项的答案无法识别", "reason@en": "item \(code): unknown answer"])
            }
            let note = fields["note.\(code)"]?.trimmingCharacters(in: .whitespacesAndNewlines)
            items[code] = ItemEntry(outcome, note: note?.isEmpty == false ? note : nil, correctedOnSite: fields["fixed.\(code)"] == "yes")
        }
        return items
    }

    /// Runs a unit's form action, then back to its page (303): with the refusal and what was typed when
    /// it was refused (``FormFlash``), so Back and reload never send the form again.
    /// - Parameter fields: What the form held, shown again after a refusal.
    func act(_ request: Request, token: String, fields: () -> [String: String] = { [:] }, action: () async throws -> Void) async throws
        -> Response
    {
        do {
            try await action()
            // The page it goes back to shows the place in the queue from the live board: it must hold this change.
            try await services.boardHoldsOwnChanges(site: try await services.store.inspections.unit(token: token, as: .private).unit.siteID)
            return Response(status: .seeOther, headers: [.location: "/u/\(token)\(PublicPages.langQuery(request))"])
        } catch let error as QuhaoError where error.code != .unitTokenInvalid && error.code != .unitTokenWrongKind {
            return services.flash.redirect(to: "/u/\(token)", request, error: error, fields: fields())
        }
    }

    /// The unit's own screen for inspectors on site: the code of the minute as digits and as a QR of
    /// the poster's address with the code, reloaded as the code turns.
    @Sendable func codePage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = try context.parameters.require("token")
        let registered = try await services.store.inspections.unit(token: token, as: .private)
        guard registered.unit.active else { throw QuhaoError(.unitInactive) }
        let (code, refreshIn) = try await services.store.inspections.onSiteCode(unitToken: token)
        let language = request.language
        let (t, _) = Templates.strings(language)
        let site = try await services.board.snapshot(registered.unit.siteID).site
        return templates.page(
            "unit-code",
            [
                "t": t, "lang": language.rawValue, "title": t["unit_code_title"] ?? "", "siteName": site.name.text(language),
                "unitName": registered.unit.name, "code": code, "posterToken": registered.posterToken, "autoRefreshSeconds": refreshIn,
            ])
    }

    // MARK: - The poster

    @Sendable func posterPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await renderPoster(request, token: try context.parameters.require("token"), error: nil)
    }

    func renderPoster(_ request: Request, token: String, error refusal: QuhaoError?) async throws -> Response {
        let flash = services.flash.message(request)
        let error = refusal ?? flash?.error
        let code = flash?.fields["c"]
        let registered = try await services.store.inspections.unit(token: token, as: .poster)
        let unit = registered.unit
        let language = request.language
        let (t, _) = Templates.strings(language)
        let site = try await services.board.snapshot(unit.siteID).site
        var data: [String: Any] = [
            "t": t, "lang": language.rawValue, "title": t["poster_title"] ?? "", "siteName": site.name.text(language), "token": token,
            "langQuery": PublicPages.langQuery(request), "unitName": unit.name, "address": unit.address, "type": unit.type.label.text(language),
            "licence": unit.licence,
        ]
        // Public facts only: the latest result by the office, never a finding's text or a contact; a unit
        // that is closed says so instead of a result that no longer means anything.
        if !unit.active {
            data["closed"] = t["sheet_closed"]
        } else if let latest = try await UnitSheets.latestResult(services.store.inspections, unit: unit.id), let result = latest.result,
            let at = latest.recordedAt
        {
            data["latest"] = Catalogue.fill(
                t["poster_latest"] ?? "", with: ["day": site.businessDay(at: at).iso, "result": result.label.text(language)])
            data["resultClass"] = result.rawValue
        }
        // The grade at the door (量化分级): a face and the day it was set; none before a first inspection.
        if unit.active, let grade = unit.grade {
            data["grade"] = grade.label.text(language)
            data["face"] = grade.face
            data["gradeClass"] = grade.rawValue
            data["gradeDay"] = unit.gradeSetAt.map { site.businessDay(at: $0).iso } ?? ""
        }
        if let id = flash?.fields["complaint"] {
            data["done"] = Catalogue.fill(t["poster_complain_done"] ?? "", with: ["id": id])
        }
        if let fields = flash?.fields, fields["complaint"] == nil, fields["text"] != nil {
            // A refused complaint comes back as it was typed.
            data["complaintOpen"] = true
            data["complaintText"] = fields["text"] ?? ""
            data["complaintWhen"] = fields["happened"] ?? ""
            data["complaintPhone"] = fields["phone"] ?? ""
        }
        // Opened from the unit's own screen: its code of the minute goes with the check-in.
        let shown: String? = code ?? request.uri.queryParameters.get("c").map { String($0) }
        if let shown, shown.count == 6, shown.allSatisfy({ $0.isNumber }) { data["code"] = shown }
        if let principal = try? await StaffAuth.require(request, services: services), principal.role != .staff,
            principal.worksAt(unit.siteID)
        {
            data["inspector"] = principal.name
            data["teams"] = site.counters.map { ["id": $0.id, "name": $0.name?.text(language) ?? String($0.id)] }
            let me = principal.account.map(\.id)
            data["companions"] = try await services.store.inspections.companions(site: unit.siteID, unit: unit.id, except: me).map {
                ["id": $0.id, "name": $0.name]
            }
        } else {
            data["hint"] = t["poster_inspector_hint"]
            // Back to this poster after signing in, with the unit screen's code when it came with one.
            let back = "/p/\(token)" + ((data["code"] as? String).map { "?c=\($0)" } ?? "")
            data["signIn"] = "/staff/login?next=" + (back.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        }
        if let error { data["error"] = Catalogue.of(language).message(for: error) }
        return templates.page("poster", data, status: error?.status ?? .ok)
    }

    struct CheckInForm {
        var team: Int?
        /// The code the unit's own screen showed, when its QR was scanned rather than the poster.
        var code: String?
        /// Colleagues chosen as being there too (`with.{staff id}=yes`).
        var companions: [Int64]

        init(_ fields: [String: String]) {
            team = fields["team"].flatMap { Int($0) }
            code = fields["code"]
            companions = fields.compactMap { key, value in
                key.hasPrefix("with.") && value == "yes" ? Int64(key.dropFirst(5)) : nil
            }.sorted()
        }
    }

    /// A signed-in inspector on the premises checks in with the poster's token.
    @Sendable func checkInSubmit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = try context.parameters.require("token")
        let form = CheckInForm(try await PublicPages.form([String: String].self, request, context))
        let principal: Principal
        do {
            principal = try await StaffAuth.require(request, services: services)
        } catch let error as QuhaoError where error.code == .authRequired {
            // Signed out (or the session expired on the way): the poster again, saying how to sign in, with the link
            // back here. A stranger with a made-up token learns nothing: the refusal stays the sign-in one.
            guard (try? await services.store.inspections.unit(token: token, as: .poster)) != nil else { throw error }
            return services.flash.redirect(to: "/p/\(token)", request, error: error, fields: form.code.map { ["c": $0] } ?? [:])
        }
        guard principal.role == .admin || principal.role == .inspector else { throw QuhaoError(.authForbidden) }
        let unit = try await services.store.inspections.unit(token: token, as: .poster).unit
        guard principal.worksAt(unit.siteID) else { throw QuhaoError(.authForbidden) }
        do {
            let inspection = try await services.store.inspections.checkIn(
                posterToken: token, code: form.code, team: form.team, with: form.companions,
                by: Inspector(initiator: principal.initiator, name: principal.name))
            await services.boardHoldsOwnChanges(site: unit.siteID)
            return Response(status: .seeOther, headers: [.location: "/inspect/i/\(inspection.id)\(PublicPages.langQuery(request))"])
        } catch let error as QuhaoError where error.code != .unitTokenInvalid {
            return services.flash.redirect(to: "/p/\(token)", request, error: error, fields: form.code.map { ["c": $0] } ?? [:])
        }
    }
}

extension UnitPages {
    /// A diner's complaint from the poster (`text`, `happened`, `phone`, one `photo`): no account; the
    /// poster again with its number, or with the refusal and what was typed.
    @Sendable func complaintSubmit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = try context.parameters.require("token")
        let unit = try await services.store.inspections.unit(token: token, as: .poster).unit
        let rules = try await services.board.snapshot(unit.siteID).site.inspection
        let upload = try await PhotoUploads.receive(request, services: services, maxPhotos: 1, maxBytes: rules?.maxPhotoBytes ?? 8 * 1_048_576)
        let typed = ["text": upload.fields["text"] ?? "", "happened": upload.fields["happened"] ?? "", "phone": upload.fields["phone"] ?? ""]
        let (device, cookie) = PublicAPI.device(request, random: services.random, secure: services.settings.isHTTPS)
        var response: Response
        do {
            let photo = try await upload.photos("photo", services: services).first
            let complaint = try await services.store.inspections.fileComplaint(
                posterToken: token, ComplaintDraft(text: typed["text"]!, happened: typed["happened"]!, phone: typed["phone"]!), photo: photo,
                device: device, address: context.clientKey)
            response = services.flash.redirect(to: "/p/\(token)", request, fields: ["complaint": String(complaint.id)])
        } catch let error as QuhaoError where error.code != .unitTokenInvalid {
            response = services.flash.redirect(to: "/p/\(token)", request, error: error, fields: typed)
        }
        if let cookie { response.headers[.setCookie] = cookie.description }
        return response
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
