import Foundation
import QuhaoCore
import QuhaoStore

/// The office's lists as tables and JSON: who is due, a plan and its draw.
public enum OfficeTables {
    // MARK: - Who is due

    /// The due list as a table (terminal, CSV and the admin page draw from it).
    public static func due(_ list: [DueUnit], site: String, today: BusinessDay, zone: TimeZone) -> ReportTable {
        ReportTable(
            title: "待检查单位 Units due · \(site) · \(today.iso)",
            columns: [
                .init("unit_id", "编号", "id"), .init("name", "单位名称", "unit"), .init("type", "类型", "type"), .init("risk", "风险", "risk"),
                .init("area", "片区", "area"), .init("state", "状态", "state"), .init("visits", "本年已检", "visits"),
                .init("required", "应检", "required"), .init("next_due", "下次应检截止", "next due by"),
                .init("last_visit", "上次检查", "last visit"), .init("last_result", "上次结果", "last result"),
                .init("open_findings", "未整改", "open findings"), .init("overdue_findings", "逾期未改", "overdue"),
                .init("requested", "已在队列", "requested"),
            ],
            rows: list.map { due in
                [
                    String(due.unit.id), due.unit.name, due.unit.type.label.zh, due.unit.risk.rawValue, due.unit.area, due.status.state.label.zh,
                    String(due.status.visits), String(due.status.required), due.status.next?.iso ?? "",
                    due.lastVisit.map { BusinessDay($0, in: zone).iso } ?? "", due.lastResult?.label.zh ?? "", String(due.openFindings),
                    String(due.overdueFindings), due.requested ? "是" : "",
                ]
            })
    }

    /// The due list as JSON (snake case, as the API answers).
    public static func dueJSON(_ list: [DueUnit], site: String, today: BusinessDay, zone: TimeZone) throws -> Data {
        struct Row: Encodable {
            let unitId: Int64
            let name: String
            let type: String
            let risk: String
            let area: String
            let state: String
            let visits: Int
            let required: Int
            let nextDue: String?
            let lastVisit: String?
            let lastResult: String?
            let openFindings: Int
            let overdueFindings: Int
            let requested: Bool

            enum CodingKeys: String, CodingKey {
                case unitId = "unit_id"
                case name
                case type
                case risk
                case area
                case state
                case visits
                case required
                case nextDue = "next_due"
                case lastVisit = "last_visit"
                case lastResult = "last_result"
                case openFindings = "open_findings"
                case overdueFindings = "overdue_findings"
                case requested
            }
        }
        struct List: Encodable {
            let site: String
            let today: String
            let units: [Row]
        }
        let rows = list.map { due in
            Row(
                unitId: due.unit.id, name: due.unit.name, type: due.unit.type.rawValue, risk: due.unit.risk.rawValue, area: due.unit.area,
                state: due.status.state.rawValue, visits: due.status.visits, required: due.status.required, nextDue: due.status.next?.iso,
                lastVisit: due.lastVisit.map { LocalTime.minute($0, in: zone) }, lastResult: due.lastResult?.rawValue,
                openFindings: due.openFindings, overdueFindings: due.overdueFindings, requested: due.requested)
        }
        return try encoder.encode(List(site: site, today: today.iso, units: rows))
    }

    // MARK: - Plans

    /// A plan's drawn visits and their progress.
    public static func plan(_ report: PlanReport, zone: TimeZone) -> ReportTable {
        let plan = report.plan
        let drawn = plan.draw.map { "抽取 drawn \(LocalTime.minute($0.at, in: zone)) · 种子 seed \($0.seed)" } ?? "未抽取 not drawn"
        return ReportTable(
            title:
                "抽查计划 Plan #\(plan.id) \(plan.name) · \(plan.firstDay.iso) – \(plan.lastDay.iso) · \(drawn) · 完成 done \(report.done)/\(report.visits.count)",
            columns: [
                .init("position", "序号", "#"), .init("unit_id", "编号", "id"), .init("name", "单位名称", "unit"), .init("risk", "风险", "risk"),
                .init("type", "类型", "type"), .init("area", "片区", "area"), .init("inspectors", "抽中检查人员", "inspectors drawn"),
                .init("team", "现检查人员", "team now"),
                .init("number", "排队号", "number"), .init("status", "进度", "status"), .init("result", "结果", "result"),
            ],
            rows: report.visits.map { visit in
                [
                    String(visit.position), String(visit.unitID), visit.unitName, visit.risk.rawValue, visit.type.label.zh, visit.area,
                    visit.inspectors.map(\.name).joined(separator: "、"), visit.team.map(\.name).joined(separator: "、"), visit.number ?? "",
                    visit.status.zh,
                    visit.inspection?.result?.label.zh ?? "",
                ]
            })
    }

