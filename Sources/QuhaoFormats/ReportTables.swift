import Foundation
import QuhaoCore
import QuhaoStore

/// A report as a table: the one shape the CSV file, the terminal and the admin page are drawn from.
public struct ReportTable: Sendable, Hashable {
    public struct Column: Sendable, Hashable {
        /// The CSV header (snake case).
        public let key: String
        public let zh: String
        public let en: String
    }

    public let title: String
    public let columns: [Column]
    public let rows: [[String]]

    /// UTF-8 with a byte-order mark (Excel opens it as such), CRLF, cells quoted as needed and
    /// formula-looking cells defused.
    public var csv: String {
        "\u{FEFF}" + ([columns.map(\.key)] + rows).map { $0.map(UnitsCSV.cell).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    /// For a terminal: both languages in the header, columns aligned by display width.
    public var text: String {
        let header = columns.map { "\($0.zh) \($0.en)" }
        let all = [header] + rows
        let widths = columns.indices.map { index in all.map { $0[index].columns }.max() ?? 0 }
        let lines = all.map { row in
            String(row.enumerated().map { $0.element.fitted(to: widths[$0.offset]) }.joined(separator: "  ").reversed().drop { $0 == " " }.reversed())
        }
        return ([title, ""] + [lines[0], String(repeating: "-", count: lines[0].columns)] + lines.dropFirst()).joined(separator: "\n") + "\n"
    }
}

extension ReportTable {
    /// One report over several sites (`quhao report … --site all`): each site's rows after the
    /// one before, with the site's id in a first column; the title says it covers them all.
    /// - Parameter parts: Each site's id and its table of the same report.
    public static func combined(_ parts: [(site: String, table: ReportTable)]) -> ReportTable? {
        guard let first = parts.first?.table else { return nil }
        let kind = first.title.components(separatedBy: " · ").first ?? first.title
        let period = first.title.components(separatedBy: " · ").last ?? ""
        return ReportTable(
            title: "\(kind) · 全部站点 all sites · \(period)", columns: [Column("site", "站点", "site")] + first.columns,
            rows: parts.flatMap { part in part.table.rows.map { [part.site] + $0 } })
    }
}

extension ReportTable.Column {
    init(_ key: String, _ zh: String, _ en: String) { self.init(key: key, zh: zh, en: en) }
}

/// Durations for people: minutes with one decimal (`12.5`), or empty.
func minutes(_ seconds: Double?) -> String { seconds.map { String(format: "%.1f", $0 / 60) } ?? "" }

extension ReportRange {
    /// `2026-11-30`, or `2026-11-01 – 2026-11-30`.
    public var period: String { from == to ? from.iso : "\(from.iso) – \(to.iso)" }
}

extension TicketsReport {
    static let figureColumns: [ReportTable.Column] = [
        .init("issued", "取号", "issued"), .init("issued_in_hall", "现场", "in hall"), .init("issued_remote", "远程", "remote"),
        .init("issued_by_staff", "代取", "by staff"), .init("called", "叫号", "called"), .init("served", "办结", "served"),
        .init("no_show", "过号", "no-show"), .init("cancelled", "取消", "cancelled"), .init("expired", "作废", "expired"),
        .init("wait_average_minutes", "平均等候", "wait avg min"), .init("wait_p50_minutes", "等候中位", "wait p50"),
        .init("wait_p90_minutes", "等候P90", "wait p90"), .init("walk_average_minutes", "到窗", "walk min"),
        .init("service_average_minutes", "平均办理", "service min"),
    ]

    static func cells(_ figures: TicketFigures) -> [String] {
        [
            String(figures.issued), String(figures.issuedInHall), String(figures.issuedRemote), String(figures.issuedByStaff), String(figures.called),
            String(figures.served), String(figures.noShow), String(figures.cancelled), String(figures.expired), minutes(figures.waitAverageSeconds),
            figures.waitP50Minutes.map(String.init) ?? "", figures.waitP90Minutes.map(String.init) ?? "", minutes(figures.walkAverageSeconds),
            minutes(figures.serviceAverageSeconds),
        ]
    }

    /// The report as a table: one row per group, then the total.
    public var table: ReportTable {
        let head: ReportTable.Column =
            switch group {
            case .day: .init("day", "日期", "day")
            case .hour: .init("hour", "取号时段", "arrival hour")
            case .service: .init("service", "业务", "business type")
            case .origin: .init("origin", "取号方式", "taken")
            }
        return ReportTable(
            title: "取号与等候 Tickets and waits · \(range.site) · \(range.period)", columns: [head] + Self.figureColumns,
            rows: rows.map { [$0.label] + Self.cells($0.figures) } + [["合计 Total"] + Self.cells(total)])
    }
}

extension WindowsReport {
    public var table: ReportTable {
        ReportTable(
            title: "窗口 Windows · \(range.site) · \(range.period)",
            columns: [
                .init("window", "窗口", "window"), .init("called", "叫号", "called"), .init("served", "办结", "served"), .init("no_show", "过号", "no-show"),
                .init("transferred_in", "转入", "transfers in"), .init("transferred_out", "转出", "transfers out"),
                .init("service_average_minutes", "平均办理", "service min"), .init("walk_average_minutes", "到窗", "walk min"),
                .init("open_minutes", "开窗", "open min"), .init("busy_minutes", "办理中", "busy min"), .init("paused_minutes", "暂停", "paused min"),
                .init("idle_minutes", "空闲", "idle min"),
            ],
            rows: rows.map { row in
                [
                    row.label, String(row.figures.called), String(row.figures.served), String(row.figures.noShow),
                    String(row.figures.transferredIn), String(row.figures.transferredOut), minutes(row.figures.serviceAverageSeconds),
                    minutes(row.figures.walkAverageSeconds), minutes(row.openSeconds), minutes(row.figures.busySeconds), minutes(row.pausedSeconds),
                    minutes(row.idleSeconds),
                ]
            })
    }
}

extension StaffReport {
    public var table: ReportTable {
        ReportTable(
            title: "工作人员 Staff · \(range.site) · \(range.period)",
            columns: [
                .init("staff", "工作人员", "staff"), .init("called", "叫号", "called"), .init("served", "办结", "served"), .init("no_show", "过号", "no-show"),
                .init("transferred_in", "转入", "transfers in"), .init("transferred_out", "转出", "transfers out"),
                .init("service_average_minutes", "平均办理", "service min"), .init("ratings", "评价数", "ratings"),
                .init("rating_average", "平均评分", "rating avg"),
            ],
            rows: rows.map { row in
                [
                    row.name, String(row.figures.called), String(row.figures.served), String(row.figures.noShow),
                    String(row.figures.transferredIn), String(row.figures.transferredOut), minutes(row.figures.serviceAverageSeconds),
                    String(row.ratings), row.ratingAverage.map { String(format: "%.2f", $0) } ?? "",
                ]
            })
    }
}

extension RatingsReport {
    /// The levels, then the average, then each bad rating to follow up.
    public var table: ReportTable {
        var rows = levels.map { ["level", String($0.score), $0.label, String($0.count), "", "", "", "", ""] }
        rows.append(["average", average.map { String(format: "%.2f", $0) } ?? "", "平均 average", String(count), "", "", "", "", ""])
        rows += bad.map { rating in
            [
                "bad", String(rating.score), RatingsReport.labels[rating.score] ?? "", "", rating.number, rating.day, rating.time,
                rating.counter.map(String.init) ?? "", rating.staffName ?? rating.staff ?? "",
            ]
        }
        return ReportTable(
            title: "满意度 Satisfaction · \(range.site) · \(range.period)",
            columns: [
                .init("kind", "类别", "kind"), .init("score", "评分", "score"), .init("label", "评价", "label"), .init("count", "数量", "count"),
                .init("number", "号码", "number"), .init("day", "日期", "day"), .init("time", "时间", "time"), .init("window", "窗口", "window"),
                .init("staff", "工作人员", "staff"),
            ],
            rows: rows)
    }
}

/// A report ready to send: its table (CSV, text, the admin page) and its JSON.
public struct ReportOutput: Sendable {
    public let table: ReportTable
    public let json: Data
}

extension ReportStore {
    /// Any report, as a table and as JSON.
    /// - Parameter group: For the tickets report (others ignore it).
    public func output(_ kind: ReportKind, _ range: ReportRange, group: ReportGroup = .day) async throws -> ReportOutput {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        switch kind {
        case .tickets:
            let report = try await tickets(range, group: group)
            return ReportOutput(table: report.table, json: try encoder.encode(report))
        case .windows:
            let report = try await windows(range)
            return ReportOutput(table: report.table, json: try encoder.encode(report))
        case .staff:
            let report = try await staff(range)
            return ReportOutput(table: report.table, json: try encoder.encode(report))
        case .ratings:
            let report = try await ratings(range)
            return ReportOutput(table: report.table, json: try encoder.encode(report))
        }
    }
}
