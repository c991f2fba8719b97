import Foundation
import QuhaoCore

/// What to look for in the logs. Empty fields do not filter.
public struct AuditQuery: Sendable, Hashable {
    public var siteID: String?
    /// A business day of `siteID` (needs a site: days are in the site's time zone).
    public var day: BusinessDay?
    /// A staff login: their actions (and, without a site, their account's events).
    public var staffLogin: String?
    public var counterID: Int?
    /// A ticket number (`A023`).
    public var number: String?
    /// `call`, `complete`, `pause`, `login`, …
    public var action: String?
    /// A canteen unit: only its own log and its findings' (the unit's file).
    public var unitID: Int64?
    /// Newest first, at most this many.
    public var limit: Int

    public static let maxLimit = 5000

    public init(
        siteID: String? = nil, day: BusinessDay? = nil, staffLogin: String? = nil, counterID: Int? = nil, number: String? = nil,
        action: String? = nil, unitID: Int64? = nil, limit: Int = 500
    ) {
        self.unitID = unitID
        self.siteID = siteID
        self.day = day
        self.staffLogin = staffLogin
        self.counterID = counterID
        self.number = number
        self.action = action
        self.limit = limit
    }
}

/// One line of the audit: a ticket's step, a window's pause or resume, or an account's event.
public struct AuditEntry: Sendable, Hashable, Encodable {
    public enum Kind: String, Sendable, Encodable {
        case ticket, counter, account
        /// A canteen unit's own log (registered, changed, graded, drawn, a complaint, a conflict declared).
        case unit
        /// A finding's log (created, answered, sent back, verified, a due day moved).
        case finding
    }

    public let at: Date
    public let kind: Kind
    public let siteID: String?
    public let action: String
    public let number: String?
    public let ticketID: Int64?
    public let serviceID: String?
    public let fromState: String?
    public let toState: String?
    public let counterID: Int?
    /// `staff:12`, `token:3`, `visitor`, `system`, `cli`.
    public let initiator: String
    /// The login or token name behind the initiator, when there is one.
    public let initiatorName: String?
    /// For account events, the account acted on; otherwise the event's note (`to B`, `by number`, an override).
    public let detail: String?
    /// For a unit's or a finding's event: the unit (and the finding's item, `第3食堂 · 2.1`).
    public let unitID: Int64?
    public let subject: String?

    /// The public names (the API and `quhao audit --json`, with a snake_case encoder).
    enum CodingKeys: String, CodingKey {
        case at, kind, action, number, initiator, initiatorName, detail, fromState, toState, subject
        case unitID = "unitId"
        case siteID = "site"
        case ticketID = "ticketId"
        case serviceID = "service"
        case counterID = "counter"
    }
}

extension TicketStore {
    /// The logs, newest first: every staff action with who, which window, which ticket, from → to and when.
    /// - Throws: `request.invalid` (a day without a site, a limit out of range), `site.not_found`, `staff.not_found`.
    /// A day as an audit filter names it: `YYYY-MM-DD`, or `today` in the site's zone (which needs the site).
    /// - Throws: `request.invalid` naming what is wrong.
    public func auditDay(_ text: String, site: String?) async throws -> BusinessDay {
        if text == "today" {
            guard let site else {
                throw QuhaoError(
                    .requestInvalid,
                    ["reason": "day=today 需要同时指定 site（日期按场所时区）", "reason@en": "day=today needs site (days are in the site's time zone)"])
            }
            return try await today(site: site)
        }
        guard let day = BusinessDay(iso: text) else {
            throw QuhaoError(.requestInvalid, ["reason": "day 应为 YYYY-MM-DD 或 today", "reason@en": "day takes YYYY-MM-DD or today"])
        }
        return day
    }

