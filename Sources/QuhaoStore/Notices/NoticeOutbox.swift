import Foundation
import QuhaoCore

/// Messages to visitors who chose them (issue 23): the outbox, written in the transaction of the
/// change each message tells of (a number taken, called, called again), and "almost your turn"
/// planned after each commit from where the queue stands; claimed and settled by the deliverer.
/// The visitor's address (a phone in clear) is kept in `notice_contacts` only while the ticket
/// lives: deleted in the transaction that ends it, and never copied into a message row.
public struct NoticeOutbox: TicketStoreFacade {
    let tickets: TicketStore
}

extension TicketStore {
    public var notices: NoticeOutbox { NoticeOutbox(tickets: self) }
}

/// One queued message.
public struct QueuedNotice: Sendable, Hashable {
    public let id: Int64
    /// The idempotency key: the same on every attempt (`{{id}}` in the provider's request).
    public let key: String
    public let siteID: String
    public let subject: NoticeSubject
    public let channel: NoticeChannel
    public let kind: NoticeRules.Kind
    public let counterID: Int?
    public let ahead: Int?
    /// A take-over code, until it is sent (for a booking, the visitor's language).
    public let detail: String?
    /// The phone kept on the row itself (a take-over code's, a booking's) until it is sent; not
    /// public: pages and logs never see it.
    let address: String?
    public let createdAt: Date
    public let attempts: Int
}

/// A claimed message with what sending it needs, or why it is not sent.
public struct NoticeDispatch: Sendable {
    public let notice: QueuedNotice
    public let verdict: NoticeRules.Verdict
    /// Where it goes (a phone number); `nil` once the ticket ended.
    public let address: String?
    public let number: String
    /// The message in the visitor's language.
    public let text: String
    /// The window's words (`3 号窗口`), empty for a message without one.
    public let window: String
    /// The ticket's page.
    public let link: String
    public let siteName: String
    /// A take-over code (`{{code}}`), empty for other messages.
    public let code: String
}

/// How a message ended, as the console and the metrics count it.
public enum NoticeOutcome: String, Sendable, Hashable, CaseIterable {
    case sent
    case stale, overtaken, ended, capped
    /// Retried until its moment passed or its attempts ran out.
    case givenUp = "given_up"
    /// The provider refused it for good (a number it cannot reach).
    case refused

    public init(_ reason: NoticeRules.Reason) {
        switch reason {
        case .stale: self = .stale
        case .overtaken: self = .overtaken
        case .ended: self = .ended
        case .capped: self = .capped
        }
    }
}

/// A channel and an outcome, for counting messages.
public struct NoticeCount: Sendable, Hashable {
    public let channel: String
    public let outcome: String

    public init(channel: String, outcome: String) {
        self.channel = channel
        self.outcome = outcome
    }
}

/// Why a message is being tried again, as a class (the provider's own words are kept beside it
/// for the log): what the visitor's page and the console say, in the reader's language.
public enum NoticeFailure: String, Sendable, Hashable, CaseIterable {
    /// No connection to the provider (refused, no route, no name).
    case unreachable
    /// Connected, but no answer in time.
    case timeout
    /// The provider said to come back later (HTTP 408, 429, 5xx; WeChat busy or limited).
    case busy
    /// The provider answered without taking it (its "accepted" field said otherwise).
    case notTaken = "not_taken"
}

/// A ticket's messages as the window's console shows them.
public struct NoticeStatus: Sendable, Hashable {
    public let channel: NoticeChannel
    public let kind: NoticeRules.Kind
    public let createdAt: Date
    /// `nil`: still to be sent (or being retried).
    public let outcome: NoticeOutcome?
    public let finishedAt: Date?
    public let attempts: Int
    public let lastError: String?
    /// Why the latest attempt failed, as a class (`nil`: none failed).
    public let failure: NoticeFailure?

    public init(
        channel: NoticeChannel, kind: NoticeRules.Kind, createdAt: Date, outcome: NoticeOutcome?, finishedAt: Date?, attempts: Int,
        lastError: String?, failure: NoticeFailure?
    ) {
        self.channel = channel
        self.kind = kind
        self.createdAt = createdAt
        self.outcome = outcome
        self.finishedAt = finishedAt
        self.attempts = attempts
        self.lastError = lastError
        self.failure = failure
    }
}

