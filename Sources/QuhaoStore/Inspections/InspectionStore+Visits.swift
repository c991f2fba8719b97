import Foundation
import QuhaoCore

/// What an inspector recorded for one checklist item.
public struct ItemEntry: Sendable, Hashable {
    public var outcome: ItemOutcome
    public var note: String?
    /// For a "no": the problem was put right during the visit (the finding is verified at once).
    public var correctedOnSite: Bool

    public init(_ outcome: ItemOutcome, note: String? = nil, correctedOnSite: Bool = false) {
        self.outcome = outcome
        self.note = note
        self.correctedOnSite = correctedOnSite
    }
}

/// Who acts for the office: a signed-in inspector (or an admin), by name for the record.
public struct Inspector: Sendable, Hashable {
    public let initiator: Initiator
    public let name: String

    public init(initiator: Initiator, name: String) {
        self.initiator = initiator
        self.name = name
    }
}

extension InspectionStore {
    // MARK: - Writes: a unit's requests

    /// A unit asks for an inspection: a routine one, or a re-inspection (复查) of its rectified
    /// findings. It takes a number in the office's queue in the same transaction.
    /// - Throws: `unit.token_invalid` / `unit.token_wrong_kind`, `unit.inactive`, `inspection.already_open`,
    ///   `inspection.no_open_findings` (a re-inspection with nothing to re-inspect), and the queue's `service.*` refusals.
    public func request(_ kind: InspectionKind, unitToken: String) async throws -> Inspection {
        guard kind == .routine || kind == .reinspection else { throw QuhaoError(.requestInvalid, ["reason": "检查类型不正确", "reason@en": "kind"]) }
        let site = try await unit(token: unitToken, as: .private).unit.siteID
        let ticketToken = tickets.random.token()
        return try await tickets.write(site: site) { context in
            let unit = try Self.unitForAction(context.db, token: unitToken)
            if let open = try Self.openInspection(context.db, unit: unit.id) {
                let number = try open.ticketID.flatMap {
                    try context.db.value(String.self, "SELECT number FROM tickets WHERE id = ?", [$0])
                }
                throw QuhaoError(.inspectionAlreadyOpen, ["number": number ?? "#\(open.id)"])
            }
            if kind == .reinspection {
                let pending =
                    try context.db.value(Int.self, "SELECT COUNT(*) FROM findings WHERE unit_id = ? AND state != 'verified'", [unit.id]) ?? 0
                guard pending > 0 else { throw QuhaoError(.inspectionNoOpenFindings) }
            }
            let insertedID = try openRequest(context, unit: unit, kind: kind, token: ticketToken, by: Initiator(.unit, id: String(unit.id)))
            return try Self.fetchInspection(context.db, id: insertedID)
        }
    }

    /// Puts a unit's request in the office's queue: a number taken for the unit (same numbering,
    /// board and call engine as any) and the inspection bound to it. The caller has checked that the
    /// unit has no request open. Used by the unit's own request, a plan's draw and a complaint taken up.
    func openRequest(_ context: TicketStore.Context, unit: CanteenUnit, kind: InspectionKind, token: String, by initiator: Initiator) throws
        -> Inspection.ID
    {
        guard let rules = context.site.inspection else { throw QuhaoError(.siteNotFound, ["site": context.site.id]) }
        let ticket = try tickets.issue(
            IssueRequest(siteID: context.site.id, service: rules.service(for: kind), identity: unit.uscc, phone: unit.contactPhone, channel: .phone),
            token: token, by: initiator, context, forUnit: true)
        return try context.db.insert(
            "INSERT INTO inspections (site_id, unit_id, kind, status, ticket_id, requested_at) VALUES (?, ?, ?, 'requested', ?, ?)",
            [context.site.id, unit.id, kind.rawValue, ticket.id, context.now])
    }

