import Foundation
import QuhaoCore

/// A number that survives a closed browser (issue 23): the same person typing the same identity
/// and phone in another browser is told the number and its place, and may take it over with a
/// code texted to that phone; knowing someone's ID and phone is not enough to act on their number.
extension TicketStore {
    /// Codes one number may be sent in a day, and the pause between two.
    public static let takeOverCodesPerDay = 5
    public static let takeOverCodePause: TimeInterval = 60
    /// Wrong codes before a code is burnt.
    public static let takeOverAttempts = 5

    /// The active number of today for an identity and a phone (both keyed hashes) at a business type.
    static func heldTicket(_ db: any SQLDatabase, site: Site, day: BusinessDay, service: String, identity: String, phone: String) throws
        -> TicketRecord?
    {
        try TicketRecord.fetchOne(
            db,
            """
            SELECT * FROM tickets WHERE site_id = ? AND day = ? AND origin_service_id = ? AND identity_hash = ? AND phone_hash = ?
            AND state IN ('remote', 'waiting', 'called', 'serving') LIMIT 1
            """, [site.id, day.iso, service, identity, phone])
    }

    /// `ticket.held_elsewhere`: the number, its business type and where it stands, in both languages.
    static func heldElsewhere(_ held: TicketRecord, site: Site, service: Service, _ context: Context) throws -> QuhaoError {
        let (zh, en): (String, String)
        switch held.state {
        case .called: (zh, en) = ("已叫号，请到 \(held.counterID ?? 0) 号窗口", "it has been called to window \(held.counterID ?? 0)")
        case .serving: (zh, en) = ("正在 \(held.counterID ?? 0) 号窗口办理", "it is being served at window \(held.counterID ?? 0)")
        default:
            let day = try TicketRecord.fetchAll(
                context.db, "SELECT * FROM tickets WHERE site_id = ? AND day = ? AND state IN ('remote', 'waiting') ORDER BY id",
                [site.id, context.day.iso]
            ).map(\.ticket)
            let ahead = QueueOrder.peopleAhead(day)[held.id ?? 0] ?? 0
            (zh, en) = ahead == 0 ? ("您是下一位", "you are next") : ("前面还有 \(ahead) 人", "\(ahead) ahead of you")
        }
        return QuhaoError(
            .ticketHeldElsewhere,
            service.messageParameters.merging(["number": held.number, "place": zh, "place@en": en, "phone": held.phoneMasked ?? ""]) { $1 })
    }

    /// The number held by this identity and phone, checked as a take checks them.
    private func heldForTakeOver(_ request: IssueRequest, _ context: Context) throws -> (TicketRecord, phone: String) {
        let site = context.site
        guard site.notices?.channels.contains(.sms) == true else {
            throw QuhaoError(.noticeUnavailable, ["site": site.name.zh, "site@en": site.name.en ?? site.name.zh])
        }
        guard let service = site.service(request.service) else { throw QuhaoError(.serviceNotFound, ["service": request.service]) }
        let named = service.messageParameters
        guard
            let identity = try IdentityCheck.validate(
                request.identity, for: service.identity == .none ? .either : service.identity, service: named, today: context.day,
                allowChecksumOverride: false),
            let phone = try IdentityCheck.validatePhone(request.phone, for: .required, service: named)
        else { throw QuhaoError(.ticketClaimInvalid, ["form": "none"]) }
        guard
            let held = try Self.heldTicket(
                context.db, site: site, day: context.day, service: service.id, identity: identityHash(identity),
                phone: keyedHash("phone:\(phone)"))
        else { throw QuhaoError(.ticketClaimInvalid, ["form": "none"]) }
        return (held, phone)
    }