/// When a failed attempt is tried again: 2 s, 4 s … doubling up to 30 s; at most ``attempts`` tries,
/// and never once its moment passed (``NoticeRules/verdict(_:state:queuedAt:now:sent:)``).
public enum NoticeRetry {
    public static let attempts = 12

    public static func delay(afterAttempts attempts: Int) -> TimeInterval {
        min(30, 2 * pow(2, Double(max(0, min(attempts, 10) - 1))))
    }
}

extension TicketStore {
    // MARK: - Writes inside a ticket's transaction

    /// Keeps a visitor's address for a ticket's messages (they chose them when taking it).
    static func keepContact(_ channel: NoticeChannel, address: String, language: Language, ticket: TicketRecord, _ context: Context) throws {
        try context.db.execute(
            """
            INSERT INTO notice_contacts (ticket_id, channel, site_id, address, language, created_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (ticket_id, channel) DO NOTHING
            """, [ticket.id, channel.rawValue, context.site.id, address, language == .en ? "en" : "zh", context.now])
    }

    /// The messages an event brings, in the event's own transaction: the number's link when taken,
    /// "called" and a recall; a ticket that ended has its address erased and its queued messages dropped.
    static func enqueueNotices(after event: TicketEvent, ticket: TicketRecord, _ context: Context) throws {
        guard let rules = context.site.notices else { return }
        let db = context.db
        if NoticeRules.hasEnded(ticket.state) {
            var erased = try db.execute("DELETE FROM notice_contacts WHERE ticket_id = ?", [ticket.id])
            erased += try db.execute(
                "UPDATE notices SET outcome = 'ended', finished_at = ?, address = NULL, detail = NULL WHERE ticket_id = ? AND finished_at IS NULL",
                [context.now, ticket.id])
            try db.execute("DELETE FROM ticket_claims WHERE ticket_id = ?", [ticket.id])
            if erased > 0 { db.journal.noteErased() }
            return
        }
        let kind: NoticeRules.Kind? =
            switch event.action {
            case "issue": .taken
            case TicketAction.call.rawValue: .called
            case TicketAction.recall.rawValue: .recalled
            default: nil
            }
        guard let kind, rules.sends(kind, service: ticket.serviceID) else { return }
        for row in try db.rows("SELECT channel, grants FROM notice_contacts WHERE ticket_id = ? ORDER BY channel", [ticket.id]) {
            guard let channel = NoticeChannel(rawValue: try row["channel"]), rules.channels.contains(channel),
                try consumeGrant(kind, channel: channel, grants: try row["grants"], ticket: ticket, db)
            else { continue }
            try insertNotice(kind, channel: channel, ticket: ticket, counter: kind == .taken ? nil : ticket.counterID, ahead: nil, context)
        }
    }

    /// Whether a message of `kind` may go on `channel`: always by text; on WeChat only with the
    /// visitor's consent to that kind, which one message uses up (a one-time subscription).
    static func consumeGrant(_ kind: NoticeRules.Kind, channel: NoticeChannel, grants: String?, ticket: TicketRecord, _ db: any SQLDatabase)
        throws -> Bool
    {
        guard channel == .wechat else { return true }
        guard let grants, grants.contains(",\(kind.rawValue),") else { return false }
        try db.execute(
            "UPDATE notice_contacts SET grants = ? WHERE ticket_id = ? AND channel = 'wechat'",
            [grants.replacingOccurrences(of: ",\(kind.rawValue),", with: ","), ticket.id])
        return true
    }

    /// Keeps a visitor's WeChat openid for a ticket, with their consent to one message of `kind`.
    static func grantWeChat(_ kind: NoticeRules.Kind, openID: String, language: Language, ticket: TicketRecord, _ context: Context) throws {
        try context.db.execute(
            """
            INSERT INTO notice_contacts (ticket_id, channel, site_id, address, language, grants, created_at) VALUES (?, 'wechat', ?, ?, ?, ?, ?)
            ON CONFLICT (ticket_id, channel) DO UPDATE SET address = excluded.address,
                grants = CASE WHEN notice_contacts.grants LIKE ? THEN notice_contacts.grants
                    ELSE COALESCE(notice_contacts.grants, ',') || ? END
            """,
            [
                ticket.id, context.site.id, openID, language == .en ? "en" : "zh", ",\(kind.rawValue),", context.now, "%,\(kind.rawValue),%",
                "\(kind.rawValue),",
            ])
    }