    /// A unit withdraws its request while it is still waiting in the queue.
    /// - Throws: `inspection.not_found` when nothing is requested; `inspection.invalid_state` once inspectors are called.
    public func withdrawRequest(unitToken: String) async throws -> Inspection {
        let site = try await unit(token: unitToken, as: .private).unit.siteID
        return try await tickets.write(site: site) { context in
            let unit = try Self.unitForAction(context.db, token: unitToken)
            guard let open = try Self.openInspection(context.db, unit: unit.id), let ticketID = open.ticketID else {
                throw QuhaoError(.inspectionNotFound)
            }
            guard open.status == .requested else { throw Self.invalidState(open, action: "withdraw") }
            var record = try TicketStore.fetchTicket(context.db, .id(ticketID), day: nil)
            try TicketStore.apply(.cancel, to: &record, context, counter: nil, by: Initiator(.unit, id: String(unit.id))) {
                $0.finishedAt = context.now
            }
            return try Self.fetchInspection(context.db, id: open.id)
        }
    }

    // MARK: - Writes: the teams

    /// Calls the next unit's request to a team, recording who called (the unit's page names them).
    /// - Throws: `queue.empty`, `counter.*` for the team.
    /// - Throws: `inspection.queue_empty` (in the office's words) when no unit is waiting; `counter.*` for the team.
    public func callNext(site: String, team: Int, by inspector: Inspector) async throws -> CallResult {
        do {
            return try await tickets.callNext(site: site, counter: team, by: inspector.initiator, name: inspector.name)
        } catch let error as QuhaoError where error.code == .queueEmpty {
            throw QuhaoError(.inspectionQueueEmpty, ["team": String(team)])
        }
    }

    /// A team hands back the request it holds, before checking in: the request goes back to its
    /// place in the queue, uncalled, for any team to call (audited as the ticket's `release` event).
    /// A number the team holds that is bound to no inspection (taken before anonymous numbers were
    /// refused) cannot be served by anyone: it is cancelled instead.
    /// - Returns: The request released, or `nil` when the number held was bound to none.
    /// - Throws: `inspection.nothing_held` when the team holds nothing; `inspection.invalid_state` once checked in.
    @discardableResult
    public func release(site: String, team: Int, by inspector: Inspector) async throws -> Inspection? {
        try await tickets.write(site: site) { context in
            _ = try TicketStore.counter(team, in: context.site)
            guard var record = try TicketStore.heldTicket(context.db, site: site, counter: team) else {
                throw QuhaoError(.inspectionNothingHeld, ["counter": String(team)])
            }
            let held = try context.db.row("SELECT * FROM inspections WHERE ticket_id = ?", [record.id]).map(Self.inspection)
            guard let held else {
                try TicketStore.apply(.cancel, to: &record, context, counter: team, by: inspector.initiator, detail: "released: no inspection") {
                    $0.counterID = nil
                    $0.finishedAt = context.now
                }
                return nil
            }
            guard held.mode == nil, record.state == .called else { throw Self.invalidState(held, action: "release") }
            try TicketStore.apply(.release, to: &record, context, counter: team, by: inspector.initiator, detail: "by \(inspector.name)") {
                $0.counterID = nil
                $0.calledAt = nil
                $0.recallCount = 0
            }
            // Handed back unvisited: whoever called it was never on the premises.
            try context.db.execute("UPDATE inspections SET counter_id = NULL, called_by = NULL, inspectors = NULL WHERE id = ?", [held.id])
            try context.db.execute("DELETE FROM inspection_inspectors WHERE inspection_id = ?", [held.id])
            return try Self.fetchInspection(context.db, id: held.id)
        }
    }

    /// Cancels the open numbers of an office that are bound to no inspection: numbers taken
    /// anonymously before the office refused them (no team can serve them, and the board would count
    /// them as waiting). Run at start for every office; each cancel is in the ticket's event log.
    /// - Returns: How many were cancelled.
    @discardableResult
    public func cancelAnonymousNumbers(site: String) async throws -> Int {
        try await tickets.write(site: site) { context in
            guard context.site.kind == .inspection else { return 0 }
            let orphans = try TicketRecord.fetchAll(
                context.db,
                """
                SELECT * FROM tickets t WHERE t.site_id = ? AND t.state IN ('remote', 'waiting', 'called')
                AND NOT EXISTS (SELECT 1 FROM inspections i WHERE i.ticket_id = t.id)
                """, [site])
            for var record in orphans {
                try TicketStore.apply(.cancel, to: &record, context, counter: record.counterID, by: .system, detail: "no unit's request") {
                    $0.counterID = nil
                    $0.finishedAt = context.now
                }
            }
            return orphans.count
        }
    }

