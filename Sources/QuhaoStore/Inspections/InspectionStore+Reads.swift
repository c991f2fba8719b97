import Foundation
import QuhaoCore

/// An inspection with what was recorded in it.
public struct InspectionRecord: Sendable, Hashable {
    public let inspection: Inspection
    public let unit: CanteenUnit
    /// The checklist version it was recorded with (the current one when not yet recorded).
    public let checklist: Checklist?
    public let items: [String: ItemEntry]
    public let findings: [Finding]
    /// Its queue ticket: number and public token (place in the queue, which team).
    public let ticket: Ticket?
}

/// What a unit's own page shows.
public struct UnitOverview: Sendable, Hashable {
    public let unit: RegisteredUnit
    /// The request under way, if any.
    public let open: InspectionRecord?
    /// Findings not yet verified, the most urgent first.
    public let openFindings: [Finding]
    /// The latest recorded inspection by the office (not a self-inspection).
    public let latest: Inspection?
    public let latestSelf: Inspection?
}

extension InspectionStore {
    // MARK: - Reads: inspections

    /// An inspection by id.
    /// - Throws: `inspection.not_found`.
    public func inspection(_ id: Inspection.ID) async throws -> Inspection {
        try await read { db in try Self.fetchInspection(db, id: id) }
    }

    /// An inspection with its unit, checklist, item results, findings and ticket.
    public func details(_ id: Inspection.ID) async throws -> InspectionRecord {
        try await read { db in try Self.details(db, try Self.fetchInspection(db, id: id)) }
    }

    /// What a unit's page shows, by its private token.
    public func overview(unitToken: String) async throws -> UnitOverview {
        let registered = try await unit(token: unitToken, as: .private)
        return try await read { db in
            let id = registered.unit.id
            let open = try Self.openInspection(db, unit: id).map { try Self.details(db, $0) }
            let findings = try db.rows(
                "SELECT * FROM findings WHERE unit_id = ? AND state != 'verified' ORDER BY due_day, id", [id]
            ).map(Self.finding)
            let latest = try db.row(
                "SELECT * FROM inspections WHERE unit_id = ? AND kind != 'self' AND result IS NOT NULL ORDER BY recorded_at DESC, id DESC LIMIT 1",
                [id]
            ).map(Self.inspection)
            let latestSelf = try db.row(
                "SELECT * FROM inspections WHERE unit_id = ? AND kind = 'self' ORDER BY recorded_at DESC, id DESC LIMIT 1", [id]
            ).map(Self.inspection)
            return UnitOverview(unit: registered, open: open, openFindings: findings, latest: latest, latestSelf: latestSelf)
        }
    }

    /// A unit's inspections, newest first.
    public func history(unit: CanteenUnit.ID) async throws -> [Inspection] {
        try await read { db in
            try db.rows("SELECT * FROM inspections WHERE unit_id = ? ORDER BY requested_at DESC, id DESC", [unit])
                .map(Self.inspection)
        }
    }

    /// A unit's findings (all, or only those not verified), the oldest due first.
    public func findings(unit: CanteenUnit.ID, openOnly: Bool = false) async throws -> [Finding] {
        try await read { db in
            try db.rows(
                "SELECT * FROM findings WHERE unit_id = ? \(openOnly ? "AND state != 'verified'" : "") ORDER BY due_day, id", [unit]
            ).map(Self.finding)
        }
    }

    /// An office's findings waiting for the office to verify a rectification, the oldest first.
    public func awaitingVerification(site: String) async throws -> [Finding] {
        try await read { db in
            try db.rows(
                "SELECT * FROM findings WHERE site_id = ? AND state = 'rectification_submitted' ORDER BY responded_at, id", [site]
            ).map(Self.finding)
        }
    }

    /// The inspection a team (window) holds now: called, or under way.
    public func held(site: String, team: Int) async throws -> InspectionRecord? {
        try await read { db in
            try db.row(
                """
                SELECT * FROM inspections WHERE site_id = ? AND counter_id = ? AND status IN ('called', 'in_progress', 'recorded')
                ORDER BY id DESC LIMIT 1
                """, [site, team]
            ).map { try Self.details(db, try Self.inspection($0)) }
        }
    }