    static func insertNotice(
        _ kind: NoticeRules.Kind, channel: NoticeChannel, ticket: TicketRecord, counter: Int?, ahead: Int?, address: String? = nil,
        detail: String? = nil, _ context: Context
    ) throws {
        try insertNotice(
            kind, channel: channel, about: .ticket(ticket.id ?? 0), counter: counter, ahead: ahead, address: address, detail: detail, context)
    }

    /// Queues one message about a ticket, a booking or a finding, due at `due` (now unless given:
    /// a reminder before a slot or a due day), in the caller's transaction.
    static func insertNotice(
        _ kind: NoticeRules.Kind, channel: NoticeChannel, about subject: NoticeSubject, counter: Int? = nil, ahead: Int? = nil,
        address: String? = nil, detail: String? = nil, due: Date? = nil, _ context: Context
    ) throws {
        let key = "ntc_" + context.random.bytes(16).hex
        let at = due ?? context.now
        try context.db.execute(
            """
            INSERT INTO notices (key, site_id, ticket_id, booking_id, finding_id, channel, kind, counter_id, ahead, address, detail, created_at,
                next_attempt_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
            """,
            [
                key, context.site.id, subject.ticket, subject.booking, subject.finding, channel.rawValue, kind.rawValue, counter, ahead, address,
                detail, at, at,
            ])
        context.db.journal.noteNotice()
    }

    /// Drops what is still queued about a booking or a finding that no longer needs it (erasing any address kept on the row).
    static func endNotices(about subject: NoticeSubject, kinds: [NoticeRules.Kind]? = nil, _ context: Context) throws {
        let (column, id): (String, Int64) =
            switch subject {
            case .ticket(let id): ("ticket_id", id)
            case .booking(let id): ("booking_id", id)
            case .finding(let id): ("finding_id", id)
            }
        let only = kinds.map { " AND kind IN (\($0.map { "'\($0.rawValue)'" }.joined(separator: ", ")))" } ?? ""
        let ended = try context.db.execute(
            "UPDATE notices SET outcome = 'ended', finished_at = ?, address = NULL, detail = NULL WHERE \(column) = ? AND finished_at IS NULL\(only)",
            [context.now, id])
        if ended > 0 { context.db.journal.noteErased() }
    }
}

/// What a message is about.
public enum NoticeSubject: Sendable, Hashable {
    case ticket(Int64)
    case booking(Int64)
    case finding(Int64)

    var ticket: Int64? { if case .ticket(let id) = self { id } else { nil } }
    var booking: Int64? { if case .booking(let id) = self { id } else { nil } }
    var finding: Int64? { if case .finding(let id) = self { id } else { nil } }
}

extension NoticeOutbox {
    // MARK: - "Almost your turn"

    /// Queues "almost your turn" for every ticket of the site that chose messages, is waiting, has
    /// had none yet, and is now near the front (``NoticeRules/isNear(peopleAhead:estimatedWait:)``),
    /// reading where the queue stands now. Run after each commit at the site and at start (so a
    /// daemon stopped between a commit and this loses nothing); at most once per ticket and channel
    /// however many daemons run it (a unique index).
    /// - Returns: How many were queued.
    @discardableResult
    public func planNear(site siteID: String) async throws -> Int {
        let site = try await tickets.site(siteID)
        guard site.notices != nil else { return 0 }
        return try await planNear(site: site) { try await tickets.siteDay(site: siteID) }
    }

    /// ``planNear(site:)`` from a day just read (the live board's, built for the commit that
    /// moved the queue): at a site that sends messages, one read of who chose them, no second read of the day.
    @discardableResult
    public func planNear(today day: SiteDay) async throws -> Int {
        guard day.site.notices != nil else { return 0 }
        return try await planNear(site: day.site) { day }
    }

