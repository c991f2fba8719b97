import Foundation
import QuhaoCore

/// Which report.
public enum ReportKind: String, Sendable, CaseIterable, Codable {
    case tickets, windows, staff, ratings
}

/// How a tickets report's rows are cut.
public enum ReportGroup: String, Sendable, CaseIterable, Codable {
    /// One row per business day.
    case day
    /// One row per arrival hour (0–23), over the whole range.
    case hour
    /// One row per business type.
    case service
    /// One row per way the ticket was taken (in the hall, remote, by staff).
    case origin
}

/// The days a report covers (both included) at a site.
public struct ReportRange: Sendable, Hashable, Codable {
    public let site: String
    public let from: BusinessDay
    public let to: BusinessDay

    public init(site: String, from: BusinessDay, to: BusinessDay) {
        self.site = site
        self.from = from
        self.to = to
    }

    enum CodingKeys: String, CodingKey { case site, from, to }

    /// Days as `2026-11-30`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(site, forKey: .site)
        try container.encode(from.iso, forKey: .from)
        try container.encode(to.iso, forKey: .to)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func day(_ key: CodingKeys) throws -> BusinessDay {
            let text = try container.decode(String.self, forKey: key)
            guard let day = BusinessDay(iso: text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "not a day: \(text)")
            }
            return day
        }
        self.init(site: try container.decode(String.self, forKey: .site), from: try day(.from), to: try day(.to))
    }
}

/// Tickets: issued (by origin), called, served, no-shows, cancelled, expired, waits, walk and service times.
public struct TicketsReport: Sendable, Hashable, Codable {
    public struct Row: Sendable, Hashable, Codable {
        /// `2026-11-30`, `9` (the hour), `general`, `hall`.
        public let key: String
        public let label: String
        public let figures: TicketFigures
    }

    public let range: ReportRange
    public let group: ReportGroup
    public let rows: [Row]
    public let total: TicketFigures
}

/// Windows: what each served, its time busy, paused and idle.
public struct WindowsReport: Sendable, Hashable, Codable {
    public struct Row: Sendable, Hashable, Codable {
        public let counter: Int
        public let label: String
        public let figures: TicketFigures
        /// From each day's first call to its last ticket finished, summed over the days.
        public let openSeconds: Double
        public let pausedSeconds: Double
        /// Open, neither busy with a ticket nor paused.
        public let idleSeconds: Double

        enum CodingKeys: String, CodingKey {
            case counter, label, figures
            case openSeconds = "open_seconds"
            case pausedSeconds = "paused_seconds"
            case idleSeconds = "idle_seconds"
        }
    }

    public let range: ReportRange
    public let rows: [Row]
}

/// Staff: what each staff member called and served, and their ratings.
public struct StaffReport: Sendable, Hashable, Codable {
    public struct Row: Sendable, Hashable, Codable {
        /// `staff:12`, `token:3`.
        public let staff: String
        public let name: String
        public let figures: TicketFigures
        public let ratings: Int
        public let ratingAverage: Double?

        enum CodingKeys: String, CodingKey {
            case staff, name, figures, ratings
            case ratingAverage = "rating_average"
        }
    }

    public let range: ReportRange
    public let rows: [Row]
}

/// Satisfaction: ratings per level, their average, and the bad ones to follow up (差评整改).
public struct RatingsReport: Sendable, Hashable, Codable {
    public struct Level: Sendable, Hashable, Codable {
        public let score: Int
        public let label: String
        public let count: Int
    }

    public struct BadRating: Sendable, Hashable, Codable {
        public let number: String
        public let day: String
        public let at: Date
        /// `09:40`, in the site's time zone.
        public let time: String
        public let score: Int
        public let service: String
        public let counter: Int?
        public let staff: String?
        public let staffName: String?

        enum CodingKeys: String, CodingKey {
            case number, day, at, time, score, service, counter, staff
            case staffName = "staff_name"
        }
    }

    public let range: ReportRange
    public let levels: [Level]
    public let count: Int
    public let average: Double?
    /// Scores 1 and 2, newest first.
    public let bad: [BadRating]

    /// 5 非常满意 … 1 非常不满意.
    public static let labels = [5: "非常满意 very satisfied", 4: "满意 satisfied", 3: "基本满意 fair", 2: "不满意 dissatisfied", 1: "非常不满意 very dissatisfied"]
}

extension ReportStore {
    // MARK: - Reads: reports