    // MARK: - Writes: the visit

    /// An inspector on the premises checks in by scanning the unit's poster QR.
    ///
    /// The unit's open inspection is taken: one called for a team goes into service; one still
    /// waiting in the queue is called to `team` and started; with none open, a special
    /// (unannounced) inspection starts here. Checking in again changes nothing.
    /// - Parameters:
    ///   - posterToken: The token of the scanned poster (the proof of presence).
    ///   - code: The code the unit's own screen showed, when that was scanned (``onSiteCode(unitToken:)``).
    ///   - team: The inspector's team (window): needed when the inspection was not yet called.
    /// - Throws: `unit.token_invalid` / `unit.token_wrong_kind`, `unit.inactive`, `unit.code_invalid`, `counter.*` for the team.
    public func checkIn(
        posterToken: String, code: String? = nil, team: Int?, with companions: [Int64] = [], by inspector: Inspector
    ) async throws -> Inspection {
        let site = try await unit(token: posterToken, as: .poster).unit.siteID
        return try await tickets.write(site: site) { context in
            let unit = try Self.activeUnit(context.db, poster: posterToken)
            let inspection = try checkingIn(context, unit: unit, site: site, code: code, team: team, by: inspector)
            // Companions chosen on the inspector's page: the office's signed-in inspectors, each one free to be sent there.
            let office = try Self.officeInspectors(context.db, site: site, at: context.now)
            for id in companions where id != Self.staffID(inspector.initiator) {
                guard let companion = office.first(where: { $0.id == id && $0.signedIn }) else {
                    throw QuhaoError(.inspectorUnknown, ["name": office.first { $0.id == id }?.name ?? "#\(id)"])
                }
                if let refusal = try Self.refusalToSend(context.db, inspection: inspection.id, unit: unit.id, staff: id) {
                    // Said of the colleague, not of the one checking in.
                    throw refusal.code == .inspectionRecused
                        ? QuhaoError(.inspectionCompanionRecused, ["name": companion.name, "unit": unit.name]) : refusal
                }
                try Self.addInspector(context.db, inspection.id, .staff(String(id)), name: companion.name, how: .chosen, at: context.now)
            }
            return try Self.fetchInspection(context.db, id: inspection.id)
        }
    }

    /// The check-in inside its transaction: proof, the rule of who may be sent, the visit started.
    private func checkingIn(
        _ context: TicketStore.Context, unit: CanteenUnit, site: String, code: String?, team: Int?, by inspector: Inspector
    ) throws -> Inspection {
        // The code the unit's own screen showed is the stronger proof; a wrong or stale one is refused,
        // never quietly taken as the poster.
        var proof = CheckInProof.posterToken
        if let code, !code.isEmpty {
            guard UnitTokens.isValid(code, unit: unit.id, at: context.now, key: try UnitTokens.key(context.db, site: site)) else {
                throw QuhaoError(.unitCodeInvalid)
            }
            proof = .rotatingCode
        }
        if let team { _ = try TicketStore.counter(team, in: context.site) }
        let staff = Self.staffID(inspector.initiator)
        guard let open = try Self.openInspection(context.db, unit: unit.id) else {
            guard let team else { throw QuhaoError(.counterNotFound, ["counter": "?"]) }
            if let refusal = try Self.refusalToSend(context.db, inspection: nil, unit: unit.id, staff: staff) { throw refusal }
            // A team is at one unit at a time: an unannounced visit waits until its current one is checked out.
            try Self.mustBeFree(context.db, site: site, team: team, except: nil)
            let insertedID = try context.db.insert(
                """
                INSERT INTO inspections (site_id, unit_id, kind, mode, status, counter_id, requested_at, called_by, checked_in_at,
                    checked_in_by, check_in_proof)
                VALUES (?, ?, 'special', 'on_site', 'in_progress', ?, ?, ?, ?, ?, ?)
                """, [site, unit.id, team, context.now, inspector.name, context.now, inspector.name, proof.rawValue])
            try Self.addInspector(context.db, insertedID, inspector.initiator, name: inspector.name, how: .checkedIn, at: context.now)
            return try Self.fetchInspection(context.db, id: insertedID)
        }
        if let refusal = try Self.refusalToSend(context.db, inspection: open.id, unit: unit.id, staff: staff) { throw refusal }
        if open.mode != nil {
            // Checked in already (by this inspector, or a colleague): scanning puts this one on the record too.
            if open.mode == .onSite, open.status == .inProgress {
                try Self.addInspector(context.db, open.id, inspector.initiator, name: inspector.name, how: .scanned, at: context.now)
            }
            return try Self.fetchInspection(context.db, id: open.id)
        }
        guard [.requested, .called, .inProgress].contains(open.status) else { throw Self.invalidState(open, action: "check_in") }
        try startTicket(of: open, team: team, inspector, context)
        try context.db.execute(
            """
            UPDATE inspections SET mode = 'on_site', checked_in_at = ?, checked_in_by = ?, check_in_proof = ?,
                called_by = COALESCE(called_by, ?) WHERE id = ?
            """, [context.now, inspector.name, proof.rawValue, inspector.name, open.id])
        try Self.addInspector(context.db, open.id, inspector.initiator, name: inspector.name, how: .checkedIn, at: context.now)
        return try Self.fetchInspection(context.db, id: open.id)
    }