    /// A finding's due day moved by an inspector, with the reason, oldest first (`finding_events`
    /// action `extend`, kept as `2026-12-06→2026-12-10: reason`).
    public func dueMoves(finding: Finding.ID) async throws -> [DueMove] {
        try await read { db in
            try db.rows("SELECT at, text FROM finding_events WHERE finding_id = ? AND action = 'extend' ORDER BY id", [finding]).compactMap { row in
                let text: String = try row["text"] ?? ""
                guard let arrow = text.range(of: "→"), let colon = text.range(of: ": ", range: arrow.upperBound..<text.endIndex),
                    let from = BusinessDay(iso: String(text[..<arrow.lowerBound])),
                    let to = BusinessDay(iso: String(text[arrow.upperBound..<colon.lowerBound]))
                else { return nil }
                return DueMove(at: try row["at"], from: from, to: to, reason: String(text[colon.upperBound...]))
            }
        }
    }

    /// Every rectification a unit sent for a finding, oldest first, each with its own photos and what the
    /// office said of it (sent back with a reason, or verified); the last one is the current answer.
    public func answers(finding: Finding.ID) async throws -> [RectificationAnswer] {
        try await read { db in
            let events = try db.rows("SELECT id, at, action, text FROM finding_events WHERE finding_id = ? ORDER BY id", [finding])
            let photos = try db.rows(
                """
                SELECT fe.finding_event_id, e.sha256, e.content_type, e.size FROM finding_events f
                JOIN finding_evidence fe ON fe.finding_event_id = f.id JOIN evidence e ON e.sha256 = fe.sha256
                WHERE f.finding_id = ? ORDER BY fe.finding_event_id, e.sha256
                """, [finding])
            let byEvent = try Dictionary(grouping: photos) { try $0["finding_event_id"] as Int64 }.mapValues { rows in
                try rows.map { StoredPhoto(sha256: try $0["sha256"], contentType: try $0["content_type"], size: try $0["size"]) }
            }
            var answers: [RectificationAnswer] = []
            for event in events {
                let action: String = try event["action"]
                let at: Date = try event["at"]
                switch action {
                case "submit":
                    let id: Int64 = try event["id"]
                    answers.append(RectificationAnswer(submittedAt: at, text: try event["text"] ?? "", photos: byEvent[id] ?? [], outcome: .waiting))
                case "reject" where !answers.isEmpty:
                    answers[answers.count - 1].outcome = .sentBack(at: at, reason: try event["text"] ?? "")
                case "verify" where !answers.isEmpty, "close" where !answers.isEmpty:
                    answers[answers.count - 1].outcome = .accepted(at: at)
                default: break
                }
            }
            return answers
        }
    }

    /// Whether a unit may see a photo: it is attached to one of the unit's findings.
    public func photo(_ sha256: String, belongsTo unit: CanteenUnit.ID) async throws -> StoredPhoto? {
        try await read { db in
            try db.row(
                """
                SELECT e.sha256, e.content_type, e.size FROM evidence e
                JOIN finding_evidence fe ON fe.sha256 = e.sha256 JOIN finding_events f ON f.id = fe.finding_event_id
                JOIN findings x ON x.id = f.finding_id
                WHERE e.sha256 = ? AND x.unit_id = ? LIMIT 1
                """, [sha256, unit]
            ).map { StoredPhoto(sha256: try $0["sha256"], contentType: try $0["content_type"], size: try $0["size"]) }
        }
    }