    /// One rollup row (or one open ticket's facts) with its keys.
    struct KeyedTally {
        let day: String
        let hour: Int
        let serviceID: String
        let counterID: Int
        let staff: String
        let origin: IssueOrigin
        var tally: FactsTally
        var firstCall: Date?
        var lastFinish: Date?
    }

    /// Every rollup row of the range, with their waits, plus today's open tickets read live.
    func tallies(_ range: ReportRange) async throws -> [KeyedTally] {
        let site = try await tickets.site(range.site)
        return try await read { db in
            var rows: [String: KeyedTally] = [:]
            func key(_ day: String, _ hour: Int, _ service: String, _ counter: Int, _ staff: String, _ origin: String) -> String {
                "\(day)|\(hour)|\(service)|\(counter)|\(staff)|\(origin)"
            }
            try db.each(ReportSQL.facts, [range.site, range.from.iso, range.to.iso]) { row in
                var tally = FactsTally()
                tally.tickets = try row["tickets"]
                let origin = IssueOrigin(rawValue: try row["origin"]) ?? .hall
                tally.byOrigin[origin] = tally.tickets
                tally.called = try row["called"]
                tally.calls = try row["calls"]
                tally.transfersIn = try row["transfers_in"]
                tally.transfersOut = try row["transfers_out"]
                tally.served = try row["served"]
                tally.noShow = try row["no_show"]
                tally.cancelled = try row["cancelled"]
                tally.expired = try row["expired"]
                tally.waitCount = try row["wait_count"]
                tally.waitSum = try row["wait_sum"]
                tally.walkCount = try row["walk_count"]
                tally.walkSum = try row["walk_sum"]
                tally.serviceCount = try row["service_count"]
                tally.serviceSum = try row["service_sum"]
                tally.busySum = try row["busy_sum"]
                let keyed = KeyedTally(
                    day: try row["day"], hour: try row["hour"], serviceID: try row["service_id"], counterID: try row["counter_id"],
                    staff: try row["staff"],
                    origin: origin, tally: tally, firstCall: try row["first_call"], lastFinish: try row["last_finish"])
                rows[key(keyed.day, keyed.hour, keyed.serviceID, keyed.counterID, keyed.staff, origin.rawValue)] = keyed
            }
            try db.each(ReportSQL.waits, [range.site, range.from.iso, range.to.iso]) { row in
                let target = key(try row["day"], try row["hour"], try row["service_id"], try row["counter_id"], try row["staff"], try row["origin"])
                rows[target]?.tally.waitMinutes[try row["minutes"], default: 0] += try row["count"] as Int
            }
            // Today's tickets still open: not in the rollup yet; the same facts, read live.
            let open = try TicketRecord.fetchAll(db, ReportSQL.openTickets, [range.site, range.from.iso, range.to.iso])
            for ticket in open {
                guard
                    let facts = TicketFacts.of(
                        day: ticket.day, serviceID: ticket.serviceID, channel: ticket.channel, steps: try TicketStore.steps(db, ticket: ticket.id!),
                        zone: site.zone
                    )
                else { continue }
                for share in facts.shares {
                    let id = key(ticket.day.iso, facts.hour, facts.serviceID, share.counterID, share.staff, facts.origin.rawValue)
                    var keyed =
                        rows[id]
                        ?? KeyedTally(
                            day: ticket.day.iso, hour: facts.hour, serviceID: facts.serviceID, counterID: share.counterID, staff: share.staff,
                            origin: facts.origin,
                            tally: FactsTally(), firstCall: nil, lastFinish: nil)
                    keyed.tally.add(share.tally)
                    keyed.firstCall = [keyed.firstCall, share.firstCall].compactMap { $0 }.min()
                    keyed.lastFinish = [keyed.lastFinish, share.lastFinish].compactMap { $0 }.max()
                    rows[id] = keyed
                }
            }
            return Array(rows.values)
        }
    }