    /// The inspection is made through the unit's kitchen camera instead of on the premises.
    /// - Throws: `inspection.no_camera` for a unit without a camera link; `inspection.invalid_state`.
    public func markRemote(_ id: Inspection.ID, team: Int? = nil, by inspector: Inspector) async throws -> Inspection {
        let site = try await inspection(id).siteID
        return try await tickets.write(site: site) { context in
            let open = try Self.fetchInspection(context.db, id: id)
            if open.mode == .remoteVideo { return open }
            guard open.mode == nil, [.requested, .called, .inProgress].contains(open.status) else {
                throw Self.invalidState(open, action: "mark_remote")
            }
            let unit = try Self.fetchUnit(context.db, id: open.unitID).unit
            guard unit.cameraURL != nil else { throw QuhaoError(.inspectionNoCamera) }
            if let refusal = try Self.refusalToSend(context.db, inspection: id, unit: unit.id, staff: Self.staffID(inspector.initiator)) {
                throw refusal
            }
            try startTicket(of: open, team: team, inspector, context)
            try context.db.execute(
                "UPDATE inspections SET mode = 'remote_video', called_by = COALESCE(called_by, ?) WHERE id = ?", [inspector.name, id])
            try Self.addInspector(context.db, id, inspector.initiator, name: inspector.name, how: .remote, at: context.now)
            return try Self.fetchInspection(context.db, id: id)
        }
    }