    private func planNear(site: Site, day readDay: () async throws -> SiteDay) async throws -> Int {
        guard let rules = site.notices else { return 0 }
        let siteID = site.id
        let candidates = try await read { db in
            try db.rows(
                """
                SELECT c.ticket_id, c.channel FROM notice_contacts c
                WHERE c.site_id = ? AND (c.channel = 'sms' OR c.grants LIKE '%,near,%') AND NOT EXISTS (
                    SELECT 1 FROM notices n WHERE n.ticket_id = c.ticket_id AND n.channel = c.channel AND n.kind = 'near')
                """, [siteID]
            ).map { (try $0["ticket_id"] as Int64, try $0["channel"] as String) }
        }
        guard !candidates.isEmpty else { return 0 }
        let day = try await readDay()
        let ahead = QueueOrder.peopleAhead(day.tickets)
        var due: [(Int64, NoticeChannel, Int)] = []
        for (id, name) in candidates {
            guard let channel = NoticeChannel(rawValue: name), rules.channels.contains(channel), let ticket = day.ticket(id: id),
                ticket.state == .waiting, let places = ahead[id], rules.sends(.near, service: ticket.serviceID),
                rules.isNear(peopleAhead: places, estimatedWait: day.estimatedWait(service: ticket.serviceID, ahead: places))
            else { continue }
            due.append((id, channel, places))
        }
        guard !due.isEmpty else { return 0 }
        let found = due
        return try await tickets.write(site: siteID) { context in
            var queued = 0
            for (id, channel, places) in found {
                // Still waiting now, inside the transaction: a call meanwhile makes it moot.
                guard let record = try TicketRecord.fetchOne(context.db, "SELECT * FROM tickets WHERE id = ?", [id]), record.state == .waiting,
                    try TicketStore.consumeGrant(
                        .near, channel: channel,
                        grants: try context.db.value(
                            String.self, "SELECT grants FROM notice_contacts WHERE ticket_id = ? AND channel = ?", [id, channel.rawValue]),
                        ticket: record, context.db)
                else { continue }
                try TicketStore.insertNotice(.near, channel: channel, ticket: record, counter: nil, ahead: places, context)
                queued += 1
            }
            return queued
        }
    }

    // MARK: - Delivery

    /// The lease of a site's messages on a channel: one daemon at a time sends them.
    public static func lease(site: String, channel: NoticeChannel) -> String { "notices:\(site):\(channel.rawValue)" }

    /// Calls `listener` after every commit that queued messages (the deliverer's wake-up).
    public func onQueued(_ listener: @escaping @Sendable () -> Void) { tickets.activity.onNotice(listener) }

    /// Calls `listener` after every commit that erased a visitor's address (the write-ahead log is
    /// then checkpointed, so the number is in neither file).
    public func onErased(_ listener: @escaping @Sendable () -> Void) { tickets.activity.onErased(listener) }

    /// The site's messages on a channel due now (site, channel, now, limit), oldest first, one per
    /// ticket: a ticket's next message waits until the one before it is settled, so they arrive in order.
    static let dueSQL = """
        SELECT o.* FROM notices o
        WHERE o.site_id = ? AND o.channel = ? AND o.finished_at IS NULL AND o.next_attempt_at <= ?
          AND NOT EXISTS (
            SELECT 1 FROM notices p WHERE p.ticket_id = o.ticket_id AND p.channel = o.channel AND p.id < o.id AND p.finished_at IS NULL)
        ORDER BY o.id LIMIT ?
        """