    public func audit(_ query: AuditQuery) async throws -> [AuditEntry] {
        guard (1...AuditQuery.maxLimit).contains(query.limit) else {
            throw QuhaoError(.requestInvalid, ["reason": "limit 应为 1–\(AuditQuery.maxLimit)", "reason@en": "limit must be 1…\(AuditQuery.maxLimit)"])
        }
        if query.day != nil, query.siteID == nil {
            throw QuhaoError(.requestInvalid, ["reason": "按日期查询需要指定场所（site）", "reason@en": "a day needs a site"])
        }
        return try await read { db in
            var range: (Date, Date)?
            if let siteID = query.siteID {
                let site = try sites.load(db, siteID)
                if let day = query.day { range = Self.interval(of: day, in: site.zone) }
            }
            let staffID = try query.staffLogin.map { try AccountStore.staffID(db, login: $0) }
            // Each part of the union takes the same filters, on its own columns.
            func filters(site: String?, at: String, counter: String?, initiator: String, number: String?, unit: String? = nil) -> (
                String, [(any SQLConvertible)?]
            ) {
                var clauses = ["1 = 1"]
                var arguments: [(any SQLConvertible)?] = []
                func add(_ clause: String, _ values: [(any SQLConvertible)?]) {
                    clauses.append(clause)
                    arguments.append(contentsOf: values)
                }
                if let siteID = query.siteID { site.map { add("\($0) = ?", [siteID]) } ?? add("1 = 0", []) }
                if let (start, end) = range { add("\(at) >= ? AND \(at) < ?", [start, end]) }
                if let staffID { add("\(initiator) = ?", ["staff:\(staffID)"]) }
                if let counterID = query.counterID { counter.map { add("\($0) = ?", [counterID]) } ?? add("1 = 0", []) }
                if let text = query.number { number.map { add("\($0) = ?", [text.uppercased()]) } ?? add("1 = 0", []) }
                if let action = query.action { add("action = ?", [action]) }
                if let unitID = query.unitID { unit.map { add("\($0) = ?", [unitID]) } ?? add("1 = 0", []) }
                return (clauses.joined(separator: " AND "), arguments)
            }
            let ticketPart = filters(site: "e.site_id", at: "e.at", counter: "e.counter_id", initiator: "e.initiator", number: "t.number")
            let counterPart = filters(site: "c.site_id", at: "c.at", counter: "c.counter_id", initiator: "c.initiator", number: nil)
            // An account's own events (sign-in, password changes) are about it, whoever did them.
            let accountPart = filters(site: nil, at: "s.at", counter: nil, initiator: "'staff:' || s.staff_id", number: nil)
            let unitPart = filters(site: "x.site_id", at: "u.at", counter: nil, initiator: "u.initiator", number: nil, unit: "u.unit_id")
            let findingPart = filters(site: "f.site_id", at: "g.at", counter: nil, initiator: "g.initiator", number: nil, unit: "f.unit_id")
            let sql = """
                SELECT e.at, 'ticket' AS kind, e.site_id, e.action, t.number, e.ticket_id, e.service_id, e.from_state, e.to_state,
                    e.counter_id, e.initiator, e.detail, e.id AS seq, CAST(NULL AS BIGINT) AS unit_id, CAST(NULL AS TEXT) AS subject
                FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE \(ticketPart.0)
                UNION ALL
                SELECT c.at, 'counter', c.site_id, c.action, NULL, NULL, NULL, NULL, NULL, c.counter_id, c.initiator, NULL, c.id, NULL, NULL
                FROM counter_events c WHERE \(counterPart.0)
                UNION ALL
                SELECT s.at, 'account', NULL, s.action, NULL, NULL, NULL, NULL, NULL, NULL, s.initiator, a.login, s.id, NULL, NULL
                FROM staff_events s JOIN staff a ON a.id = s.staff_id WHERE \(accountPart.0)
                UNION ALL
                SELECT u.at, 'unit', x.site_id, u.action, NULL, NULL, NULL, NULL, NULL, NULL, u.initiator, u.detail, u.id, u.unit_id, x.name
                FROM unit_events u JOIN units x ON x.id = u.unit_id WHERE \(unitPart.0)
                UNION ALL
                SELECT g.at, 'finding', f.site_id, g.action, NULL, NULL, NULL, NULL, NULL, NULL, g.initiator, g.text, g.id, f.unit_id,
                    y.name || ' · ' || f.item_code
                FROM finding_events g JOIN findings f ON f.id = g.finding_id JOIN units y ON y.id = f.unit_id WHERE \(findingPart.0)
                ORDER BY 1 DESC, seq DESC LIMIT ?
                """
            let values: [(any SQLConvertible)?] = ticketPart.1 + counterPart.1 + accountPart.1 + unitPart.1 + findingPart.1 + [query.limit]
            let arguments = values
            var names: [String: String?] = [:]
            return try db.rows(sql, arguments).map { row in
                let initiator: String = try row["initiator"]
                if names[initiator] == nil { names[initiator] = try Self.initiatorName(db, initiator) }
                return AuditEntry(
                    at: try row["at"], kind: AuditEntry.Kind(rawValue: try row["kind"]) ?? .ticket, siteID: try row["site_id"],
                    action: try row["action"],
                    number: try row["number"], ticketID: try row["ticket_id"], serviceID: try row["service_id"], fromState: try row["from_state"],
                    toState: try row["to_state"], counterID: try row["counter_id"], initiator: initiator, initiatorName: names[initiator] ?? nil,
                    detail: try row["detail"], unitID: try row["unit_id"], subject: try row["subject"])
            }
        }
    }

    /// The login behind `staff:12`, the token name behind `token:3`.
    static func initiatorName(_ db: any SQLDatabase, _ text: String) throws -> String? {
        let initiator = Initiator(parsing: text)
        guard let id = initiator.id.flatMap({ Int64($0) }) else { return nil }
        switch initiator.kind {
        case .staff: return try db.value(String.self, "SELECT login FROM staff WHERE id = ?", [id])
        case .token: return try db.value(String.self, "SELECT name FROM api_tokens WHERE id = ?", [id])
        default: return nil
        }
    }

    /// The instants a business day spans in a time zone.
    static func interval(of day: BusinessDay, in zone: TimeZone) -> (Date, Date) {
        let calendar = Calendar.gregorian(in: zone)
        let start = calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day))!
        return (start, calendar.date(byAdding: .day, value: 1, to: start)!)
    }
}
