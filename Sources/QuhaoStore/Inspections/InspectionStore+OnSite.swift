import Foundation
import QuhaoCore

/// The unit's responsible person's signature at check-out.
public struct Signature: Sendable, Hashable {
    /// The drawn signature, a PNG stored by ``EvidenceFiles``.
    public let image: StoredPhoto
    /// Their name, as typed beside it.
    public let name: String

    public init(image: StoredPhoto, name: String) {
        self.image = image
        self.name = name
    }
}

/// A photo an inspector took on site, against a checklist item (and so its finding).
public struct SitePhoto: Sendable, Hashable, Codable {
    public let itemCode: String
    public let sha256: String
    public let contentType: String
    public let size: Int
    public let addedAt: Date
    public let addedBy: String
}

/// A finding's due day moved on site or later, with why (shown to the unit and on the record).
public struct DueMove: Sendable, Hashable {
    public let at: Date
    public let from: BusinessDay
    public let to: BusinessDay
    public let reason: String
}

extension InspectionStore {
    // MARK: - Writes: evidence and deadlines on site

    /// Attaches photos taken during a visit to a checklist item (once recorded, its finding shows
    /// them). The same photo twice is kept once; the office's photo limit holds per item.
    /// - Throws: `inspection.invalid_state` once checked out; `inspection.not_checked_in` before; `checklist.item_unknown`;
    ///   `evidence.too_many`; `inspection.recused`, `inspection.not_assigned`.
    public func attachPhotos(_ id: Inspection.ID, item: String, photos: [StoredPhoto], by inspector: Inspector) async throws -> [SitePhoto] {
        let site = try await inspection(id).siteID
        return try await tickets.write(site: site) { context in
            let open = try Self.fetchInspection(context.db, id: id)
            guard open.mode != nil, open.mode != .selfCheck else { throw QuhaoError(.inspectionNotCheckedIn) }
            guard open.status == .inProgress || open.status == .recorded else { throw Self.invalidState(open, action: "photo") }
            if let refusal = try Self.refusalToSend(context.db, inspection: id, unit: open.unitID, staff: Self.staffID(inspector.initiator)) {
                throw refusal
            }
            guard try Self.isOnVisit(context.db, id, inspector.initiator) else { throw QuhaoError(.inspectionNotOnVisit) }
            guard let rules = context.site.inspection else { throw QuhaoError(.siteNotFound, ["site": site]) }
            let checklist = try Self.checklist(context.db, site: site, version: open.checklistVersion)
            guard checklist.item(item) != nil else { throw QuhaoError(.checklistItemUnknown, ["code": item, "version": String(checklist.version)]) }
            let held = Set(
                try context.db.values(String.self, "SELECT sha256 FROM inspection_photos WHERE inspection_id = ? AND item_code = ?", [id, item]))
            let adding = Set(photos.map(\.sha256)).subtracting(held)
            guard held.count + adding.count <= rules.maxPhotos else { throw QuhaoError(.evidenceTooMany, ["limit": String(rules.maxPhotos)]) }
            for photo in photos where adding.contains(photo.sha256) {
                try Self.keep(context.db, photo, at: context.now)
                try context.db.execute(
                    """
                    INSERT INTO inspection_photos (inspection_id, item_code, sha256, added_at, added_by) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (inspection_id, item_code, sha256) DO NOTHING
                    """, [id, item, photo.sha256, context.now, inspector.name])
            }
            return try Self.sitePhotos(context.db, id)
        }
    }

