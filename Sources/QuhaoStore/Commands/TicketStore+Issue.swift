import Foundation
import QuhaoCore

/// What a visitor (or staff on their behalf) asks for when taking a number.
public struct IssueRequest: Sendable, Hashable {
    public var siteID: String
    /// Service id or prefix letter.
    public var service: String
    /// USCC or resident ID as typed.
    public var identity: String?
    /// Mobile number as typed.
    public var phone: String?
    public var priority: PriorityClass
    public var appointment: AppointmentSlot?
    public var channel: Channel
    /// Taken away from the hall: queued as `remote` until checked in.
    public var remote: Bool
    /// Staff accepted a well-formed USCC whose check character fails (logged in the event).
    public var identityOverride: Bool
    /// The phone's device cookie: one active ticket per device per site. Stored hashed.
    public var device: String?
    /// The channels the visitor chose for messages about this number (text messages need the phone).
    public var notify: Set<NoticeChannel>
    /// The visitor's language, for their messages.
    public var language: Language

    public init(
        siteID: String, service: String, identity: String? = nil, phone: String? = nil, priority: PriorityClass = .normal,
        appointment: AppointmentSlot? = nil, channel: Channel = .phone, remote: Bool = false, identityOverride: Bool = false,
        device: String? = nil, notify: Set<NoticeChannel> = [], language: Language = .zhCN
    ) {
        self.notify = notify
        self.language = language
        self.siteID = siteID
        self.service = service
        self.identity = identity
        self.phone = phone
        self.priority = priority
        self.appointment = appointment
        self.channel = channel
        self.remote = remote
        self.identityOverride = identityOverride
        self.device = device
    }
}

extension TicketStore {
    // MARK: - Writes: issuing

    /// Takes a number.
    ///
    /// Checks, in the same transaction as the insert: the service exists and is open, the daily
    /// cap, the identity and phone the service needs, one number per identity per service per
    /// day. The number is the next in the service's sequence for the site's business day.
    ///
    /// Issues arriving together are committed together (``GroupCommit``): each in its own
    /// savepoint, so one refusal never touches another, and each answered only after the commit.
    /// - Throws: ``QuhaoError`` `site.*`, `service.*`, `identity.*`, `phone.*`.
    public func issue(_ request: IssueRequest, by initiator: Initiator = .visitor) async throws -> Ticket {
        try databaseFileInPlace()
        let token = random.token()
        return try await issues.submit(request.siteID) { db, now in
            try issue(
                request, token: token, by: initiator,
                Context(db: db, now: now, site: try sites.load(db, request.siteID), random: random))
        }
    }

    /// Who a ticket is for when a booking's check-in issues it: checked when booked, kept hashed
    /// and masked only, so not checked again (and not held to the daily cap: the slot held the place).
    struct BookedPerson {
        let identityKind: IdentityKind?
        let identityHash: String?
        let identityMasked: String?
        let phoneMasked: String?
        let detail: String
    }