    /// A plan as JSON: its scope, quotas, seed and what it was drawn from (so anyone can replay the
    /// draw, ``RandomDraw``), and the visits as drawn.
    /// - Parameter forPublic: The copy on the office's public page: the conflicts of interest (whose
    ///   inspector with which unit) are withheld, and said to be; the office's own copy replays exactly.
    public static func planJSON(_ report: PlanReport, zone: TimeZone, forPublic: Bool = false) throws -> Data {
        struct Visit: Encodable {
            let position: Int
            let unitId: Int64
            let unit: String
            let risk: String
            let area: String
            let inspectors: [PlanInspector]
            /// Who goes (or went): the drawn team, or its replacement after a conflict declared later.
            let team: [PlanInspector]
            let number: String?
            let status: String?
            let result: String?

            enum CodingKeys: String, CodingKey {
                case position
                case unitId = "unit_id"
                case unit
                case risk
                case area
                case inspectors
                case team
                case number
                case status
                case result
            }
        }
        struct Drawn: Encodable {
            let seed: String
            let at: String
            let procedure: String
            let candidates: [RandomDraw.Candidate]
            let inspectors: [Int64]
            let recusals: [String: [Int64]]?
            let recusalsWithheld: Bool?
            /// Units drawn per risk level (a share rounded up), as the procedure takes them.
            let counts: [String: Int]

            enum CodingKeys: String, CodingKey {
                case seed, at, procedure, candidates, inspectors, recusals, counts
                case recusalsWithheld = "recusals_withheld"
            }
        }
        struct Plan: Encodable {
            let id: Int64
            let site: String
            let name: String
            let firstDay: String
            let lastDay: String
            let scope: PlanScope
            let quotas: [String: String]
            let team: Int
            let draw: Drawn?
            let done: Int
            let visits: [Visit]

            enum CodingKeys: String, CodingKey {
                case id
                case site
                case name
                case firstDay = "first_day"
                case lastDay = "last_day"
                case scope
                case quotas
                case team
                case draw
                case done
                case visits
            }
        }
        let plan = report.plan
        let value = Plan(
            id: plan.id, site: plan.siteID, name: plan.name, firstDay: plan.firstDay.iso, lastDay: plan.lastDay.iso, scope: plan.scope,
            quotas: Dictionary(uniqueKeysWithValues: plan.quotas.map { ($0.key.rawValue, $0.value.description) }), team: plan.team,
            draw: plan.draw.map {
                Drawn(
                    seed: $0.seed, at: $0.at.formatted(Date.ISO8601FormatStyle(timeZone: zone)),
                    procedure: "FNV-1a 64 of the seed's UTF-8 → SplitMix64; per risk level A–D, candidates by id, Fisher–Yates (j = next() % (i+1)), "
                        + "first n (counts: a share of the level's candidates rounded up); then per drawn unit, inspectors by id without its recusals, shuffled the same way, first team"
                        + (forPublic ? " (the recusals are withheld here: the units drawn replay from the seed and candidates alone)" : ""),
                    candidates: $0.candidates, inspectors: $0.inspectors,
                    recusals: forPublic ? nil : Dictionary(uniqueKeysWithValues: $0.recusals.map { (String($0.key), $0.value) }),
                    recusalsWithheld: forPublic ? true : nil,
                    counts: Dictionary(
                        uniqueKeysWithValues: InspectionPlan.counts(plan.quotas, candidates: $0.candidates).map { ($0.key.rawValue, $0.value) }))
            }, done: report.done,
            visits: report.visits.map {
                Visit(
                    position: $0.position, unitId: $0.unitID, unit: $0.unitName, risk: $0.risk.rawValue, area: $0.area, inspectors: $0.inspectors,
                    team: $0.team, number: $0.number, status: $0.inspection?.status.rawValue, result: $0.inspection?.result?.rawValue)
            })
        return try encoder.encode(value)
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