    /// Sets a finding's due day to a later or earlier day (not today or before) with a reason: the
    /// change is in the finding's log (`extend`, "2026-12-10→2026-12-20: reason") and the unit's page
    /// shows it. Only a finding not yet verified.
    /// - Throws: `finding.not_found`, `finding.invalid_transition` (verified), `finding.due_invalid`, `finding.reason_required`.
    public func moveDue(finding id: Finding.ID, to day: BusinessDay, reason: String, by inspector: Inspector) async throws -> Finding {
        let reason = reason.trimmed
        guard !reason.isEmpty else { throw QuhaoError(.findingReasonRequired) }
        guard reason.count <= 500 else { throw QuhaoError(.unitFieldTooLong, ["max": "500", "field": "reason"]) }
        guard let site = try await read({ db in try db.value(String.self, "SELECT site_id FROM findings WHERE id = ?", [id]) }) else {
            throw QuhaoError(.findingNotFound)
        }
        return try await tickets.write(site: site) { context in
            guard let row = try context.db.row("SELECT * FROM findings WHERE id = ?", [id]) else { throw QuhaoError(.findingNotFound) }
            let finding = try Self.finding(row)
            guard finding.state != .verified else {
                throw QuhaoError(.findingInvalidTransition, ["state": finding.state.label.zh, "state@en": finding.state.label.en ?? ""])
            }
            guard day > context.day, day != finding.due, day <= context.day.adding(days: 366) else {
                throw QuhaoError(.findingDueInvalid, ["due": day.iso, "today": context.day.iso])
            }
            // The officers of its visit (while under way, the only ones); once it is closed, also the
            // office's admins; never one with a declared conflict with the unit.
            let visit = try Self.fetchInspection(context.db, id: finding.inspectionID)
            let underWay = visit.status != .closed
            let staff = Self.staffID(inspector.initiator)
            if let refusal = try Self.refusalToSend(context.db, inspection: underWay ? visit.id : nil, unit: finding.unitID, staff: staff) {
                throw refusal
            }
            let admin = try context.db.value(String.self, "SELECT role FROM staff WHERE id = ?", [staff ?? -1]) == StaffRole.admin.rawValue
            if visit.mode != .selfCheck, try !Self.isOnVisit(context.db, visit.id, inspector.initiator), underWay || !admin {
                throw QuhaoError(.inspectionNotOnVisit)
            }
            try context.db.execute("UPDATE findings SET due_day = ? WHERE id = ?", [day.iso, id])
            // The reminder follows the due day.
            try TicketStore.endNotices(about: .finding(id), kinds: [.findingDue], context)
            if let rules = context.site.notices, rules.channels.contains(.sms), rules.sends(.findingDue, service: "") {
                try Self.queueDueReminder(id, due: day, rules: rules, context)
            }
            try Self.logFinding(context.db, id, context.now, "extend", inspector.initiator, "\(finding.due.iso)→\(day.iso): \(reason)")
            return try Self.finding(try context.db.row("SELECT * FROM findings WHERE id = ?", [id])!)
        }
    }

    // MARK: - Reads

    /// The photos taken during a visit, by item.
    public func sitePhotos(_ id: Inspection.ID) async throws -> [SitePhoto] {
        try await read { db in try Self.sitePhotos(db, id) }
    }

    static func sitePhotos(_ db: any SQLDatabase, _ id: Inspection.ID) throws -> [SitePhoto] {
        try db.rows(
            """
            SELECT p.item_code, p.sha256, p.added_at, p.added_by, e.content_type, e.size FROM inspection_photos p
            JOIN evidence e ON e.sha256 = p.sha256 WHERE p.inspection_id = ? ORDER BY p.item_code, p.added_at, p.sha256
            """, [id]
        ).map {
            SitePhoto(
                itemCode: try $0["item_code"], sha256: try $0["sha256"], contentType: try $0["content_type"], size: try $0["size"],
                addedAt: try $0["added_at"], addedBy: try $0["added_by"])
        }
    }

    /// A stored file's row in `evidence` (kept once per hash).
    static func keep(_ db: any SQLDatabase, _ photo: StoredPhoto, at now: Date) throws {
        try db.execute(
            "INSERT INTO evidence (sha256, content_type, size, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [photo.sha256, photo.contentType, photo.size, now])
    }
}
