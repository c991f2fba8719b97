import Foundation
import QuhaoCore

/// A photo already stored on disk by its SHA-256 (``EvidenceFiles``), to attach to a rectification.
public struct StoredPhoto: Sendable, Hashable {
    public let sha256: String
    public let contentType: String
    public let size: Int

    public init(sha256: String, contentType: String, size: Int) {
        self.sha256 = sha256
        self.contentType = contentType
        self.size = size
    }
}

/// One rectification a unit sent for a finding: what it said, its own photos, and what the office made of it.
public struct RectificationAnswer: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        /// Waiting for the office (only the latest answer can be).
        case waiting
        /// Sent back, with the office's reason.
        case sentBack(at: Date, reason: String)
        /// Verified (or closed by a re-inspection).
        case accepted(at: Date)
    }

    public let submittedAt: Date
    public let text: String
    /// The photos sent with this answer only.
    public let photos: [StoredPhoto]
    public internal(set) var outcome: Outcome
}

extension InspectionStore {
    // MARK: - Writes: rectification

    /// A unit tells what it did about one of its open findings (text, and photos already stored).
    /// - Throws: `finding.not_found` for a finding that is not this unit's; `finding.invalid_transition`
    ///   when it is not open (already submitted, or verified); `finding.text_required`; `evidence.too_many`.
    public func submitRectification(unitToken: String, finding id: Finding.ID, text: String, photos: [StoredPhoto]) async throws -> Finding {
        let site = try await unit(token: unitToken, as: .private).unit.siteID
        let text = text.trimmed
        guard !text.isEmpty else { throw QuhaoError(.findingTextRequired, ["what": "整改情况说明", "what@en": "what was done"]) }
        guard text.count <= 2000 else { throw QuhaoError(.unitFieldTooLong, ["max": "2000"]) }
        return try await tickets.write(site: site) { context in
            let unit = try Self.unitForAction(context.db, token: unitToken)
            let finding = try Self.fetchFinding(context.db, id: id)
            guard finding.unitID == unit.id else { throw QuhaoError(.findingNotFound) }
            guard let rules = context.site.inspection else { throw QuhaoError(.siteNotFound, ["site": site]) }
            guard photos.count <= rules.maxPhotos else { throw QuhaoError(.evidenceTooMany, ["limit": String(rules.maxPhotos)]) }
            guard finding.state.acceptsRectification else { throw Self.invalidTransition(finding, action: "submit") }
            try context.db.execute(
                "UPDATE findings SET state = 'rectification_submitted', response = ?, responded_at = ? WHERE id = ?", [text, context.now, id])
            let event = try Self.logFinding(context.db, id, context.now, "submit", Initiator(.unit, id: String(unit.id)), text)
            for photo in Set(photos) {
                try context.db.execute(
                    "INSERT INTO evidence (sha256, content_type, size, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    [photo.sha256, photo.contentType, photo.size, context.now])
                try context.db.execute("INSERT INTO finding_evidence (finding_event_id, sha256) VALUES (?, ?)", [event, photo.sha256])
            }
            return try Self.fetchFinding(context.db, id: id)
        }
    }

    /// The office accepts a submitted rectification: the finding is closed.
    /// - Throws: `finding.invalid_transition` unless a rectification is waiting (verifying twice is refused).
    public func verifyRectification(_ id: Finding.ID, by inspector: Inspector) async throws -> Finding {
        try await decide(id, verify: true, reason: nil, by: inspector)
    }

    /// The office does not accept a rectification: the finding is open again, with the reason for the unit.
    /// - Throws: `finding.text_required` without a reason; `finding.invalid_transition` unless a rectification is waiting.
    public func rejectRectification(_ id: Finding.ID, reason: String, by inspector: Inspector) async throws -> Finding {
        let reason = reason.trimmed
        guard !reason.isEmpty else { throw QuhaoError(.findingTextRequired, ["what": "退回原因", "what@en": "reason"]) }
        return try await decide(id, verify: false, reason: reason, by: inspector)
    }

    private func decide(_ id: Finding.ID, verify: Bool, reason: String?, by inspector: Inspector) async throws -> Finding {
        let site = try await office(ofFinding: id)
        return try await tickets.write(site: site) { context in
            let finding = try Self.fetchFinding(context.db, id: id)
            guard finding.state == .submitted else { throw Self.invalidTransition(finding, action: verify ? "verify" : "reject") }
            // Whoever declared a conflict with the unit does not decide its rectifications either.
            if let refusal = try Self.refusalToSend(context.db, inspection: nil, unit: finding.unitID, staff: Self.staffID(inspector.initiator)) {
                throw refusal
            }
            if verify {
                try context.db.execute(
                    "UPDATE findings SET state = 'verified', verified_at = ?, verified_by = ? WHERE id = ?", [context.now, inspector.name, id])
                try TicketStore.endNotices(about: .finding(id), context)
            } else {
                try context.db.execute("UPDATE findings SET state = 'open', rejection_reason = ? WHERE id = ?", [reason, id])
                if let rules = context.site.notices, rules.channels.contains(.sms), rules.sends(.findingRejected, service: "") {
                    try TicketStore.insertNotice(.findingRejected, channel: .sms, about: .finding(id), context)
                }
            }
            try Self.logFinding(context.db, id, context.now, verify ? "verify" : "reject", inspector.initiator, reason)
            return try Self.fetchFinding(context.db, id: id)
        }
    }

    /// What a unit is told of an inspection's findings, in the record's transaction: one message
    /// (how many, the first due day), and for each finding a reminder the configured days before its
    /// due day, at 09:00 in the office's zone (none when that moment has passed).
    static func queueFindingNotices(_ found: [(id: Int64, due: BusinessDay)], _ context: TicketStore.Context) throws {
        guard let rules = context.site.notices, rules.channels.contains(.sms), let first = found.min(by: { $0.due < $1.due }) else { return }
        if rules.sends(.finding, service: "") {
            try TicketStore.insertNotice(.finding, channel: .sms, about: .finding(first.id), detail: String(found.count), context)
        }
        if rules.sends(.findingDue, service: "") {
            for finding in found { try queueDueReminder(finding.id, due: finding.due, rules: rules, context) }
        }
    }

    /// The reminder before a finding's due day.
    static func queueDueReminder(_ id: Int64, due: BusinessDay, rules: NoticeRules, _ context: TicketStore.Context) throws {
        let zone = context.site.zone
        let at = due.adding(days: -rules.findingDueDays).start(in: zone).addingTimeInterval(9 * 3600)
        guard at > context.now else { return }
        try TicketStore.insertNotice(.findingDue, channel: .sms, about: .finding(id), due: at, context)
    }

    static func invalidTransition(_ finding: Finding, action: String) -> QuhaoError {
        let words: [String: (String, String)] = [
            "submit": ("提交整改", "given a rectification"), "verify": ("核实通过", "verified"), "reject": ("退回", "rejected"),
        ]
        let (zh, en) = words[action] ?? (action, action)
        return QuhaoError(
            .findingInvalidTransition, ["state": finding.state.label.zh, "state@en": finding.state.label.en ?? "", "action": zh, "action@en": en])
    }

    static func fetchFinding(_ db: any SQLDatabase, id: Finding.ID) throws -> Finding {
        guard let row = try db.row("SELECT * FROM findings WHERE id = ?", [id]) else {
            throw QuhaoError(.findingNotFound)
        }
        return try finding(row)
    }

    static func finding(_ row: SQLRow) throws -> Finding {
        guard let severity = FindingSeverity(rawValue: try row["severity"]), let state = FindingState(rawValue: try row["state"]),
            let due = BusinessDay(iso: try row["due_day"])
        else { throw QuhaoError(.internalError, ["reason": "finding \(try row["id"] as Int64) is malformed"]) }
        return Finding(
            id: try row["id"], inspectionID: try row["inspection_id"], unitID: try row["unit_id"], itemCode: try row["item_code"], severity: severity,
            description: try row["description"], correctedOnSite: try row["corrected_on_site"], due: due, state: state,
            createdAt: try row["created_at"],
            response: try row["response"], respondedAt: try row["responded_at"], rejectionReason: try row["rejection_reason"],
            verifiedAt: try row["verified_at"],
            verifiedBy: try row["verified_by"], closedByInspectionID: try row["closed_by_inspection_id"])
    }
}

extension InspectionStore {
    /// The office a finding belongs to (whose inspectors may verify it).
    /// - Throws: `finding.not_found`.
    public func office(ofFinding id: Finding.ID) async throws -> String {
        try await read { db in
            guard let site = try db.value(String.self, "SELECT site_id FROM findings WHERE id = ?", [id]) else {
                throw QuhaoError(.findingNotFound)
            }
            return site
        }
    }
}