    /// Takes the messages due now for this daemon to send, each leased for `lease` seconds (a
    /// daemon that dies mid-send leaves it to be taken again, with the same key), and reads what
    /// sending each needs, with the verdict of the site's rules: sent, or dropped and why.
    public func claim(site siteID: String, channel: NoticeChannel, limit: Int, lease: TimeInterval, publicURL: String) async throws
        -> [NoticeDispatch]
    {
        let now = clock.now()
        return try await guarded {
            try await writer.write { db in
                let ids = try db.values(Int64.self, "SELECT id FROM (\(Self.dueSQL)) due", [siteID, channel.rawValue, now, limit])
                guard !ids.isEmpty else { return [] }
                let marks = Array(repeating: "?", count: ids.count).joined(separator: ", ")
                let claimed = try db.rows(
                    """
                    UPDATE notices SET next_attempt_at = ?
                    WHERE id IN (\(marks)) AND finished_at IS NULL AND next_attempt_at <= ?
                    RETURNING *
                    """, [now.addingTimeInterval(lease)] + ids.map { $0 as any SQLConvertible } + [now]
                ).map(Self.notice).sorted { $0.id < $1.id }
                let site = try sites.load(db, siteID)
                let rules = site.notices ?? NoticeRules()
                return try claimed.map { notice in
                    switch notice.subject {
                    case .ticket(let id):
                        return try Self.ticketDispatch(notice, ticket: id, site: site, rules: rules, now: now, publicURL: publicURL, db)
                    case .booking(let id):
                        return try Self.bookingDispatch(notice, booking: id, site: site, rules: rules, now: now, publicURL: publicURL, db)
                    case .finding(let id):
                        return try Self.findingDispatch(notice, finding: id, site: site, rules: rules, now: now, publicURL: publicURL, db)
                    }
                }
            }
        }
    }

    /// A message about a ticket: to the address kept for it (or, for a code, the phone typed with its request).
    static func ticketDispatch(
        _ notice: QueuedNotice, ticket id: Int64, site: Site, rules: NoticeRules, now: Date, publicURL: String, _ db: any SQLDatabase
    ) throws -> NoticeDispatch {
        let ticket = try TicketRecord.fetchOne(db, "SELECT * FROM tickets WHERE id = ?", [id])
        let contact = try db.row("SELECT address, language FROM notice_contacts WHERE ticket_id = ? AND channel = ?", [id, notice.channel.rawValue])
        let sent = try db.value(Int.self, "SELECT COUNT(*) FROM notices WHERE ticket_id = ? AND outcome = 'sent' AND kind <> 'code'", [id]) ?? 0
        var verdict = rules.verdict(notice.kind, state: ticket?.state ?? .expired, queuedAt: notice.createdAt, now: now, sent: sent)
        let address: String? = try notice.address ?? contact?["address"]
        if address == nil, verdict == .send { verdict = .drop(.ended) }
        let language: Language = (try contact?["language"] as String?) == "en" ? .en : .zhCN
        let window =
            // As the hall's displays say it (请 A001 号到 3 号窗口办理): the number over the window.
            notice.counterID.map { id in language == .en ? "window \(id)" : "\(id) 号窗口" } ?? ""
        let link = "\(publicURL)/t/\(ticket?.token ?? "")"
        let service = ticket.flatMap { site.service($0.serviceID) }?.name.text(language) ?? ""
        let text = Self.text(
            notice.kind, language,
            [
                "site": site.name.text(language), "number": ticket?.number ?? "", "service": service, "ahead": String(notice.ahead ?? 0),
                "window": window, "link": link, "code": notice.detail ?? "", "minutes": String(Int(NoticeRules.codeLifetime / 60)),
            ],
            // Nobody ahead: "下一位就是您", not "前面还有 0 人" (found by a walk).
            variant: notice.kind == .near && notice.ahead == 0 ? "_next" : "")
        return NoticeDispatch(
            notice: notice, verdict: verdict, address: address, number: ticket?.number ?? "", text: text, window: window,
            link: notice.kind == .code ? "" : link, siteName: site.name.text(language), code: notice.detail ?? "")
    }

    /// A message about a booking: to the phone kept on its row until it is sent or the booking ends.
    static func bookingDispatch(
        _ notice: QueuedNotice, booking id: Int64, site: Site, rules: NoticeRules, now: Date, publicURL: String,
        _ db: any SQLDatabase
    ) throws -> NoticeDispatch {
        let row = try db.row("SELECT token, service_id, state, slot_start, slot_end FROM bookings WHERE id = ?", [id])
        let start: Date = try row?["slot_start"] ?? now
        let booked = try row?["state"] as String? == "booked"
        var verdict = rules.bookingVerdict(notice.kind, stillBooked: booked, slotStart: start, queuedAt: notice.createdAt, now: now)
        if notice.address == nil, verdict == .send { verdict = .drop(.ended) }
        let language: Language = notice.detail == "en" ? .en : .zhCN
        let service = site.service(try row?["service_id"] ?? "")?.name.text(language) ?? ""
        let time = "\(LocalTime.minute(start, in: site.zone))"
        let link = "\(publicURL)/b/\(try row?["token"] as String? ?? "")"
        // Where the hall QR proves nothing (presence static or none), check-in is the booking page's button.
        let text = Self.text(
            notice.kind, language, ["site": site.name.text(language), "service": service, "time": time, "link": link],
            variant: site.rules.presence == .rotating ? "" : "_here")
        return NoticeDispatch(
            notice: notice, verdict: verdict, address: notice.address, number: time, text: text, window: "", link: link,
            siteName: site.name.text(language),
            code: "")
    }