    /// The offices a stored photo belongs to: through a finding's answer, a visit's photos or signature, a complaint.
    public func photoSites(_ sha256: String) async throws -> Set<String> {
        try await read { db in
            Set(
                try db.values(
                    String.self,
                    """
                    SELECT x.site_id FROM finding_evidence fe JOIN finding_events f ON f.id = fe.finding_event_id
                        JOIN findings x ON x.id = f.finding_id WHERE fe.sha256 = ?
                    UNION SELECT i.site_id FROM inspection_photos p JOIN inspections i ON i.id = p.inspection_id WHERE p.sha256 = ?
                    UNION SELECT site_id FROM inspections WHERE signature_sha256 = ?
                    UNION SELECT site_id FROM complaints WHERE photo_sha256 = ?
                    """, [sha256, sha256, sha256, sha256]))
        }
    }

    /// A stored photo, for staff.
    public func photo(_ sha256: String) async throws -> StoredPhoto? {
        try await read { db in
            try db.row("SELECT sha256, content_type, size FROM evidence WHERE sha256 = ?", [sha256])
                .map { StoredPhoto(sha256: try $0["sha256"], contentType: try $0["content_type"], size: try $0["size"]) }
        }
    }

    // MARK: - Inside transactions

    static func fetchInspection(_ db: any SQLDatabase, id: Inspection.ID) throws -> Inspection {
        guard let row = try db.row("SELECT * FROM inspections WHERE id = ?", [id]) else {
            throw QuhaoError(.inspectionNotFound)
        }
        return try inspection(row)
    }

    static func inspection(_ row: SQLRow) throws -> Inspection {
        guard let kind = InspectionKind(rawValue: try row["kind"]), let status = InspectionStatus(rawValue: try row["status"]) else {
            throw QuhaoError(.internalError, ["reason": "inspection \(try row["id"] as Int64) is malformed"])
        }
        // The record's inspectors (``addInspector``); a visit made before they were kept names whoever called, checked in and recorded.
        var inspectors: [String] = []
        if let listed = try row["inspectors"] as String?, let names = try? JSONDecoder().decode([String].self, from: Data(listed.utf8)) {
            inspectors = names
        } else {
            let names = [try row["called_by"], try row["checked_in_by"], try row["recorded_by"]].compactMap { $0 as String? }
            for name in names where !inspectors.contains(name) { inspectors.append(name) }
        }
        return Inspection(
            id: try row["id"], siteID: try row["site_id"], unitID: try row["unit_id"], kind: kind,
            mode: (try row["mode"] as String?).flatMap(InspectionMode.init),
            status: status, ticketID: try row["ticket_id"], counterID: try row["counter_id"], inspectors: kind == .selfInspection ? [] : inspectors,
            requestedAt: try row["requested_at"], checkedInAt: try row["checked_in_at"],
            checkInProof: (try row["check_in_proof"] as String?).flatMap(CheckInProof.init), checkedOutAt: try row["checked_out_at"],
            checklistVersion: try row["checklist_version"], result: (try row["result"] as String?).flatMap(InspectionResult.init),
            summary: try row["summary"],
            recordedAt: try row["recorded_at"], signature: try row["signature_sha256"], signedBy: try row["signed_by"],
            signedAt: try row["signed_at"],
            unsignedReason: try row["unsigned_reason"]
        )
    }

    static func details(_ db: any SQLDatabase, _ inspection: Inspection) throws -> InspectionRecord {
        let unit = try fetchUnit(db, id: inspection.unitID).unit
        let checklist = try? checklist(db, site: inspection.siteID, version: inspection.checklistVersion)
        var items: [String: ItemEntry] = [:]
        for row in try db.rows("SELECT * FROM item_results WHERE inspection_id = ?", [inspection.id]) {
            if let outcome = ItemOutcome(rawValue: try row["outcome"]) { items[try row["item_code"]] = ItemEntry(outcome, note: try row["note"]) }
        }
        let findings = try db.rows("SELECT * FROM findings WHERE inspection_id = ? ORDER BY id", [inspection.id]).map(
            finding)
        for finding in findings where finding.correctedOnSite { items[finding.itemCode]?.correctedOnSite = true }
        let ticket = try inspection.ticketID.flatMap { try TicketRecord.fetchOne(db, id: $0) }?.ticket
        return InspectionRecord(inspection: inspection, unit: unit, checklist: checklist, items: items, findings: findings, ticket: ticket)
    }
}