    /// Texts a code to the phone of the number this identity and phone hold, for another browser
    /// to take it over (at most once a minute and ``takeOverCodesPerDay`` times a day).
    /// - Returns: The phone, masked, as the page says it.
    /// - Throws: `notice.unavailable` (a hall that sends no texts), `ticket.claim_invalid` (no such
    ///   number), `ticket.claim_limited`, the identity's and phone's own refusals.
    public func sendTakeOverCode(_ request: IssueRequest) async throws -> String {
        try await write(site: request.siteID) { context in
            let (held, phone) = try heldForTakeOver(request, context)
            let db = context.db
            var sentToday = 0
            if let row = try db.row("SELECT created_at, sent_today FROM ticket_claims WHERE ticket_id = ?", [held.id]) {
                let created: Date = try row["created_at"]
                sentToday = try row["sent_today"]
                var wait = Self.takeOverCodePause - context.now.timeIntervalSince(created)
                // The day's codes used up: until the hall's next day, not a minute.
                if sentToday >= Self.takeOverCodesPerDay {
                    wait = context.day.adding(days: 1).start(in: context.site.zone).timeIntervalSince(context.now)
                }
                if wait > 0 {
                    throw QuhaoError(
                        .ticketClaimLimited,
                        ["seconds": String(Int(max(1, wait.rounded(.up)))), "most": String(Self.takeOverCodesPerDay)])
                }
            }
            let code = String(format: "%06d", Int(context.random.bytes(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) } % 1_000_000))
            try db.execute(
                """
                INSERT INTO ticket_claims (ticket_id, code_hash, created_at, expires_at, attempts, sent_today) VALUES (?, ?, ?, ?, 0, ?)
                ON CONFLICT (ticket_id) DO UPDATE SET code_hash = excluded.code_hash, created_at = excluded.created_at,
                    expires_at = excluded.expires_at, attempts = 0, sent_today = excluded.sent_today
                """,
                [
                    held.id, keyedHash("claim:\(held.id ?? 0):\(code)"), context.now, context.now.addingTimeInterval(NoticeRules.codeLifetime),
                    sentToday + 1,
                ])
            // An older code still waiting to be sent is no use any more.
            try Self.endNotices(about: .ticket(held.id ?? 0), kinds: [.code], context)
            try Self.insertNotice(.code, channel: .sms, ticket: held, counter: nil, ahead: nil, address: phone, detail: code, context)
            return held.phoneMasked ?? Masking.phone(phone)
        }
    }

    /// Takes a number over in this browser with the code texted to its phone: the number is this
    /// device's from now on (its page, cancel, check-in); the code is used up.
    /// - Throws: `ticket.claim_invalid` for a wrong, expired or used-up code (five wrong tries burn it).
    public func takeOver(_ request: IssueRequest, code: String, device: String) async throws -> Ticket {
        let outcome: Result<Ticket, QuhaoError> = try await write(site: request.siteID) { context in
            let (held, _) = try heldForTakeOver(request, context)
            let db = context.db
            guard let row = try db.row("SELECT code_hash, expires_at, attempts FROM ticket_claims WHERE ticket_id = ?", [held.id]) else {
                return .failure(QuhaoError(.ticketClaimInvalid))
            }
            let expires: Date = try row["expires_at"]
            let attempts: Int = try row["attempts"]
            let typed = code.filter(\.isNumber)
            guard expires > context.now, attempts < Self.takeOverAttempts else { return .failure(QuhaoError(.ticketClaimInvalid)) }
            guard try row["code_hash"] == keyedHash("claim:\(held.id ?? 0):\(typed)") else {
                // Counted in the same transaction, and kept: a wrong try is not rolled back by the refusal.
                try db.execute("UPDATE ticket_claims SET attempts = attempts + 1 WHERE ticket_id = ?", [held.id])
                // Tries left: said (found by a walk: "请重新获取" after one wrong try of five).
                let left = Self.takeOverAttempts - attempts - 1
                return .failure(QuhaoError(.ticketClaimInvalid, left > 0 ? ["form": "wrong", "left": String(left)] : [:]))
            }
            try db.execute("UPDATE tickets SET device_hash = ? WHERE id = ?", [keyedHash("device:\(device)"), held.id])
            // Used up, but the day's count of codes sent stays.
            try db.execute(
                "UPDATE ticket_claims SET expires_at = ?, attempts = ? WHERE ticket_id = ?", [context.now, Self.takeOverAttempts, held.id])
            db.journal.touch([held.id ?? 0])
            return .success(held.ticket)
        }
        return try outcome.get()
    }
}

extension TicketStore {
    /// A short keyed tag of `text` (the database's own key): a page's check that an answer coming
    /// back from outside (WeChat's confirmation) is for the ticket and kind it asked about.
    public func stateTag(_ text: String) -> String { String(keyedHash("state:\(text)").prefix(24)) }

    /// A visitor's consent on WeChat's page to one message of `kind` about a ticket, with their openid.
    /// - Throws: `notice.unavailable` (the hall sends nothing by WeChat), `ticket.invalid_transition`
    ///   for a ticket no longer waiting or called.
    public func subscribeWeChat(ticket token: String, openID: String, kind: NoticeRules.Kind, language: Language) async throws {
        try await write(ticket: .token(token)) { context, record in
            guard context.site.notices?.channels.contains(.wechat) == true, kind != .code else {
                throw QuhaoError(.noticeUnavailable, ["site": context.site.name.zh, "site@en": context.site.name.en ?? context.site.name.zh])
            }
            guard !NoticeRules.hasEnded(record.state) else {
                throw QuhaoError(.ticketInvalidTransition, ["number": record.number, "state": record.state.rawValue, "action": "subscribe"])
            }
            // An openid is WeChat's: letters, digits, - and _ (28 characters today).
            guard (1...64).contains(openID.count), openID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw QuhaoError(.requestInvalid, ["reason": "微信返回的 openid 格式不正确", "reason@en": "WeChat's openid is malformed"])
            }
            // The first visitor to consent keeps the ticket's messages: another openid is not let in.
            if let kept = try context.db.value(
                String.self, "SELECT address FROM notice_contacts WHERE ticket_id = ? AND channel = 'wechat'", [record.id]), kept != openID
            {
                throw QuhaoError(
                    .requestInvalid, ["reason": "本号已由另一个微信开启提醒", "reason@en": "another WeChat user already chose this number's messages"])
            }
            try Self.grantWeChat(kind, openID: openID, language: language, ticket: record, context)
            context.db.journal.touch([record.id ?? 0])
        }
    }
}
