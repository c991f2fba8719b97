import Foundation
import Mustache
import QuhaoCore
import QuhaoStore

/// The printable inspection record (检查记录表): one page drawn from one template, for the browser
/// (images from `/evidence/`) and for the PDF (images from the evidence files themselves, rendered
/// by WeasyPrint, ``PDFRenderer``).
enum InspectionSheet {
    /// Where the record's images come from.
    enum Images {
        /// `/evidence/{sha}` for a signed-in browser.
        case web
        /// `file://` URLs into the evidence directory, for the PDF renderer.
        case files(EvidenceFiles)

        func source(_ sha: String) -> String {
            switch self {
            case .web: "/evidence/\(sha)"
            case .files(let evidence): evidence.file(sha)?.absoluteString ?? ""
            }
        }
    }

    /// The template's data for a finished (recorded) inspection.
    static func data(
        _ record: InspectionRecord, office: Site, inspectors: [VisitInspector], photos: [SitePhoto], images: Images, now: Date,
        dueMoves: [Finding.ID: [DueMove]] = [:]
    ) -> [String: Any] {
        let language = Language.zhCN
        let t = Templates.strings(language).template
        let inspection = record.inspection
        let zone = office.zone
        let unit = record.unit
        let photosByItem = Dictionary(grouping: photos, by: \.itemCode)
        let answers: [ItemOutcome: String] = [.yes: "是（符合）", .no: "否（不符合）", .notApplicable: "不适用", .notObserved: "未检查"]
        var items: [[String: Any]] = []
        for item in record.checklist?.items ?? [] {
            let entry = record.items[item.code]
            let shots = (photosByItem[item.code] ?? []).map { ["src": images.source($0.sha256)] }
            items.append([
                "code": item.code, "text": item.text.zh, "key": item.isKey, "answer": entry.map { answers[$0.outcome] ?? $0.outcome.rawValue } ?? "—",
                "failed": entry?.outcome == .no, "note": entry?.note ?? "", "photos": shots, "hasPhotos": !shots.isEmpty,
            ])
        }
        let proof: String =
            switch (inspection.mode, inspection.checkInProof) {
            case (.onSite, .some(let proof)): t["inspect_proof_\(proof.rawValue)"] ?? proof.rawValue
            case (.remoteVideo, _): InspectionMode.remoteVideo.label.zh
            default: "—"
            }
        var data: [String: Any] = [
            "t": t, "unitName": unit.name, "uscc": unit.uscc, "licence": unit.licence, "address": unit.address, "contact": unit.contactName,
            "risk": unit.risk.rawValue, "officeName": office.name.zh, "number": record.ticket?.number.description ?? "#\(inspection.id)",
            "kind": inspection.kind.label.zh, "mode": inspection.mode?.label.zh ?? "", "result": inspection.result?.label.zh ?? "—",
            "day": inspection.recordedAt.map { BusinessDay($0, in: zone).iso } ?? "",
            "checkedIn": LocalTime.minute(inspection.checkedInAt ?? inspection.requestedAt, in: zone),
            "checkedOut": inspection.checkedOutAt.map { LocalTime.minute($0, in: zone) } ?? "—", "proof": proof,
            "inspectors": inspectors.enumerated().map { index, person in
                [
                    "name": person.name, "how": person.how.label.zh, "time": LocalTime.clock(person.joinedAt, in: zone),
                    "last": index == inspectors.count - 1,
                ]
            },
            "inspectorNames": inspectors.map(\.name).joined(separator: "、"),
            "checklistVersion": record.checklist.map { "第 \($0.version) 版" } ?? "", "items": items,
            "findings": record.findings.map {
                [
                    "code": $0.itemCode, "description": $0.description, "severity": $0.severity.label.zh, "due": $0.due.iso,
                    "corrected": $0.correctedOnSite,
                    // Each move of the due day, with why (the record shows what the unit was told).
                    "moves": (dueMoves[$0.id] ?? []).map { move in
                        ["text": "由 \(move.from.iso) 调整为 \(move.to.iso)（\(LocalTime.minute(move.at, in: zone))，理由：\(move.reason)）"]
                    },
                ]
            },
            "hasFindings": !record.findings.isEmpty, "signedBy": inspection.signedBy ?? "",
            "signedAt": inspection.signedAt.map { LocalTime.minute($0, in: zone) } ?? "", "printedAt": LocalTime.minute(now, in: zone),
            "back": "/inspect/i/\(inspection.id)", "pdf": "/inspect/i/\(inspection.id)/sheet.pdf",
        ]
        // Sections show only what there is (an empty text still opens a Mustache section).
        if let summary = inspection.summary, !summary.isEmpty { data["summary"] = summary }
        if let signature = inspection.signature { data["signature"] = images.source(signature) }
        if let reason = inspection.unsignedReason { data["unsignedReason"] = reason }
        return data
    }
}

/// The inspection record as a PDF, for the page and for `quhao inspections record`.
public enum InspectionRecordPDF {
    /// Renders a recorded inspection's record (检查记录表), for the command line (which parses the templates once for it).
    /// - Throws: `inspection.not_found`; `inspection.invalid_state` before results are recorded; `inspection.pdf_failed`.
    public static func render(_ id: Inspection.ID, store: TicketStore, evidence: EvidenceFiles, now: Date) async throws -> Data {
        try await render(id, store: store, evidence: evidence, templates: try Templates(), now: now)
    }

    /// The same with the templates the application parsed at start.
    static func render(_ id: Inspection.ID, store: TicketStore, evidence: EvidenceFiles, templates: Templates, now: Date) async throws -> Data {
        try await PDFRenderer.render(html: try await html(id, store: store, images: .files(evidence), templates: templates, now: now))
    }

    static func html(_ id: Inspection.ID, store: TicketStore, images: InspectionSheet.Images, templates: Templates, now: Date) async throws
        -> String
    {
        let record = try await store.inspections.details(id)
        guard record.inspection.result != nil else {
            throw InspectionStore.invalidState(record.inspection, action: "print")
        }
        let office = try await store.site(record.inspection.siteID)
        var moves: [Finding.ID: [DueMove]] = [:]
        for finding in record.findings { moves[finding.id] = try await store.inspections.dueMoves(finding: finding.id) }
        let data = InspectionSheet.data(
            record, office: office, inspectors: try await store.inspections.visitInspectors(id), photos: try await store.inspections.sitePhotos(id),
            images: images, now: now, dueMoves: moves)
        return templates.library.render(data, withTemplate: "inspection-sheet") ?? ""
    }
}