    /// The tickets report.
    public func tickets(_ range: ReportRange, group: ReportGroup) async throws -> TicketsReport {
        let site = try await tickets.site(range.site)
        let tallies = try await tallies(range)
        var groups: [String: FactsTally] = [:]
        var total = FactsTally()
        for keyed in tallies {
            let key: String =
                switch group {
                case .day: keyed.day
                case .hour: String(keyed.hour)
                case .service: keyed.serviceID
                case .origin: keyed.origin.rawValue
                }
            groups[key, default: FactsTally()].add(keyed.tally)
            total.add(keyed.tally)
        }
        let keys: [String] =
            switch group {
            case .day: groups.keys.sorted()
            case .hour: groups.keys.compactMap(Int.init).sorted().map(String.init)
            case .service:
                site.services.map(\.id).filter { groups[$0] != nil } + groups.keys.filter { id in !site.services.contains { $0.id == id } }.sorted()
            case .origin: IssueOrigin.allCases.map(\.rawValue).filter { groups[$0] != nil }
            }
        let rows = keys.map { key in
            let label: String =
                switch group {
                case .day, .origin: key
                case .hour: String(format: "%02d:00", Int(key) ?? 0)
                case .service: site.service(key).map { "\($0.prefix) \($0.name.zh)" } ?? key
                }
            return TicketsReport.Row(key: key, label: label, figures: groups[key]!.figures)
        }
        return TicketsReport(range: range, group: group, rows: rows, total: total.figures)
    }

    /// The windows report.
    public func windows(_ range: ReportRange) async throws -> WindowsReport {
        let site = try await tickets.site(range.site)
        let tallies = try await tallies(range).filter { $0.counterID != 0 }
        var byCounter: [Int: FactsTally] = [:]
        var spans: [Int: [String: (Date, Date)]] = [:]
        for keyed in tallies {
            byCounter[keyed.counterID, default: FactsTally()].add(keyed.tally)
            guard let first = keyed.firstCall, let last = keyed.lastFinish else { continue }
            let known = spans[keyed.counterID]?[keyed.day]
            spans[keyed.counterID, default: [:]][keyed.day] = (min(first, known?.0 ?? first), max(last, known?.1 ?? last))
        }
        let paused = try await pausedSeconds(range, site: site)
        let counters = Set(byCounter.keys).union(paused.keys).sorted()
        let rows = counters.map { counter -> WindowsReport.Row in
            let tally = byCounter[counter] ?? FactsTally()
            let open = (spans[counter] ?? [:]).values.reduce(0) { $0 + $1.1.timeIntervalSince($1.0) }
            let pause = paused[counter] ?? 0
            let name = site.counter(counter)?.name.map { " \($0.zh)" } ?? ""
            return WindowsReport.Row(
                counter: counter, label: "\(counter) 号窗口\(name)", figures: tally.windowFigures, openSeconds: open.rounded(),
                pausedSeconds: pause.rounded(),
                idleSeconds: max(0, open - tally.busySum - pause).rounded())
        }
        return WindowsReport(range: range, rows: rows)
    }

    /// Seconds each window was paused in the range (a pause still open counts to its day's end, or now).
    func pausedSeconds(_ range: ReportRange, site: Site) async throws -> [Int: Double] {
        let start = range.from.start(in: site.zone)
        let end = min(range.to.adding(days: 1).start(in: site.zone), clock.now())
        return try await read { db in
            var paused: [Int: Double] = [:]
            var since: [Int: Date] = [:]
            let rows = try db.rows(ReportSQL.pauses, [site.id, start, end])
            for row in rows {
                let counter: Int = try row["counter_id"]
                let at: Date = try row["at"]
                if try row["action"] == "pause" {
                    since[counter] = since[counter] ?? at
                } else if let began = since.removeValue(forKey: counter) {
                    paused[counter, default: 0] += at.timeIntervalSince(began)
                }
            }
            for (counter, began) in since {
                let dayEnd = BusinessDay(began, in: site.zone).adding(days: 1).start(in: site.zone)
                paused[counter, default: 0] += max(0, min(dayEnd, end).timeIntervalSince(began))
            }
            return paused
        }
    }

    /// The staff report.
    public func staff(_ range: ReportRange) async throws -> StaffReport {
        let site = try await tickets.site(range.site)
        var byStaff: [String: FactsTally] = [:]
        for keyed in try await tallies(range) where !keyed.staff.isEmpty { byStaff[keyed.staff, default: FactsTally()].add(keyed.tally) }
        // Counted here rather than grouped in SQL: a year's ratings stream through the index, unsorted.
        let ratings = try await read { db in
            var sums: [String: (count: Int, sum: Int)] = [:]
            try db.each(ReportSQL.staffRatings, [site.id, range.from.start(in: site.zone), range.to.adding(days: 1).start(in: site.zone)]) { row in
                let staff: String = try row["staff"]
                sums[staff, default: (0, 0)].count += 1
                sums[staff, default: (0, 0)].sum += try row["score"] as Int
            }
            return sums.mapValues { ($0.count, Double($0.sum) / Double($0.count)) }
        }
        let names = try await staffNames()
        let keys = Set(byStaff.keys).union(ratings.keys).sorted()
        let rows = keys.map { key in
            StaffReport.Row(
                staff: key, name: names[key] ?? key, figures: (byStaff[key] ?? FactsTally()).windowFigures, ratings: ratings[key]?.0 ?? 0,
                ratingAverage: ratings[key].map { ($0.1 * 100).rounded() / 100 })
        }
        return StaffReport(range: range, rows: rows)
    }