    /// A message about a unit's finding: to the unit's registered contact phone, read when it is sent.
    static func findingDispatch(
        _ notice: QueuedNotice, finding id: Int64, site: Site, rules: NoticeRules, now: Date, publicURL: String, _ db: any SQLDatabase
    ) throws -> NoticeDispatch {
        let row = try db.row(
            """
            SELECT f.state, f.due_day, f.item_code, f.description, f.rejection_reason, u.name, u.contact_phone, u.private_token, u.active
            FROM findings f JOIN units u ON u.id = f.unit_id WHERE f.id = ?
            """, [id])
        let state = FindingState(rawValue: try row?["state"] ?? "") ?? .verified
        let due = BusinessDay(iso: try row?["due_day"] ?? "") ?? site.businessDay(at: now)
        var verdict = rules.findingVerdict(
            notice.kind, state: state, dueDayPassed: site.businessDay(at: now) > due, queuedAt: notice.createdAt, now: now)
        let active: Bool = try row?["active"] ?? false
        if !active, verdict == .send { verdict = .drop(.ended) }
        let phone: String? = try row?["contact_phone"]
        let link = "\(publicURL)/u/\(try row?["private_token"] as String? ?? "")"
        let text = Self.text(
            notice.kind, .zhCN,
            [
                "site": site.name.zh, "unit": try row?["name"] ?? "", "item": try row?["description"] ?? "", "due": due.iso,
                "count": notice.detail ?? "1", "reason": try row?["rejection_reason"] ?? "", "link": link,
            ])
        return NoticeDispatch(
            notice: notice, verdict: verdict, address: phone?.isEmpty == false ? phone : nil, number: try row?["item_code"] ?? "", text: text,
            window: "", link: link, siteName: site.name.zh, code: "")
    }

    /// A message's words in a language, from the catalogue (`message.KIND`).
    static func text(_ kind: NoticeRules.Kind, _ language: Language, _ values: [String: String], variant: String = "") -> String {
        Catalogue.fill(Catalogue.of(language).template("message.\(kind.rawValue)\(variant)") ?? "", with: values)
    }

    /// Records how a message ended: sent, or dropped / given up / refused and why.
    public func settle(_ id: Int64, _ outcome: NoticeOutcome, error: String? = nil, attempted: Bool, by holder: String? = nil) async throws {
        let now = clock.now()
        _ = try await guarded {
            try await writer.write { db in
                // A code's or a booking's phone kept on the row: erased now, and the log checkpointed after.
                if try db.value(Bool.self, "SELECT address IS NOT NULL OR detail IS NOT NULL FROM notices WHERE id = ?", [id]) == true {
                    db.journal.noteErased()
                }
                try db.execute(
                    """
                    UPDATE notices SET outcome = ?, finished_at = ?, sent_by = ?, address = NULL, detail = NULL,
                        attempts = attempts + ?, last_attempt_at = CASE WHEN ? = 1 THEN ? ELSE last_attempt_at END,
                        last_error = COALESCE(?, last_error)
                    WHERE id = ? AND finished_at IS NULL
                    """, [outcome.rawValue, now, holder, attempted ? 1 : 0, attempted ? 1 : 0, now, error.map { String($0.prefix(300)) }, id])
            }
        }
    }

