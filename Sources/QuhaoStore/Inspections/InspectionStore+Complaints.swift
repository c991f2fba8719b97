import Foundation
import QuhaoCore

extension InspectionStore {
    // MARK: - Writes: complaints from the poster

    /// A diner files a complaint from a unit's poster: no account; at most the office's number a day
    /// from one phone (its device cookie) and ten times that from one address; a phone number only
    /// if the diner chose to leave one.
    /// - Parameters:
    ///   - device: The phone's device cookie (kept hashed).
    ///   - address: The client's address as believed (kept hashed).
    /// - Throws: `unit.token_invalid` / `unit.token_wrong_kind`, `unit.inactive`, `complaint.*`, `phone.format`, `complaint.limit_reached`.
    public func fileComplaint(posterToken: String, _ draft: ComplaintDraft, photo: StoredPhoto?, device: String?, address: String?) async throws
        -> Complaint
    {
        let (text, happened, phone) = try draft.checked()
        let site = try await unit(token: posterToken, as: .poster).unit.siteID
        let deviceHash = device.map { tickets.keyedHash("device:\($0)") }
        let addressHash = address.map { tickets.keyedHash("address:\($0)") }
        return try await tickets.write(site: site) { context in
            let unit = try Self.activeUnit(context.db, poster: posterToken)
            guard let rules = context.site.inspection else { throw QuhaoError(.siteNotFound, ["site": site]) }
            let dayStart = context.day.start(in: context.site.zone)
            for (column, hash, limit, code) in [
                ("device_hash", deviceHash, rules.complaintsPerDevicePerDay, QuhaoError.Code.complaintLimitReached),
                ("address_hash", addressHash, rules.complaintsPerDevicePerDay * 10, .complaintAddressLimitReached),
            ] {
                guard let hash else { continue }
                let today =
                    try context.db.value(
                        Int.self, "SELECT COUNT(*) FROM complaints WHERE site_id = ? AND \(column) = ? AND created_at >= ?", [site, hash, dayStart])
                    ?? 0
                guard today < limit else { throw QuhaoError(code, ["limit": String(limit)]) }
            }
            if let photo { try Self.keep(context.db, photo, at: context.now) }
            let id = try context.db.insert(
                """
                INSERT INTO complaints (site_id, unit_id, text, happened, phone, photo_sha256, device_hash, address_hash, created_at, state)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open')
                """, [site, unit.id, text, happened, phone, photo?.sha256, deviceHash, addressHash, context.now])
            try Self.log(context.db, unit: unit.id, context.now, "complaint", .visitor, "complaint \(id)")
            return try Self.complaint(context.db, id: id)
        }
    }

    /// The office takes a complaint up: it becomes a special inspection request for the unit, in the
    /// office's queue (or joins the request the unit already has open).
    /// - Throws: `complaint.not_found`, `complaint.already_decided`, the queue's refusals.
    public func convertComplaint(_ id: Complaint.ID, by initiator: Initiator) async throws -> Complaint {
        let site = try await complaint(id).siteID
        let token = tickets.random.token()
        return try await tickets.write(site: site) { context in
            let complaint = try Self.undecidedComplaint(context.db, id: id)
            let unit = try Self.fetchUnit(context.db, id: complaint.unitID).unit
            let inspection =
                try Self.openInspection(context.db, unit: unit.id)?.id
                ?? openRequest(context, unit: unit, kind: .special, token: token, by: initiator)
            try context.db.execute(
                "UPDATE complaints SET state = 'converted', decided_at = ?, decided_by = ?, inspection_id = ? WHERE id = ?",
                [context.now, initiator.description, inspection, id])
            try Self.log(context.db, unit: unit.id, context.now, "complaint_converted", initiator, "complaint \(id) → inspection \(inspection)")
            return try Self.complaint(context.db, id: id)
        }
    }

    /// The office closes a complaint with a reason.
    /// - Throws: `complaint.not_found`, `complaint.already_decided`, `complaint.reason_required`.
    public func closeComplaint(_ id: Complaint.ID, reason: String, by initiator: Initiator) async throws -> Complaint {
        let reason = reason.trimmed
        guard !reason.isEmpty else { throw QuhaoError(.complaintReasonRequired) }
        guard reason.count <= 500 else { throw QuhaoError(.complaintFieldTooLong, ["field": "reason", "max": "500"]) }
        let site = try await complaint(id).siteID
        return try await tickets.write(site: site) { context in
            let complaint = try Self.undecidedComplaint(context.db, id: id)
            try context.db.execute(
                "UPDATE complaints SET state = 'closed', decided_at = ?, decided_by = ?, reason = ? WHERE id = ?",
                [context.now, initiator.description, reason, id])
            try Self.log(context.db, unit: complaint.unitID, context.now, "complaint_closed", initiator, "complaint \(id): \(reason)")
            return try Self.complaint(context.db, id: id)
        }
    }

    // MARK: - Reads: complaints

    /// A complaint by id.
    /// - Throws: `complaint.not_found`.
    public func complaint(_ id: Complaint.ID) async throws -> Complaint {
        try await read { db in try Self.complaint(db, id: id) }
    }

    /// An office's complaints, the open ones first, then the newest.
    public func complaints(site: String, state: Complaint.State? = nil, unit: CanteenUnit.ID? = nil, limit: Int = 200) async throws -> [Complaint] {
        try await read { db in
            var conditions = ["site_id = ?"]
            var arguments: [(any SQLConvertible)?] = [site]
            if let state {
                conditions.append("state = ?")
                arguments.append(state.rawValue)
            }
            if let unit {
                conditions.append("unit_id = ?")
                arguments.append(unit)
            }
            return try db.rows(
                """
                SELECT * FROM complaints WHERE \(conditions.joined(separator: " AND "))
                ORDER BY CASE state WHEN 'open' THEN 0 ELSE 1 END, created_at DESC, id DESC LIMIT ?
                """, arguments + [max(1, min(limit, 1000))]
            ).map(Self.complaint)
        }
    }

    // MARK: - Inside transactions

    static func complaint(_ db: any SQLDatabase, id: Complaint.ID) throws -> Complaint {
        guard let row = try db.row("SELECT * FROM complaints WHERE id = ?", [id]) else { throw QuhaoError(.complaintNotFound) }
        return try complaint(row)
    }

    static func undecidedComplaint(_ db: any SQLDatabase, id: Complaint.ID) throws -> Complaint {
        let complaint = try complaint(db, id: id)
        guard complaint.state == .open else {
            throw QuhaoError(.complaintAlreadyDecided, ["state": complaint.state.label.zh, "state@en": complaint.state.label.en ?? ""])
        }
        return complaint
    }

    static func complaint(_ row: SQLRow) throws -> Complaint {
        Complaint(
            id: try row["id"], siteID: try row["site_id"], unitID: try row["unit_id"], text: try row["text"], happened: try row["happened"],
            phone: try row["phone"], photo: try row["photo_sha256"], createdAt: try row["created_at"],
            state: Complaint.State(rawValue: try row["state"]) ?? .open, decidedAt: try row["decided_at"], decidedBy: try row["decided_by"],
            reason: try row["reason"], inspectionID: try row["inspection_id"])
    }
}
