import Foundation
import Hummingbird
import LiveBoard
import QuhaoCore
import QuhaoStore

/// The inspector's pages (phone-first, forms without JavaScript): `/inspect` (the teams, call the
/// next unit, rectifications to verify) and `/inspect/i/{id}` (one inspection: the unit, its
/// history and open findings, remote video, the checklist, check-out). Inspectors of the office
/// and admins only; the check-in itself is on the poster page the phone's camera opens.
struct InspectorPages {
    let services: AppDependencies
    let templates: Templates

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get(use: home)
        routes.post(":site/:team/call-next", use: callNext)
        routes.post(":site/:team/release", use: releaseSubmit)
        routes.get("i/:id", use: inspectionPage)
        routes.post("i/:id/remote", use: remoteSubmit)
        routes.post("i/:id/record", use: recordSubmit)
        routes.post("i/:id/check-out", use: checkOutSubmit)
        routes.post("i/:id/photos", use: photosSubmit)
        routes.get("i/:id/sheet", use: sheetPage)
        routes.get("i/:id/sheet.pdf", use: sheetPDF)
        routes.post("findings/:id/due", use: dueSubmit)
        routes.post("findings/:id/verify", use: verifySubmit)
        routes.post("findings/:id/reject", use: rejectSubmit)
        return routes
    }

    /// The signed-in inspector (or admin) of an office; `nil`: not signed in (the page sends them to sign in).
    /// (Who asks is checked before anything is looked up: a stranger learns nothing of what exists.)
    func inspector(_ request: Request, site: String? = nil) async throws -> Principal? {
        let principal: Principal
        do {
            principal = try await StaffAuth.require(request, services: services)
        } catch let error as QuhaoError where error.code == .authRequired {
            return nil
        }
        guard principal.role == .admin || principal.role == .inspector else { throw QuhaoError(.authForbidden) }
        if let site, !principal.worksAt(site) { throw QuhaoError(.authForbidden) }
        return principal
    }

    static func toLogin(_ request: Request) -> Response { StaffPages.toLogin(request) }

    // MARK: - Home

    @Sendable func home(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await renderHome(request, error: nil)
    }

    func renderHome(_ request: Request, error refusal: QuhaoError?) async throws -> Response {
        guard let principal = try await inspector(request) else { return Self.toLogin(request) }
        let error = refusal ?? services.flash.message(request)?.error
        let language = request.language
        let (t, _) = Templates.strings(language)
        var offices: [[String: Any]] = []
        for siteID in try await services.store.siteIDs() {
            let snapshot = try await services.board.snapshot(siteID)
            let site = snapshot.site
            guard site.kind == .inspection, principal.worksAt(siteID) else { continue }
            let waiting = snapshot.board.services.map(\.waiting).reduce(0, +)
            var teams: [[String: Any]] = []
            for counter in site.counters {
                var team: [String: Any] = ["id": counter.id, "name": counter.name?.text(language) ?? String(counter.id), "site": siteID]
                if let held = try await services.store.inspections.held(site: siteID, team: counter.id) {
                    team["held"] = [
                        "id": held.inspection.id, "unit": held.unit.name, "status": held.inspection.status.label.text(language),
                        "number": held.ticket?.number.description ?? "",
                        "canRelease": held.inspection.mode == nil && held.inspection.status == .called, "team": counter.id,
                    ]
                }
                teams.append(team)
            }
            let awaiting = try await services.store.inspections.awaitingVerification(site: siteID).asyncMap { finding -> [String: Any] in
                let unit = try await services.store.inspections.unit(finding.unitID).unit
                // The answer to verify shows its own photos only; earlier answers and why they were sent back, apart.
                let row: [String: Any] = [
                    "id": finding.id, "unit": unit.name, "code": finding.itemCode, "description": finding.description,
                    "response": finding.response ?? "", "due": Catalogue.fill(t["unit_due"] ?? "", with: ["day": finding.due.iso]),
                ]
                return row.merging(
                    AnswerHistory.fields(
                        finding, try await services.store.inspections.answers(finding: finding.id), language: language, zone: site.zone,
                        photo: { "/evidence/\($0)" })
                ) { _, history in history }
            }
            offices.append([
                "name": site.name.text(language), "teams": teams, "waiting": Catalogue.fill(t["inspect_waiting"] ?? "", with: ["n": String(waiting)]),
                "awaiting": awaiting, "hasAwaiting": !awaiting.isEmpty,
            ])
        }
        var data: [String: Any] = ["title": t["inspect_title"] ?? "", "siteName": principal.name, "user": principal.name, "offices": offices]
        if let error { data["error"] = Catalogue.of(language).message(for: error) }
        return try await page("inspect", request, principal, data, status: error?.status ?? .ok)
    }

    @Sendable func callNext(_ request: Request, context: AppRequestContext) async throws -> Response {
        let site = try context.parameters.require("site")
        let team = try context.parameters.require("team", as: Int.self)
        guard let principal = try await inspector(request, site: site) else { return Self.toLogin(request) }
        do {
            _ = try await services.store.inspections.callNext(
                site: site, team: team, by: Inspector(initiator: principal.initiator, name: principal.name))
            await services.boardHoldsOwnChanges(site: site)
            guard let held = try await services.store.inspections.held(site: site, team: team) else {
                throw QuhaoError(.inspectionQueueEmpty, ["team": String(team)])
            }
            return redirect(request, "/inspect/i/\(held.inspection.id)")
        } catch let error as QuhaoError where error.code != .authForbidden {
            return services.flash.redirect(to: "/inspect", request, error: error)
        }
    }

    /// The team hands its request back to the queue (before checking in), for any team to call.
    @Sendable func releaseSubmit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let site = try context.parameters.require("site")
        let team = try context.parameters.require("team", as: Int.self)
        guard let principal = try await inspector(request, site: site) else { return Self.toLogin(request) }
        do {
            try await services.store.inspections.release(site: site, team: team, by: Inspector(initiator: principal.initiator, name: principal.name))
            await services.boardHoldsOwnChanges(site: site)
            return redirect(request, "/inspect")
        } catch let error as QuhaoError where error.code != .authForbidden {
            return services.flash.redirect(to: "/inspect", request, error: error)
        }
    }

    // MARK: - One inspection

    @Sendable func inspectionPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await renderInspection(request, id: try context.parameters.require("id", as: Int64.self), error: nil, entries: [:])
    }

    func renderInspection(_ request: Request, id: Int64, error refusal: QuhaoError?, entries sent: [String: ItemEntry]) async throws -> Response {
        guard try await inspector(request) != nil else { return Self.toLogin(request) }
        // A refused form came back here with its message and the answers given.
        let flash = services.flash.message(request)
        let error = refusal ?? flash?.error
        let entries = sent.isEmpty ? flash.flatMap { try? UnitPages.items(from: $0.fields) } ?? [:] : sent
        let details = try await services.store.inspections.details(id)
        guard let principal = try await inspector(request, site: details.inspection.siteID) else { return Self.toLogin(request) }
        let inspection = details.inspection
        let language = request.language
        let (t, _) = Templates.strings(language)
        let site = try await services.board.snapshot(inspection.siteID).site
        let today = site.businessDay(at: services.clock.now())
        var data: [String: Any] = [
            "title": details.unit.name, "siteName": site.name.text(language), "user": principal.name, "id": id, "inspectionID": id,
            "unitName": details.unit.name,
            "address": details.unit.address, "type": details.unit.type.label.text(language), "risk": details.unit.risk.rawValue,
            "contact": "\(details.unit.contactName) \(details.unit.contactPhone)", "kind": inspection.kind.label.text(language),
            "status": inspection.status.label.text(language), "number": details.ticket?.number.description ?? "",
        ]
        if let at = inspection.checkedInAt, let proof = inspection.checkInProof {
            let time = LocalTime.minute(at, in: site.zone)
            data["checkedIn"] = Catalogue.fill(
                t["inspect_checked_in"] ?? "", with: ["time": time, "proof": t["inspect_proof_\(proof.rawValue)"] ?? ""])
        }
        if let mode = inspection.mode { data["mode"] = mode.label.text(language) }
        let canStart = inspection.mode == nil && [.requested, .called, .inProgress].contains(inspection.status)
        data["needCheckIn"] = canStart
        data["canRemote"] = canStart && details.unit.cameraURL != nil
        data["camera"] = details.unit.cameraURL ?? ""
        // Who is on the record, and whether the office's minimum is met yet.
        let team = try await services.store.inspections.visitInspectors(id)
        if let mode = inspection.mode, let rules = site.inspection {
            let minimum = rules.minimumInspectors(mode)
            data["team"] = team.map { ["name": $0.name, "how": $0.how.label.text(language), "time": LocalTime.clock($0.joinedAt, in: site.zone)] }
            data["teamTitle"] = Catalogue.fill(t["inspect_team"] ?? "", with: ["count": String(team.count), "minimum": String(minimum)])
            if team.count < minimum && inspection.status == .inProgress {
                data["teamShort"] = Catalogue.fill(t["inspect_team_short"] ?? "", with: ["minimum": String(minimum)])
            }
        }
        let photos = try await services.store.inspections.sitePhotos(id)
        let photosByItem = Dictionary(grouping: photos, by: \.itemCode).mapValues { $0.map { ["sha": $0.sha256] } }
        let canPhoto = inspection.mode != nil && (inspection.status == .inProgress || inspection.status == .recorded)
        if inspection.mayRecord && inspection.status != .recorded, let checklist = details.checklist {
            data["checklist"] = UnitPages.checklistRows(checklist, language: language, entries: entries).map { section in
                var section = section
                section["items"] = (section["items"] as? [[String: Any]] ?? []).map { item in
                    var item = item
                    item["photos"] = photosByItem[item["code"] as? String ?? ""] ?? []
                    item["hasPhotos"] = photosByItem[item["code"] as? String ?? ""] != nil
                    item["canPhoto"] = canPhoto
                    return item
                }
                return section
            }
            data["hasChecklist"] = true
            data["checklistTitle"] = Catalogue.fill(t["inspect_checklist"] ?? "", with: ["version": String(checklist.version)])
        }
        data["canPhoto"] = canPhoto
        if let result = inspection.result {
            data["result"] = Catalogue.fill(t["inspect_result"] ?? "", with: ["result": result.label.text(language)])
            data["findings"] = details.findings.map {
                [
                    "id": $0.id, "code": $0.itemCode, "description": $0.description, "state": $0.state.label.text(language), "due": $0.due.iso,
                    "key": $0.severity == .key, "photos": photosByItem[$0.itemCode] ?? [], "hasPhotos": photosByItem[$0.itemCode] != nil,
                    "canMove": $0.state != .verified,
                    "minDue": today.adding(days: 1).iso,
                ]
            }
            data["sheet"] = "/inspect/i/\(id)/sheet"
        }
        data["canCheckOut"] = inspection.status == .recorded
        if let reason = inspection.unsignedReason {
            data["unsignedReason"] = Catalogue.fill(t["inspect_unsigned_said"] ?? "", with: ["reason": reason])
        }
        if let signedBy = inspection.signedBy, let at = inspection.signedAt {
            data["signed"] = Catalogue.fill(t["inspect_signed"] ?? "", with: ["name": signedBy, "time": LocalTime.minute(at, in: site.zone)])
            data["signature"] = inspection.signature ?? ""
        }
        let open = try await services.store.inspections.findings(unit: details.unit.id, openOnly: true)
        data["openFindings"] = open.filter { $0.inspectionID != id }.map {
            [
                "code": $0.itemCode, "description": $0.description, "state": $0.state.label.text(language), "due": $0.due.iso,
                "overdue": $0.isOverdue(today: today),
            ]
        }
        data["history"] = try await services.store.inspections.history(unit: details.unit.id).filter { $0.id != id }.prefix(10).map {
            [
                "kind": $0.kind.label.text(language), "day": site.businessDay(at: $0.recordedAt ?? $0.requestedAt).iso,
                "result": $0.result?.label.text(language) ?? $0.status.label.text(language),
            ]
        }
        if let error { data["error"] = Catalogue.of(language).message(for: error) }
        return try await page("inspection", request, principal, data, status: error?.status ?? .ok)
    }

    @Sendable func remoteSubmit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        return try await act(request, id: id) { principal in
            _ = try await services.store.inspections.markRemote(id, by: Inspector(initiator: principal.initiator, name: principal.name))
        }
    }

    @Sendable func recordSubmit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let fields = try await PublicPages.form([String: String].self, request, context)
        let entries = try UnitPages.items(from: fields)
        return try await act(request, id: id, fields: fields) { principal in
            _ = try await services.store.inspections.record(
                id, items: entries, summary: fields["summary"], submission: fields["submission"],
                by: Inspector(initiator: principal.initiator, name: principal.name))
        }
    }

    /// Check-out, with the unit's responsible person's drawn signature (`signature`, a PNG file, and
    /// `signed_by`) when the page's script sent one, or why there is none (`unsigned_reason`).
    @Sendable func checkOutSubmit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        guard try await inspector(request) != nil else { return Self.toLogin(request) }
        let upload = try await PhotoUploads.receive(request, services: services, maxPhotos: 1, maxBytes: 2 * 1_048_576)
        let typed = ["signed_by": upload.fields["signed_by"] ?? "", "unsigned_reason": upload.fields["unsigned_reason"] ?? ""]
        return try await act(request, id: id, fields: typed, then: "/inspect/i/\(id)") { principal in
            let image = try await upload.photos("signature", services: services).first
            let name = upload.fields["signed_by"]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if image == nil && !name.isEmpty { throw QuhaoError(.signatureRequired) }
            _ = try await services.store.inspections.checkOut(
                id, signature: image.map { Signature(image: $0, name: name) }, unsignedReason: upload.fields["unsigned_reason"],
                by: Inspector(initiator: principal.initiator, name: principal.name))
        }
    }

    /// Photos taken on site for one checklist item (`item`, files `photos`): kept with the visit, and
    /// with the item's finding once results are saved.
    @Sendable func photosSubmit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        guard try await inspector(request) != nil else { return Self.toLogin(request) }
        let site = try await services.store.inspections.inspection(id).siteID
        let rules = try await services.board.snapshot(site).site.inspection
        let upload = try await PhotoUploads.receive(
            request, services: services, maxPhotos: rules?.maxPhotos ?? 6, maxBytes: rules?.maxPhotoBytes ?? 8 * 1_048_576)
        let item = upload.fields["item"] ?? ""
        return try await act(request, id: id, then: "/inspect/i/\(id)#item-\(item)") { principal in
            let photos = try await upload.photos("photos", services: services)
            guard !photos.isEmpty else { throw QuhaoError(.requestInvalid, ["reason": "请先选择照片", "reason@en": "choose a photo first"]) }
            _ = try await services.store.inspections.attachPhotos(
                id, item: item, photos: photos, by: Inspector(initiator: principal.initiator, name: principal.name))
        }
    }

    /// The record (检查记录表), print-ready in the browser.
    @Sendable func sheetPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        guard try await inspector(request) != nil else { return Self.toLogin(request) }
        guard try await inspector(request, site: try await services.store.inspections.inspection(id).siteID) != nil else {
            return Self.toLogin(request)
        }
        let html = try await InspectionRecordPDF.html(id, store: services.store, images: .web, templates: templates, now: services.clock.now())
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// The record as an A4 PDF (fonts embedded, photos and the signature in it).
    @Sendable func sheetPDF(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        guard try await inspector(request) != nil else { return Self.toLogin(request) }
        guard try await inspector(request, site: try await services.store.inspections.inspection(id).siteID) != nil else {
            return Self.toLogin(request)
        }
        let pdf = try await InspectionRecordPDF.render(
            id, store: services.store, evidence: services.settings.evidence, templates: templates, now: services.clock.now())
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/pdf", .contentDisposition: "inline; filename=\"inspection-\(id).pdf\"", .cacheControl: "no-store",
            ], body: .init(byteBuffer: ByteBuffer(bytes: Array(pdf))))
    }

    struct DueForm: Decodable {
        var due: String?
        var reason: String?
        var back: Int64?
    }

    /// An inspector sets a finding's due day (later, or sooner but after today) with a reason.
    @Sendable func dueSubmit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let form = try await PublicPages.form(DueForm.self, request, context)
        guard try await inspector(request) != nil else { return Self.toLogin(request) }
        let site = try await services.store.inspections.office(ofFinding: id)
        guard let principal = try await inspector(request, site: site) else { return Self.toLogin(request) }
        let back = form.back.map { "/inspect/i/\($0)" } ?? "/inspect"
        do {
            guard let day = BusinessDay(iso: form.due ?? "") else {
                let today = try await services.board.snapshot(site).site.businessDay(at: services.clock.now())
                throw QuhaoError(.findingDueInvalid, ["due": String((form.due ?? "").prefix(20)), "today": today.iso])
            }
            _ = try await services.store.inspections.moveDue(
                finding: id, to: day, reason: form.reason ?? "", by: Inspector(initiator: principal.initiator, name: principal.name))
            return redirect(request, back)
        } catch let error as QuhaoError where error.code != .authForbidden && error.code != .findingNotFound {
            return services.flash.redirect(to: back, request, error: error)
        }
    }

    struct RejectForm: Decodable {
        var reason: String?
    }

    @Sendable func verifySubmit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        return try await decide(request, finding: id) { principal in
            _ = try await services.store.inspections.verifyRectification(id, by: Inspector(initiator: principal.initiator, name: principal.name))
        }
    }

    @Sendable func rejectSubmit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let form = try await PublicPages.form(RejectForm.self, request, context)
        return try await decide(request, finding: id) { principal in
            _ = try await services.store.inspections.rejectRectification(
                id, reason: form.reason ?? "", by: Inspector(initiator: principal.initiator, name: principal.name))
        }
    }

    // MARK: - Helpers

    /// Runs an action on an inspection for its office's inspector, then shows it (303), or the page with the refusal.
    func act(
        _ request: Request, id: Int64, fields: [String: String] = [:], then next: String? = nil, _ action: (Principal) async throws -> Void
    ) async throws -> Response {
        guard try await inspector(request) != nil else { return Self.toLogin(request) }
        let site = try await services.store.inspections.inspection(id).siteID
        guard let principal = try await inspector(request, site: site) else { return Self.toLogin(request) }
        do {
            try await action(principal)
            // The pages it goes back to count the queue from the live board: it must hold this change.
            await services.boardHoldsOwnChanges(site: site)
            return redirect(request, next ?? "/inspect/i/\(id)")
        } catch let error as QuhaoError where error.code != .authForbidden && error.code != .inspectionNotFound {
            return services.flash.redirect(to: "/inspect/i/\(id)", request, error: error, fields: fields)
        }
    }

    func decide(_ request: Request, finding: Int64, _ action: (Principal) async throws -> Void) async throws -> Response {
        guard try await inspector(request) != nil else { return Self.toLogin(request) }
        let site = try await services.store.inspections.office(ofFinding: finding)
        guard let principal = try await inspector(request, site: site) else { return Self.toLogin(request) }
        do {
            try await action(principal)
            await services.boardHoldsOwnChanges(site: site)
            return redirect(request, "/inspect")
        } catch let error as QuhaoError where error.code != .authForbidden && error.code != .findingNotFound {
            return services.flash.redirect(to: "/inspect", request, error: error)
        }
    }

    func redirect(_ request: Request, _ path: String) -> Response { PublicPages.seeOther(request, path) }

    func page(_ name: String, _ request: Request, _ principal: Principal, _ data: [String: Any], status: HTTPResponse.Status = .ok)
        async throws -> Response
    {
        try await services.staffPage(templates, name, request, principal, data, status: status)
    }
}