    /// Records a failed attempt, tried again after ``NoticeRetry``'s pause; after its last attempt, given up.
    /// - Returns: Whether it was given up.
    @discardableResult
    public func failed(_ notice: QueuedNotice, _ failure: NoticeFailure, error: String) async throws -> Bool {
        let attempts = notice.attempts + 1
        guard attempts < NoticeRetry.attempts else {
            try await settle(notice.id, .givenUp, error: error, attempted: true)
            return true
        }
        let now = clock.now()
        _ = try await guarded {
            try await writer.write { db in
                try db.execute(
                    """
                    UPDATE notices SET attempts = ?, last_attempt_at = ?, last_error = ?, failure = ?, next_attempt_at = ?
                    WHERE id = ? AND finished_at IS NULL
                    """,
                    [
                        attempts, now, String(error.prefix(300)), failure.rawValue,
                        now.addingTimeInterval(NoticeRetry.delay(afterAttempts: attempts)),
                        notice.id,
                    ])
            }
        }
        return false
    }

    /// When the site's next queued message on a channel is due (`nil`: none waiting).
    public func nextAttempt(site: String, channel: NoticeChannel) async throws -> Date? {
        try await read { db in
            try db.value(
                Date.self, "SELECT MIN(next_attempt_at) FROM notices WHERE site_id = ? AND channel = ? AND finished_at IS NULL",
                [site, channel.rawValue])
        }
    }

    // MARK: - Reads

    /// A ticket's messages, oldest first (the console, the ticket's page).
    public func status(ticket id: Int64) async throws -> [NoticeStatus] {
        try await read { db in
            try db.rows("SELECT * FROM notices WHERE ticket_id = ? ORDER BY id", [id]).map { row in
                NoticeStatus(
                    channel: NoticeChannel(rawValue: try row["channel"]) ?? .sms, kind: NoticeRules.Kind(rawValue: try row["kind"]) ?? .near,
                    createdAt: try row["created_at"], outcome: (try row["outcome"] as String?).flatMap(NoticeOutcome.init(rawValue:)),
                    finishedAt: try row["finished_at"], attempts: try row["attempts"], lastError: try row["last_error"],
                    failure: (try row["failure"] as String?).flatMap(NoticeFailure.init(rawValue:)))
            }
        }
    }

    /// The channels a ticket's visitor chose (their address kept while it lives).
    public func channels(ticket id: Int64) async throws -> [NoticeChannel] {
        try await read { db in
            try db.values(String.self, "SELECT channel FROM notice_contacts WHERE ticket_id = ? ORDER BY channel", [id])
                .compactMap(NoticeChannel.init(rawValue:))
        }
    }

    /// A message's outcome as counted: `pending` before its first attempt, `retrying` after a failed one.
    static let outcomeSQL = "COALESCE(outcome, CASE WHEN attempts > 0 THEN 'retrying' ELSE 'pending' END)"

    /// Messages by channel and outcome (`pending`, `retrying` for those not settled), for the metrics and the tests.
    public func counts(site: String? = nil) async throws -> [NoticeCount: Int] {
        try await read { db in
            var counts: [NoticeCount: Int] = [:]
            for row in try db.rows(
                """
                SELECT channel, \(Self.outcomeSQL) AS outcome, COUNT(*) AS n FROM notices
                \(site == nil ? "" : "WHERE site_id = ?") GROUP BY channel, \(Self.outcomeSQL)
                """, site.map { [$0] } ?? [])
            {
                counts[NoticeCount(channel: try row["channel"], outcome: try row["outcome"])] = try row["n"]
            }
            return counts
        }
    }

    /// Checkpoints and truncates the write-ahead log, so an erased address is in neither file (SQLite;
    /// nothing to do on PostgreSQL, whose own vacuum reclaims the row).
    public func dropErasedPages() async throws {
        try await guarded { try await writer.dropFreedPages() }
    }

    static func notice(_ row: SQLRow) throws -> QueuedNotice {
        QueuedNotice(
            id: try row["id"], key: try row["key"], siteID: try row["site_id"],
            subject: try (row["ticket_id"] as Int64?).map(NoticeSubject.ticket) ?? (row["booking_id"] as Int64?).map(NoticeSubject.booking)
                ?? .finding(try row["finding_id"]),
            channel: NoticeChannel(rawValue: try row["channel"]) ?? .sms, kind: NoticeRules.Kind(rawValue: try row["kind"]) ?? .near,
            counterID: try row["counter_id"], ahead: try row["ahead"], detail: try row["detail"], address: try row["address"],
            createdAt: try row["created_at"],
            attempts: try row["attempts"])
    }
}
