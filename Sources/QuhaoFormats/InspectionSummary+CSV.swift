import Foundation
import QuhaoCore
import QuhaoStore

extension InspectionSummary {
    /// The columns of the summary's CSV form.
    public static let csvColumns = [
        "group", "key", "label", "units_inspected", "inspections", "findings", "rectified", "rectification_rate_percent", "on_site",
        "remote_video", "self", "awaiting_verification", "answered_late", "open", "overdue", "active_units", "due_for_visit",
    ]

    /// One table for Excel (UTF-8 with a byte-order mark): the totals, then by result, unit type and
    /// risk level, then the units due for a visit per level. Cells a row does not have are empty.
    public var csv: String { Self.encoded([Self.csvColumns] + csvRows) }

    /// Several offices' summaries in one file (`quhao report inspections --site all`): the same
    /// rows, each after a first column with its office's id.
    public static func csv(_ summaries: [InspectionSummary]) -> String {
        encoded([["site"] + csvColumns] + summaries.flatMap { summary in summary.csvRows.map { [summary.site] + $0 } })
    }

    static func encoded(_ rows: [[String]]) -> String {
        "\u{FEFF}" + rows.map { $0.map(UnitsCSV.cell).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    /// The rows under ``csvColumns``.
    var csvRows: [[String]] {
        func rate(_ figures: Figures) -> String { figures.rectificationRate.map { String(format: "%.1f", $0) } ?? "" }
        func row(_ group: String, _ key: String, _ label: String, _ figures: Figures, extra: [String] = Array(repeating: "", count: 9)) -> [String] {
            [
                group, key, label, String(figures.unitsInspected), String(figures.inspections), String(figures.findings), String(figures.rectified),
                rate(figures),
            ] + extra
        }
        var rows: [[String]] = []
        rows.append(
            row(
                "total", "all", "合计 Total", total,
                extra: [
                    String(onSite), String(remoteVideo), String(selfInspections), String(awaitingVerification), String(answeredLate), String(open),
                    String(overdue), "", "",
                ]))
        for result in InspectionResult.allCases {
            rows.append(row("result", result.rawValue, "\(result.label.zh) \(result.label.en ?? "")", byResult[result] ?? Figures()))
        }
        for type in UnitType.allCases {
            rows.append(row("type", type.rawValue, "\(type.label.zh) \(type.label.en ?? "")", byType[type] ?? Figures()))
        }
        for risk in RiskLevel.allCases { rows.append(row("risk", risk.rawValue, "风险等级 \(risk.rawValue)", byRisk[risk] ?? Figures())) }
        for level in due {
            rows.append(
                ["due", level.risk.rawValue, "\(level.risk.rawValue) 级：每年至少 \(level.minimumVisits) 次 / at least \(level.minimumVisits) a year"]
                    + Array(repeating: "", count: 12) + [String(level.activeUnits), String(level.dueForVisit)])
        }
        return rows
    }

    /// The summary as a supervision office reads it, in both languages, for a terminal.
    public var table: String {
        func rate(_ figures: Figures) -> String { figures.rectificationRate.map { String(format: "%.1f %%", $0) } ?? "—" }
        let period = "\(from?.iso ?? "…") – \(to?.iso ?? today.iso)"
        var lines = [
            "食品安全检查汇总 Inspection summary · \(site) · \(period)",
            "",
            "检查单位 Units inspected          \(total.unitsInspected)",
            "检查次数 Inspections              \(total.inspections)  (现场 on site \(onSite) · 远程视频 remote video \(remoteVideo)); 自查 self \(selfInspections)",
            "发现问题 Findings                 \(total.findings)",
            "已整改核实 Rectified and verified \(total.rectified)",
            "整改率 Rectification rate         \(rate(total))",
            "待核实 Awaiting verification      \(awaitingVerification)",
            "  其中逾期提交 answered late      \(answeredLate)",
            "待整改 Open                       \(open)",
            "  其中逾期 Overdue                \(overdue)",
            "",
            "分组 Group                       单位 units  检查 insp.  问题 findings  整改 rectified  整改率 rate",
        ]
        func line(_ label: String, _ figures: Figures) -> String {
            let padded = label.fitted(to: 32)
            return padded
                + [figures.unitsInspected, figures.inspections, figures.findings, figures.rectified].map {
                    String(repeating: " ", count: max(0, 10 - String($0).count)) + String($0)
                }.joined(separator: " ") + "   " + rate(figures)
        }
        for result in InspectionResult.allCases { lines.append(line(result.label.zh + " " + (result.label.en ?? ""), byResult[result] ?? Figures())) }
        for type in UnitType.allCases { lines.append(line(type.label.zh, byType[type] ?? Figures())) }
        for risk in RiskLevel.allCases { lines.append(line("风险等级 Risk \(risk.rawValue)", byRisk[risk] ?? Figures())) }
        lines.append("")
        lines.append("应检查 Due for a visit this year (visits below the level's minimum):")
        for level in due {
            lines.append("  \(level.risk.rawValue) 级 (≥ \(level.minimumVisits)/年 a year): \(level.dueForVisit) / \(level.activeUnits) 家 units")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