    /// The ratings report.
    public func ratings(_ range: ReportRange) async throws -> RatingsReport {
        let site = try await tickets.site(range.site)
        let names = try await staffNames()
        let (counts, bad) = try await read { db in
            let bounds: [(any SQLConvertible)?] = [site.id, range.from.start(in: site.zone), range.to.adding(days: 1).start(in: site.zone)]
            var counts: [Int: Int] = [:]
            try db.each(ReportSQL.ratingLevels, bounds) { row in counts[try row[0] as Int, default: 0] += 1 }
            let bad = try db.rows(
                ReportSQL.badRatings, bounds
            ).map { row in
                RatingsReport.BadRating(
                    number: try row["number"], day: try row["day"], at: try row["at"], time: "", score: try row["score"],
                    service: try row["service_id"],
                    counter: try row["counter_id"],
                    staff: try row["staff"], staffName: nil)
            }
            return (counts, bad)
        }
        let total = counts.values.reduce(0, +)
        let sum = counts.reduce(0) { $0 + $1.key * $1.value }
        return RatingsReport(
            range: range, levels: (1...5).reversed().map { RatingsReport.Level(score: $0, label: RatingsReport.labels[$0]!, count: counts[$0] ?? 0) },
            count: total, average: total > 0 ? (Double(sum) / Double(total) * 100).rounded() / 100 : nil,
            bad: bad.map { rating in
                RatingsReport.BadRating(
                    number: rating.number, day: rating.day, at: rating.at, time: LocalTime.clock(rating.at, in: site.zone), score: rating.score,
                    service: rating.service, counter: rating.counter,
                    staff: rating.staff, staffName: rating.staff.flatMap { names[$0] })
            })
    }

    /// `staff:12` → 王芳, `token:3` → the token's name.
    func staffNames() async throws -> [String: String] {
        try await read { db in
            var names: [String: String] = [:]
            for row in try db.rows("SELECT id, name FROM staff") { names["staff:\(try row["id"] as Int64)"] = try row["name"] }
            for row in try db.rows("SELECT id, name FROM api_tokens") {
                names["token:\(try row["id"] as Int64)"] = "\(try row["name"] as String) (token)"
            }
            return names
        }
    }
}

/// The reports' queries (their plans are pinned by `QueryPlanTests`: a year of history is read
/// through the rollup's primary key and the ratings' and pauses' indexes, never scanned).
enum ReportSQL {
    static let facts = "SELECT * FROM report_facts WHERE site_id = ? AND day BETWEEN ? AND ?"
    static let waits = "SELECT * FROM report_waits WHERE site_id = ? AND day BETWEEN ? AND ?"
    static let openTickets = """
        SELECT * FROM tickets WHERE site_id = ? AND day BETWEEN ? AND ? AND state IN ('remote', 'waiting', 'called', 'serving')
        """
    static let steps = "SELECT action, at, to_state, counter_id, initiator, service_id FROM ticket_events WHERE ticket_id = ? ORDER BY id"
    static let pauses = "SELECT counter_id, at, action FROM counter_events WHERE site_id = ? AND at >= ? AND at < ? ORDER BY at, id"
    static let staffRatings = "SELECT staff, score FROM ratings WHERE site_id = ? AND at >= ? AND at < ? AND staff IS NOT NULL"
    static let ratingLevels = "SELECT score FROM ratings WHERE site_id = ? AND at >= ? AND at < ?"
    static let badRatings = """
        SELECT t.number, t.day, t.service_id, r.at, r.score, r.counter_id, r.staff FROM ratings r JOIN tickets t ON t.id = r.ticket_id
        WHERE r.site_id = ? AND r.at >= ? AND r.at < ? AND r.score <= 2 ORDER BY r.at DESC LIMIT 500
        """
}