    /// Records the checklist: every item of the current version gets an outcome (未检查 for what
    /// could not be seen); each "no" becomes a finding with its severity and due day; the result
    /// follows the office's rule. A re-inspection closes the unit's earlier findings whose item now passes.
    /// - Throws: `inspection.not_checked_in` before a check-in or a remote mark; `inspection.invalid_state`
    ///   once recorded; `checklist.item_unknown`, `checklist.incomplete`.
    /// - Parameter submission: The form's one-time key (kept on the phone with the answers while offline):
    ///   the same key again records nothing more and answers with the inspection it recorded.
    /// - Throws: also `inspection.too_few_inspectors` when fewer inspectors are on the record than the
    ///   office asks for a visit made this way; `inspection.recused`, `inspection.not_assigned`.
    public func record(
        _ id: Inspection.ID, items: [String: ItemEntry], summary: String?, submission: String? = nil, by inspector: Inspector
    ) async throws -> Inspection {
        try Self.checkLengths(items, summary: summary)
        let site = try await inspection(id).siteID
        let submission = submission.map { String($0.prefix(64)) }.flatMap { $0.isEmpty ? nil : $0 }
        return try await tickets.write(site: site) { context in
            let open = try Self.fetchInspection(context.db, id: id)
            if let submission,
                try context.db.value(Int64.self, "SELECT id FROM inspections WHERE id = ? AND submission = ?", [id, submission]) != nil
            {
                return open
            }
            guard open.status == .inProgress || open.status == .called else { throw Self.invalidState(open, action: "record") }
            guard let mode = open.mode else { throw QuhaoError(.inspectionNotCheckedIn) }
            guard let rules = context.site.inspection else { throw QuhaoError(.siteNotFound, ["site": site]) }
            if let refusal = try Self.refusalToSend(context.db, inspection: id, unit: open.unitID, staff: Self.staffID(inspector.initiator)) {
                throw refusal
            }
            // Only an inspector on the visit records it (checked in, joined, chosen, or marked it remote),
            // and only those count towards the minimum: a colleague elsewhere cannot make up the second officer.
            guard try mode == .selfCheck || Self.isOnVisit(context.db, id, inspector.initiator) else { throw QuhaoError(.inspectionNotOnVisit) }
            let team = try Self.presentCount(context.db, id)
            let minimum = rules.minimumInspectors(mode)
            guard team.count >= minimum else {
                throw QuhaoError(
                    .inspectionTooFewInspectors,
                    ["minimum": String(minimum), "count": String(team.count), "names": team.map(\.name).joined(separator: "、")])
            }
            let checklist = try Self.checklist(context.db, site: site, version: nil)
            let outcome = try Self.score(items, against: checklist, rules: rules)
            let today = context.day
            var found: [(id: Int64, due: BusinessDay)] = []
            for item in checklist.items {
                // `score` refused a checklist with an item unanswered; said again where it is read.
                guard let entry = items[item.code] else { throw QuhaoError(.checklistIncomplete, ["count": "1", "code": item.code]) }
                try context.db.execute(
                    "INSERT INTO item_results (inspection_id, item_code, outcome, note) VALUES (?, ?, ?, ?)",
                    [id, item.code, entry.outcome.rawValue, entry.note?.trimmed])
                guard entry.outcome == .no else { continue }
                let severity: FindingSeverity = item.isKey ? .key : .general
                let description = entry.note?.trimmed.nonEmpty ?? item.text.zh
                let finding = try context.db.insert(
                    """
                    INSERT INTO findings (site_id, inspection_id, unit_id, item_code, severity, description, corrected_on_site, due_day,
                        state, created_at, verified_at, verified_by)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        site, id, open.unitID, item.code, severity.rawValue, description, entry.correctedOnSite,
                        rules.deadlines.due(severity, recordedOn: today).iso, entry.correctedOnSite ? "verified" : "open", context.now,
                        entry.correctedOnSite ? context.now : nil, entry.correctedOnSite ? inspector.name : nil,
                    ])
                try Self.logFinding(context.db, finding, context.now, "create", inspector.initiator, nil)
                if entry.correctedOnSite { try Self.logFinding(context.db, finding, context.now, "verify", inspector.initiator, "corrected on site") }
                if !entry.correctedOnSite { found.append((finding, rules.deadlines.due(severity, recordedOn: today))) }
            }
            try Self.queueFindingNotices(found, context)
            if open.kind == .reinspection {
                let passed = checklist.items.filter { items[$0.code]?.outcome == .yes }.map(\.code)
                let earlier = try context.db.rows(
                    "SELECT id, item_code FROM findings WHERE unit_id = ? AND state != 'verified' AND inspection_id != ?", [open.unitID, id])
                for row in earlier where passed.contains(try row["item_code"]) {
                    let finding: Finding.ID = try row["id"]
                    try context.db.execute(
                        "UPDATE findings SET state = 'verified', verified_at = ?, verified_by = ?, closed_by_inspection_id = ? WHERE id = ?",
                        [context.now, inspector.name, id, finding])
                    try Self.logFinding(context.db, finding, context.now, "close", inspector.initiator, "re-inspection #\(id)")
                }
            }
            try context.db.execute(
                """
                UPDATE inspections SET status = 'recorded', checklist_version = ?, result = ?, summary = ?, recorded_at = ?, recorded_by = ?,
                    submission = ?
                WHERE id = ?
                """, [checklist.version, outcome.rawValue, summary?.trimmed.nonEmpty, context.now, inspector.name, submission, id])
            try Self.regrade(context.db, unit: open.unitID, rule: rules.grading, at: context.now, by: inspector.initiator)
            return try Self.fetchInspection(context.db, id: id)
        }
    }

    /// Check-out closes the visit (and frees the team's window).
    /// - Parameter signature: The unit's responsible person's signature drawn on the inspector's phone
    ///   (a PNG stored by ``EvidenceFiles``) and their name, for the record (检查记录表).
    /// - Throws: `inspection.invalid_state` before results are recorded; `inspection.signature_required` for a
    ///   signature without a name (or the reverse); `evidence.type` for a signature that is not a PNG.
    /// - Parameter unsignedReason: On site, without a signature: why (the person refused, was away);
    ///   an on-site visit is checked out with one or the other (`inspection.signature_required`).
    public func checkOut(_ id: Inspection.ID, signature: Signature? = nil, unsignedReason: String? = nil, by inspector: Inspector) async throws
        -> Inspection
    {
        let site = try await inspection(id).siteID
        if let signature {
            guard !signature.name.trimmed.isEmpty, signature.name.trimmed.count <= 50 else { throw QuhaoError(.signatureRequired) }
            guard signature.image.contentType == PhotoType.png.rawValue else { throw QuhaoError(.evidenceType, ["name": "signature"]) }
        }
        let reason = signature == nil ? unsignedReason?.trimmed.nonEmpty : nil
        if let reason, reason.count > 200 { throw QuhaoError(.unitFieldTooLong, ["max": "200", "field": "unsigned_reason"]) }
        return try await tickets.write(site: site) { context in
            let open = try Self.fetchInspection(context.db, id: id)
            guard open.status == .recorded else { throw Self.invalidState(open, action: "check_out") }
            guard try open.mode == .selfCheck || Self.isOnVisit(context.db, id, inspector.initiator) else {
                throw QuhaoError(.inspectionNotOnVisit)
            }
            // On the premises the unit's responsible person signs the record, or the record says why not.
            guard open.mode != .onSite || signature != nil || reason != nil else { throw QuhaoError(.signatureRequired) }
            try context.db.execute("UPDATE inspections SET checked_out_at = ?, unsigned_reason = ? WHERE id = ?", [context.now, reason, id])
            if let signature {
                try Self.keep(context.db, signature.image, at: context.now)
                try context.db.execute(
                    "UPDATE inspections SET signature_sha256 = ?, signed_by = ?, signed_at = ? WHERE id = ?",
                    [signature.image.sha256, signature.name.trimmed, context.now, id])
            }
            if let ticketID = open.ticketID, var record = try TicketRecord.fetchOne(context.db, id: ticketID), record.state == .serving {
                try TicketStore.apply(.complete, to: &record, context, counter: record.counterID, by: inspector.initiator) {
                    $0.finishedAt = context.now
                }
            } else {
                try context.db.execute("UPDATE inspections SET status = 'closed' WHERE id = ?", [id])
            }
            return try Self.fetchInspection(context.db, id: id)
        }
    }

    /// A unit's own check on the current checklist (自查): recorded and closed at once; its "no"
    /// answers are the unit's own notes, not the office's findings.
    /// - Parameter submission: The form's one-time key: the same key again (a double tap) records nothing
    ///   more and answers with the self-inspection it recorded.
    public func selfInspection(unitToken: String, items: [String: ItemEntry], summary: String?, submission: String? = nil) async throws
        -> Inspection
    {
        try Self.checkLengths(items, summary: summary)
        let site = try await unit(token: unitToken, as: .private).unit.siteID
        let submission = submission.map { String($0.prefix(64)) }.flatMap { $0.isEmpty ? nil : $0 }
        return try await tickets.write(site: site) { context in
            let unit = try Self.unitForAction(context.db, token: unitToken)
            if let submission,
                let done = try context.db.value(Int64.self, "SELECT id FROM inspections WHERE unit_id = ? AND submission = ?", [unit.id, submission])
            {
                return try Self.fetchInspection(context.db, id: done)
            }
            guard let rules = context.site.inspection else { throw QuhaoError(.siteNotFound, ["site": site]) }
            let checklist = try Self.checklist(context.db, site: site, version: nil)
            let outcome = try Self.score(items, against: checklist, rules: rules)
            let id = try context.db.insert(
                """
                INSERT INTO inspections (site_id, unit_id, kind, mode, status, requested_at, checklist_version, result, summary,
                    recorded_at, recorded_by, checked_out_at, submission)
                VALUES (?, ?, 'self', 'self', 'closed', ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    site, unit.id, context.now, checklist.version, outcome.rawValue, summary?.trimmed.nonEmpty, context.now, unit.name, context.now,
                    submission,
                ])
            for item in checklist.items {
                // `score` refused a checklist with an item unanswered; said again where it is read.
                guard let entry = items[item.code] else { throw QuhaoError(.checklistIncomplete, ["count": "1", "code": item.code]) }
                try context.db.execute(
                    "INSERT INTO item_results (inspection_id, item_code, outcome, note) VALUES (?, ?, ?, ?)",
                    [id, item.code, entry.outcome.rawValue, entry.note?.trimmed])
            }
            return try Self.fetchInspection(context.db, id: id)
        }
    }

    // MARK: - Inside transactions

    /// Puts an inspection's ticket into service: a waiting one is called to `team` first.
    private func startTicket(of inspection: Inspection, team: Int?, _ inspector: Inspector, _ context: TicketStore.Context) throws {
        guard let ticketID = inspection.ticketID, var record = try TicketRecord.fetchOne(context.db, id: ticketID) else { return }
        let ticketContext = context
        if record.state == .waiting {
            guard let team else { throw QuhaoError(.counterNotFound, ["counter": "?"]) }
            let counter = try TicketStore.counter(team, in: context.site)
            guard counter.services.contains(record.serviceID) else {
                throw QuhaoError(.counterDoesNotServe, ["counter": String(team), "service": record.serviceID])
            }
            try Self.mustBeFree(context.db, site: context.site.id, team: team, except: inspection.id)
            try TicketStore.apply(.call, to: &record, ticketContext, counter: team, by: inspector.initiator) {
                $0.counterID = team
                $0.calledAt = context.now
            }
        }
        if record.state == .called {
            try TicketStore.apply(.start, to: &record, ticketContext, counter: record.counterID, by: inspector.initiator) {
                $0.startedAt = context.now
            }
        }
    }

    /// Refuses a team that holds a number or is under way at another unit (an unannounced visit has no number).
    static func mustBeFree(_ db: any SQLDatabase, site: String, team: Int, except: Inspection.ID?) throws {
        if let held = try TicketStore.heldTicket(db, site: site, counter: team) {
            let unit = try db.value(String.self, "SELECT u.name FROM inspections i JOIN units u ON u.id = i.unit_id WHERE i.ticket_id = ?", [held.id])
            throw QuhaoError(.inspectionTeamBusy, ["team": String(team), "unit": unit ?? held.number])
        }
        if let busy = try db.row(
            """
            SELECT u.name FROM inspections i JOIN units u ON u.id = i.unit_id
            WHERE i.site_id = ? AND i.counter_id = ? AND i.status IN ('called', 'in_progress', 'recorded') AND i.id IS DISTINCT FROM ?
            LIMIT 1
            """, [site, team, except])
        {
            throw QuhaoError(.inspectionTeamBusy, ["team": String(team), "unit": try busy["name"] as String])
        }
    }

    /// Checks a filled-in checklist and gives its result.
    /// The longest note on an item and the longest summary (the forms' own limits): a record is kept
    /// for years and printed on A4.
    static let noteLimit = 500
    static let summaryLimit = 2000

    /// - Throws: `inspection.note_too_long` naming the item, `unit.field_too_long` for the summary.
    static func checkLengths(_ items: [String: ItemEntry], summary: String?) throws {
        for (code, entry) in items.sorted(by: { $0.key < $1.key }) where (entry.note?.trimmed.count ?? 0) > noteLimit {
            throw QuhaoError(
                .inspectionNoteTooLong, ["item": code, "count": String(entry.note?.trimmed.count ?? 0), "max": String(noteLimit)])
        }
        if (summary?.trimmed.count ?? 0) > summaryLimit {
            throw QuhaoError(.unitFieldTooLong, ["max": String(summaryLimit), "field": "summary"])
        }
    }

    static func score(_ items: [String: ItemEntry], against checklist: Checklist, rules: InspectionRules) throws -> InspectionResult {
        if let unknown = items.keys.sorted().first(where: { checklist.item($0) == nil }) {
            throw QuhaoError(.checklistItemUnknown, ["code": unknown, "version": String(checklist.version)])
        }
        let missing = checklist.items.filter { items[$0.code] == nil }
        if let first = missing.first { throw QuhaoError(.checklistIncomplete, ["count": String(missing.count), "code": first.code]) }
        let failed = checklist.items.filter { items[$0.code]?.outcome == .no }
        return rules.resultRule.result(keyFailures: failed.filter(\.isKey).count, generalFailures: failed.filter { !$0.isKey }.count)
    }

    /// The unit behind a private token, inside a transaction, refusing a deactivated one.
    static func unitForAction(_ db: any SQLDatabase, token: String) throws -> CanteenUnit {
        guard let row = try db.row("SELECT * FROM units WHERE private_token = ?", [token]) else {
            throw QuhaoError(.unitTokenInvalid)
        }
        let unit = try registered(row).unit
        guard unit.active else { throw QuhaoError(.unitInactive) }
        return unit
    }

    static func activeUnit(_ db: any SQLDatabase, poster token: String) throws -> CanteenUnit {
        guard let row = try db.row("SELECT * FROM units WHERE poster_token = ?", [token]) else {
            throw QuhaoError(.unitTokenInvalid)
        }
        let unit = try registered(row).unit
        guard unit.active else { throw QuhaoError(.unitInactive) }
        return unit
    }

    static func openInspection(_ db: any SQLDatabase, unit: CanteenUnit.ID) throws -> Inspection? {
        try db.row(
            "SELECT * FROM inspections WHERE unit_id = ? AND kind != 'self' AND status IN ('requested', 'called', 'in_progress', 'recorded')", [unit]
        ).map(inspection)
    }

    public static func invalidState(_ inspection: Inspection, action: String) -> QuhaoError {
        let (zh, en) = actionWords[action] ?? (action, action)
        return QuhaoError(
            .inspectionInvalidState,
            ["state": inspection.status.label.zh, "state@en": inspection.status.label.en ?? "", "action": zh, "action@en": en])
    }

    static let actionWords: [String: (String, String)] = [
        "withdraw": ("撤回", "withdrawn"), "check_in": ("签到", "checked in"), "mark_remote": ("改为远程视频检查", "marked remote"),
        "record": ("记录结果", "recorded"), "check_out": ("签退", "checked out"), "release": ("释放回队列", "released to the queue"),
        "photo": ("添加照片", "given photos"), "print": ("打印检查记录表", "printed"),
    ]

    @discardableResult
    static func logFinding(_ db: any SQLDatabase, _ finding: Finding.ID, _ at: Date, _ action: String, _ initiator: Initiator, _ text: String?) throws
        -> Int64
    {
        try db.insert(
            "INSERT INTO finding_events (finding_id, at, action, initiator, text) VALUES (?, ?, ?, ?, ?)",
            [finding, at, action, initiator.description, text])
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
    var nonEmpty: String? { isEmpty ? nil : self }
}

extension InspectionStore {
    /// At an office's day's end, requests still waiting (their ticket expired with the day) take
    /// a number in the new day's queue, in the order they were first made, ahead of the new
    /// day's requests: a unit keeps its request until inspectors come, however many days that takes.
    /// A request whose business type is closed now stays as it is and is carried at the next run.
    static func carryOver(_ context: TicketStore.Context, store: TicketStore) throws {
        guard let rules = context.site.inspection else { return }
        let waiting = try context.db.rows(
            """
            SELECT i.id, i.kind, i.unit_id FROM inspections i JOIN tickets t ON t.id = i.ticket_id
            WHERE i.site_id = ? AND i.status = 'requested' AND t.state = 'expired' ORDER BY i.requested_at, i.id
            """, [context.site.id])
        for row in waiting {
            let unit = try fetchUnit(context.db, id: try row["unit_id"]).unit
            let kind = InspectionKind(rawValue: try row["kind"]) ?? .routine
            let request = IssueRequest(
                siteID: context.site.id, service: rules.service(for: kind), identity: unit.uscc, phone: unit.contactPhone, channel: .phone)
            // The checks come before the insert: a refusal (a closed business type) leaves nothing half-done.
            guard let ticket = try? store.issue(request, token: store.random.token(), by: .system, context, forUnit: true) else { continue }
            try context.db.execute("UPDATE inspections SET ticket_id = ? WHERE id = ?", [ticket.id, try row["id"] as Int64])
        }
    }
}
