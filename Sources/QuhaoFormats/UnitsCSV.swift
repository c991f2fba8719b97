import Foundation
import QuhaoCore
import QuhaoStore
import SwiftCSV

/// The units spreadsheet: UTF-8 CSV, header row first, the unit's id in the first column (empty
/// for a new unit). Export writes a byte-order mark (so Excel reads it as UTF-8) and the labels a
/// supervision office uses (学校食堂, 是/否); import takes labels or codes, with or without the mark.
public enum UnitsCSV {
    /// The columns, in order.
    public static let columns = ["id"] + UnitDraft.Field.allCases.map(\.rawValue)
    /// Columns a file may leave out.
    static let optionalColumns: Set<String> = [UnitDraft.Field.area.rawValue]

    static let byteOrderMark = "\u{FEFF}"

    /// A cell as a spreadsheet will not run it: text opening with = + - @ (a formula to Excel)
    /// gets a leading apostrophe, which import takes off again.
    public static func cell(_ text: String) -> String {
        var text = text
        if let first = text.first, "=+-@".contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The line where a file's quoting goes wrong: a quote inside a cell that does not start with one
    /// (`=HYPERLINK("x")`), a closing quote followed by more text, or a quoted cell never closed
    /// (the line it opens on); `nil` for a well-quoted file. Line breaks are counted as Unicode reads
    /// them (`\r\n` is one character).
    static func quoteProblemLine(_ text: String) -> Int? {
        var line = 1
        var opened = 1
        var quoted = false
        var atCellStart = true
        var afterClose = false
        var characters = Array(text)[...]
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" {
                        characters.removeFirst()
                    } else {
                        quoted = false
                        afterClose = true
                    }
                } else if character.isNewline {
                    line += 1
                }
                continue
            }
            switch character {
            case "\"":
                guard atCellStart else { return line }
                quoted = true
                opened = line
            case ",":
                atCellStart = true
                afterClose = false
                continue
            case _ where character.isNewline:
                line += 1
                atCellStart = true
                afterClose = false
                continue
            default:
                if afterClose { return line }
            }
            atCellStart = false
        }
        return quoted ? opened : nil
    }

    /// A header cell as a column: the column's own name, or its label as the office's spreadsheets
    /// write it (统一社会信用代码, 食品经营许可证编号, …; a note in brackets after it is ignored).
    static func column(named cell: String) -> String {
        let text = cell.trimmingCharacters(in: .whitespaces)
        let key = text.lowercased()
        if columns.contains(key) { return key }
        let bare = text.replacing(#/[（(].*[）)]\s*$/#, with: "").trimmingCharacters(in: .whitespaces)
        return chineseHeaders[bare] ?? key
    }

    /// The labels the admin's unit form shows (the catalogue's `ui.admin.field_*`), and the usual other names.
    static let chineseHeaders: [String: String] = {
        var names: [String: String] = [
            "编号": "id", "序号": "id", "名称": "name", "单位": "name", "信用代码": "uscc", "社会信用代码": "uscc", "许可证编号": "licence",
            "许可证号": "licence", "地址": "address", "类型": "type", "风险": "risk", "联系人": "contact_name", "联系电话": "contact_phone",
            "手机": "contact_phone", "手机号码": "contact_phone", "摄像头": "camera_url", "状态": "active", "是否启用": "active", "启用": "active",
            "片区": "area", "街道": "area", "区域": "area", "所属片区": "area", "所属街道": "area",
        ]
        for column in columns where column != "id" {
            if let label = Catalogue.chinese.template("ui.admin.field_\(column)") {
                names[label.replacing(#/[（(].*[）)]\s*$/#, with: "").trimmingCharacters(in: .whitespaces)] = column
            }
        }
        return names
    }()

    static func uncell(_ text: String) -> String {
        if text.hasPrefix("'"), let second = text.dropFirst().first, "=+-@".contains(second) { return String(text.dropFirst()) }
        return text
    }

    /// The file for these units.
    public static func export(_ units: [RegisteredUnit]) -> String {
        var lines = [columns.joined(separator: ",")]
        for registered in units {
            let unit = registered.unit
            let fields = [
                String(unit.id), unit.name, unit.uscc, unit.licence, unit.address, unit.type.label.zh, unit.risk.rawValue, unit.contactName,
                unit.contactPhone, unit.kitchenMode.label.zh, unit.cameraURL ?? "", unit.active ? "是" : "否", unit.area,
            ]
            lines.append(fields.map(cell).joined(separator: ","))
        }
        return byteOrderMark + lines.joined(separator: "\r\n") + "\r\n"
    }

    /// Reads and checks a whole file: its good rows, and every problem of the others (the caller adds the
    /// clashes with the units registered, so one import reports them all).
    /// - Throws: ``UnitsImportFailure`` when the file cannot be read as a units file at all.
    public static func parse(_ text: String) throws -> UnitsFile {
        var problems: [QuhaoError] = []
        func problem(_ line: Int, _ column: String, _ error: QuhaoError) { problems.append(UnitsFile.problem(line: line, column: column, error)) }
        let body = text.hasPrefix(byteOrderMark) ? String(text.dropFirst()) : text
        // Quoting is checked first, by our own scan: a reader may swallow an unclosed quote into later lines.
        let quoting = Self.quoteProblemLine(body)
        let records = quoting == nil ? try? EnumeratedCSV(string: body, delimiter: .comma, loadColumns: false).rows.map { $0 } : nil
        guard let records else {
            throw UnitsImportFailure(problems: [
                QuhaoError(
                    .unitsImportInvalid,
                    [
                        "line": String(quoting ?? 1), "column": "",
                        "reason": "引号使用不正确：含引号的内容要整格用英文双引号括起，内部的引号写两次",
                        "reason@en": "quotes are not used as CSV needs: quote the whole cell, and double the quotes inside it",
                    ])
            ])
        }
        let header = try EnumeratedCSV(string: body, delimiter: .comma, loadColumns: false).header.map(Self.column(named:))
        // The area came later: a file written before it still reads (every unit in no area).
        let missing = columns.filter { !header.contains($0) && !optionalColumns.contains($0) }
        if !missing.isEmpty {
            throw UnitsImportFailure(problems: [
                QuhaoError(
                    .unitsImportInvalid,
                    [
                        "line": "1", "column": missing.joined(separator: ", "), "reason": "缺少这些列；第一行应为：\(columns.joined(separator: ","))",
                        "reason@en": "these columns are missing; the first line must be: \(columns.joined(separator: ","))",
                    ])
            ])
        }
        let index = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var rows: [UnitsFile.Row] = []
        var seen: [String: Int] = [:]
        var licences: [String: Int] = [:]
        // Line numbers count the lines a field spans (a quoted address with a line break).
        var line = 2 + header.joined().filter { $0 == "\n" }.count
        for record in records {
            defer { line += 1 + record.joined().filter { $0 == "\n" || $0 == "\r\n" }.count }
            if record.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            func value(_ column: String) -> String {
                guard let at = index[column], at < record.count else { return "" }
                return uncell(record[at])
            }
            var id: CanteenUnit.ID?
            let idText = value("id").trimmingCharacters(in: .whitespaces)
            if !idText.isEmpty {
                guard let number = CanteenUnit.ID(idText), number > 0 else {
                    problem(line, "id", QuhaoError(.unitNotFound, ["unit": idText]))
                    continue
                }
                id = number
            }
            let activeText = value("active").trimmingCharacters(in: .whitespaces).lowercased()
            var active = true
            var rowRefused = false
            switch activeText {
            case "", "1", "是", "yes", "y", "true", "启用": active = true
            case "0", "否", "no", "n", "false", "停用": active = false
            default:
                // Reported, and the row's other fields are still checked: every problem of a row at once.
                problem(
                    line, "active",
                    QuhaoError(
                        .requestInvalid,
                        [
                            "reason": "“active”（状态）只能填 是 或 否，不能填“\(activeText.prefix(20))”",
                            "reason@en": "active must be yes or no, not “\(activeText.prefix(20))”",
                        ]))
                rowRefused = true
            }
            let draft = UnitDraft(
                name: value("name"), uscc: value("uscc"), licence: value("licence"), address: value("address"), type: value("type"),
                risk: value("risk"), contactName: value("contact_name"), contactPhone: value("contact_phone"),
                kitchenMode: value("kitchen_mode"), cameraURL: value("camera_url"), active: active, area: value("area"))
            // Every problem of the row, not only the first.
            let (checked, refusals) = draft.checking()
            for error in refusals { problem(line, error.parameters["field"] ?? "", error) }
            guard let checked, !rowRefused else { continue }
            var clashes = false
            if let earlier = seen[checked.uscc] {
                problem(line, "uscc", QuhaoError(.unitDuplicate, ["uscc": checked.uscc, "name": "第 \(earlier) 行 / line \(earlier)"]))
                clashes = true
            }
            if let earlier = licences[checked.licence] {
                problem(
                    line, "licence", QuhaoError(.unitLicenceTaken, ["licence": checked.licence, "name": "第 \(earlier) 行 / line \(earlier)"]))
                clashes = true
            }
            seen[checked.uscc] = seen[checked.uscc] ?? line
            licences[checked.licence] = licences[checked.licence] ?? line
            if !clashes { rows.append(UnitsFile.Row(line: line, id: id, unit: checked)) }
        }
        return UnitsFile(rows: rows, problems: problems)
    }
}

extension InspectionStore {
    /// Imports a units spreadsheet (see ``importUnits(site:file:by:)``): its format problems and its
    /// clashes with the units registered are reported together.
    public func importUnits(site: String, csv: String, by initiator: Initiator) async throws -> UnitsImportSummary {
        try await importUnits(site: site, file: try UnitsCSV.parse(csv), by: initiator)
    }

    /// An office's units as a file for ``importUnits(site:csv:by:)`` (and Excel).
    public func exportUnits(site: String) async throws -> String {
        UnitsCSV.export(try await units(site: site))
    }
}