    /// The checks and the insert of ``issue(_:by:)``, inside the caller's transaction.
    /// - Parameter forUnit: The number is a canteen unit's inspection request (``InspectionStore/request(_:unitToken:)``):
    ///   the only way a number is taken at an inspection office, and one the hall's one-number-per-identity-per-day
    ///   rule does not apply to (the office's rule, one open request per unit, is the inspection store's).
    func issue(
        _ request: IssueRequest, token: String, by initiator: Initiator, _ context: Context, booked: BookedPerson? = nil, forUnit: Bool = false
    ) throws -> Ticket {
        let site = context.site
        // An inspection office's queue holds units' requests only: an anonymous number there is bound
        // to no unit, and the team that called it could do nothing with it but hold it.
        if site.kind == .inspection && !forUnit { throw QuhaoError(.inspectionUnitLinkRequired, ["site": site.id]) }
        guard let service = site.service(request.service) else {
            throw QuhaoError(.serviceNotFound, ["service": request.service])
        }
        let named = service.messageParameters
        if let hours = service.hours, !hours.isOpen(at: context.now, in: site.zone) {
            throw QuhaoError(.serviceClosed, named)
        }
        let identity =
            booked != nil
            ? nil
            : try IdentityCheck.validate(
                request.identity, for: service.identity, service: named, today: context.day,
                allowChecksumOverride: request.identityOverride && request.channel == .staff)
        if !request.notify.isEmpty, !request.notify.isSubset(of: site.notices?.channels ?? []) {
            throw QuhaoError(.noticeUnavailable, ["site": site.name.zh, "site@en": site.name.en ?? site.name.zh])
        }
        // Text messages need the phone, whether or not the business type asks for one.
        let phone =
            booked != nil
            ? nil
            : try IdentityCheck.validatePhone(
                request.phone, for: request.notify.contains(.sms) ? .required : service.phone,
                service: request.notify.contains(.sms) && service.phone != .required
                    ? ["service": "短信提醒", "service@en": "Text reminders", "form": "notice"] : named)
        let db = context.db
        let deviceHash = request.device.map { keyedHash("device:\($0)") }
        if let deviceHash,
            let active = try TicketRecord.fetchOne(
                db,
                """
                SELECT * FROM tickets WHERE site_id = ? AND device_hash = ?
                AND state IN ('remote', 'waiting', 'called', 'serving') LIMIT 1
                """, [site.id, deviceHash])
        {
            // The same phone asking again for the same business type and person: a retry of a take
            // whose answer never arrived (a dropped connection). It gets the number it already has.
            if active.originServiceID == service.id, active.identityHash == identity.map(identityHash) { return active.ticket }
            throw QuhaoError(.ticketDeviceActive, ["number": active.number])
        }
        let lastSeq =
            try db.value(
                Int.self, "SELECT MAX(seq) FROM tickets WHERE site_id = ? AND day = ? AND origin_service_id = ?",
                [site.id, context.day.iso, service.id]) ?? 0
        if booked == nil, let cap = service.dailyCap, lastSeq >= cap {
            throw QuhaoError(.serviceDailyCapReached, named.merging(["cap": String(cap)]) { $1 })
        }
        let hash = booked?.identityHash ?? identity.map(identityHash)
        if let hash, !forUnit {
            let taken = try db.value(
                Bool.self,
                """
                SELECT EXISTS (SELECT 1 FROM tickets WHERE site_id = ? AND day = ? AND origin_service_id = ?
                    AND identity_hash = ? AND state NOT IN ('cancelled', 'expired'))
                """, [site.id, context.day.iso, service.id, hash])
            if taken == true {
                // The same person and phone in another browser (a scanner's throw-away one): told
                // the number and its place, never its link (``takeOver(_:code:device:)``).
                if let phone,
                    let held = try Self.heldTicket(
                        db, site: site, day: context.day, service: service.id, identity: hash, phone: keyedHash("phone:\(phone)"))
                {
                    throw try Self.heldElsewhere(held, site: site, service: service, context)
                }
                throw QuhaoError(.identityDuplicate, named)
            }
        }
        let lastKey =
            try db.value(Int64.self, "SELECT MAX(sort_key) FROM tickets WHERE site_id = ? AND day = ?", [site.id, context.day.iso])
            ?? 0
        let number = TicketNumber(prefix: service.prefix, sequence: lastSeq + 1)
        var record = TicketRecord(
            id: nil, token: token, siteID: site.id, day: context.day, originServiceID: service.id, seq: number.sequence,
            number: number.description, serviceID: service.id, state: request.remote ? .remote : .waiting,
            priority: request.priority, appointmentStart: request.appointment?.start, appointmentEnd: request.appointment?.end,
            channel: request.channel, sortKey: lastKey + QueuePlacement.spacing, counterID: nil, recallCount: 0,
            transferCount: 0, reactivated: false, identityKind: booked?.identityKind ?? identity?.kind, identityHash: hash,
            identityMasked: booked?.identityMasked ?? identity?.masked, phoneMasked: booked?.phoneMasked ?? phone.map(Masking.phone),
            issuedAt: context.now, checkedInAt: nil,
            calledAt: nil, startedAt: nil, finishedAt: nil, deviceHash: deviceHash)
        try record.insert(db)
        if let phone { try db.execute("UPDATE tickets SET phone_hash = ? WHERE id = ?", [keyedHash("phone:\(phone)"), record.id]) }
        if let phone, request.notify.contains(.sms) {
            try TicketStore.keepContact(.sms, address: phone, language: request.language, ticket: record, context)
        }
        var event = TicketEvent(
            id: nil, ticketID: record.id!, siteID: site.id, at: context.now, action: "issue", fromState: nil,
            toState: record.state, counterID: nil, serviceID: service.id, initiator: initiator.description,
            detail: booked?.detail ?? (identity?.checksumOverridden == true ? "identity checksum overridden by staff" : nil))
        try context.append(&event, ticket: record)
        return record.ticket
    }
}
