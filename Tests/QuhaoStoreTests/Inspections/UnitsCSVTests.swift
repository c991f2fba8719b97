import Foundation
import QuhaoCore
import Testing

@testable import QuhaoFormats
@testable import QuhaoStore

/// The units spreadsheet: every bad row named by line and column, nothing half-imported, and an
/// export that imports back unchanged.
@Suite struct UnitsCSVTests {
    static let header = "id,name,uscc,licence,address,type,risk,contact_name,contact_phone,kitchen_mode,camera_url,active"

    static func row(_ n: Int, id: String = "", uscc: String? = nil, address: String? = nil) -> String {
        let draft = InspectionFixture.draft(n)
        return [id, draft.name, uscc ?? draft.uscc, draft.licence, address ?? draft.address, "餐馆", "C", "李经理", "13912345678", "透明玻璃", "", "是"]
            .map(UnitsCSV.cell).joined(separator: ",")
    }

    @Test func aBadCreditCodeOnLineSevenIsReportedThereAndNothingIsImported() async throws {
        let (store, _) = try await InspectionFixture.store()
        // Line 1 the header, lines 2–6 good units, line 7 a mistyped code, line 8 good.
        var lines = [Self.header] + (1...5).map { Self.row($0) }
        lines.append(Self.row(6, uscc: "91330100000000006X"))
        lines.append(Self.row(7))
        let failure = await #expect(throws: UnitsImportFailure.self) {
            try await store.inspections.importUnits(site: "office", csv: lines.joined(separator: "\n"), by: .cli)
        }
        #expect(failure?.problems.count == 1)
        let problem = try #require(failure?.problems.first)
        #expect(problem.code == .unitsImportInvalid)
        #expect(problem.parameters["line"] == "7" && problem.parameters["column"] == "uscc")
        #expect(problem.parameters["code"] == "identity.checksum")
        #expect(
            problem.message == "Line 7, column “uscc”: The unified social credit code has a wrong check character; please check it and type it again."
        )
        #expect(Catalogue.chinese.message(for: problem) == "第 7 行“uscc”列：统一社会信用代码校验位不正确，请核对后重新输入。")
        #expect(try await store.inspections.units(site: "office").isEmpty, "nothing half-imported")
    }

    @Test func everyBadRowIsReportedAtOnce() async throws {
        let (store, _) = try await InspectionFixture.store()
        let lines = [
            Self.header, Self.row(1), "x,食堂,\(InspectionFixture.uscc(2)),JY13301000000002,地址,餐馆,C,,13912345678,,,是",
            Self.row(3, address: ""), Self.row(1),
        ]
        let failure = await #expect(throws: UnitsImportFailure.self) {
            try await store.inspections.importUnits(site: "office", csv: lines.joined(separator: "\r\n"), by: .cli)
        }
        let found = failure?.problems.map { "\($0.parameters["line"]!):\($0.parameters["column"]!):\($0.parameters["code"]!)" }
        #expect(found == ["3:id:unit.not_found", "4:address:unit.address_required", "5:uscc:unit.duplicate", "5:licence:unit.licence_taken"])
    }

    @Test func clashesWithRegisteredUnitsAreReportedByLineToo() async throws {
        let (store, _) = try await InspectionFixture.store()
        let one = try await store.inspections.createUnit(site: "office", InspectionFixture.draft(1), by: .cli)
        _ = try await store.inspections.createUnit(site: "office", InspectionFixture.draft(2), by: .cli)
        // Unit 1's row, given unit 2's code: a clash found only against the database.
        let lines = [Self.header, Self.row(9), Self.row(1, id: String(one.unit.id), uscc: InspectionFixture.uscc(2))]
        let failure = await #expect(throws: UnitsImportFailure.self) {
            try await store.inspections.importUnits(site: "office", csv: lines.joined(separator: "\n"), by: .cli)
        }
        #expect(failure?.problems.map { $0.parameters["line"] } == ["3"])
        #expect(failure?.problems.first?.parameters["code"] == "unit.duplicate")
        #expect(try await store.inspections.units(site: "office").count == 2, "unit 9 was rolled back with the rest")
    }

    @Test func anExportImportsBackUnchangedWithOrWithoutItsByteOrderMark() async throws {
        let (store, _) = try await InspectionFixture.store()
        for n in 1...3 { _ = try await store.inspections.createUnit(site: "office", InspectionFixture.draft(n), by: .cli) }
        var tricky = InspectionFixture.draft(4, name: "=HYPERLINK(\"http://evil\",\"点我\")")
        tricky.address = "钱塘区\n学林街 8 号, 2 楼"
        _ = try await store.inspections.createUnit(site: "office", tricky, by: .cli)
        let exported = try await store.inspections.exportUnits(site: "office")
        #expect(exported.hasPrefix("\u{FEFF}id,name,uscc,"))
        #expect(exported.contains("'=HYPERLINK"), "a formula is not left for Excel to run")
        for text in [exported, String(exported.dropFirst())] {
            let summary = try await store.inspections.importUnits(site: "office", csv: text, by: .cli)
            #expect(summary == UnitsImportSummary(created: 0, updated: 0, unchanged: 4))
        }
        let units = try await store.inspections.units(site: "office")
        #expect(units.first { $0.unit.uscc == InspectionFixture.uscc(4) }?.unit.name == "=HYPERLINK(\"http://evil\",\"点我\")")
        #expect(units.first { $0.unit.uscc == InspectionFixture.uscc(4) }?.unit.address == "钱塘区\n学林街 8 号, 2 楼")
    }

    @Test func rowsWithoutAnIdUpdateTheUnitWithTheirCreditCodeOrRegisterANewOne() async throws {
        let (store, _) = try await InspectionFixture.store()
        let one = try await store.inspections.createUnit(site: "office", InspectionFixture.draft(1), by: .cli)
        let lines = [Self.header, Self.row(1), Self.row(2)]
        let summary = try await store.inspections.importUnits(site: "office", csv: lines.joined(separator: "\n") + "\n\n", by: .cli)
        #expect(summary == UnitsImportSummary(created: 1, updated: 1, unchanged: 0))
        let updated = try await store.inspections.unit(one.unit.id)
        #expect(updated.unit.type == .restaurant && updated.unit.risk == .c && updated.privateToken == one.privateToken)
    }

    @Test func lineNumbersCountLinesInsideQuotedFields() async throws {
        let (store, _) = try await InspectionFixture.store()
        let lines = [Self.header, Self.row(1, address: "第一行\n第二行"), Self.row(2, uscc: "123")]
        let failure = await #expect(throws: UnitsImportFailure.self) {
            try await store.inspections.importUnits(site: "office", csv: lines.joined(separator: "\n"), by: .cli)
        }
        #expect(failure?.problems.first?.parameters["line"] == "4")
    }

    @Test func aFileWithoutTheColumnsSaysWhichAreMissing() async throws {
        let (store, _) = try await InspectionFixture.store()
        let failure = await #expect(throws: UnitsImportFailure.self) {
            try await store.inspections.importUnits(site: "office", csv: "名称,地址\n食堂,钱塘区\n", by: .cli)
        }
        #expect(failure?.problems.first?.parameters["line"] == "1")
        #expect(failure?.problems.first?.parameters["column"]?.hasPrefix("id, uscc, licence") == true, "名称 and 地址 are read as name and address")
    }
}

/// What the office's walk found in the import: a row's every problem, a Chinese header row, and one
/// licence on two units.
@Suite struct UnitsImportWalkTests {
    @Test func everyProblemOfARowIsReported() async throws {
        let (store, _) = try await InspectionFixture.store()
        let draft = InspectionFixture.draft(1)
        // Line 2: a wrong check character, an unknown risk level and a bad phone, all on one row.
        let row = ["", draft.name, "91330100000000006X", draft.licence, draft.address, "餐馆", "Z", "李经理", "1391234", "透明玻璃", "", "是"]
        let failure = await #expect(throws: UnitsImportFailure.self) {
            try await store.inspections.importUnits(site: "office", csv: UnitsCSVTests.header + "\n" + row.joined(separator: ","), by: .cli)
        }
        #expect(failure?.problems.map { $0.parameters["column"] ?? "" } == ["uscc", "risk", "contact_phone"])
        #expect(failure?.problems.allSatisfy { $0.parameters["line"] == "2" } == true)
    }

    @Test func aChineseHeaderRowIsTaken() async throws {
        let (store, _) = try await InspectionFixture.store()
        let header = "编号,单位名称,统一社会信用代码,食品经营许可证编号,经营地址,单位类型,风险等级,负责人,负责人手机,明厨亮灶方式,摄像头地址（远程检查用）,状态"
        let summary = try await store.inspections.importUnits(
            site: "office", csv: header + "\n" + UnitsCSVTests.row(1) + "\n" + UnitsCSVTests.row(2), by: .cli)
        #expect(summary.created == 2)
        #expect(try await store.inspections.units(site: "office").map(\.unit.name) == ["第1食堂", "第2食堂"])
    }

    @Test func oneLicenceNumberOnTwoUnitsIsRefused() async throws {
        let (store, _) = try await InspectionFixture.store()
        let one = InspectionFixture.draft(1)
        let two = InspectionFixture.draft(2)
        // In the file: line 3 repeats line 2's licence under another credit code.
        let clash = ["", two.name, two.uscc, one.licence, two.address, "餐馆", "C", "", "13912345678", "透明玻璃", "", "是"].joined(separator: ",")
        let failure = await #expect(throws: UnitsImportFailure.self) {
            try await store.inspections.importUnits(
                site: "office", csv: [UnitsCSVTests.header, UnitsCSVTests.row(1), clash].joined(separator: "\n"), by: .cli)
        }
        #expect(failure?.problems.map(\.parameters["column"]) == ["licence"])
        #expect(failure?.problems.first?.parameters["line"] == "3" && failure?.problems.first?.parameters["code"] == "unit.licence_taken")
        // Against the units registered: by import, and by the form.
        _ = try await store.inspections.createUnit(site: "office", one, by: .cli)
        await #expect(throws: UnitsImportFailure.self) {
            try await store.inspections.importUnits(site: "office", csv: UnitsCSVTests.header + "\n" + clash, by: .cli)
        }
        var copy = two
        copy.licence = one.licence
        await #expect(throws: QuhaoError.self) { try await store.inspections.createUnit(site: "office", copy, by: .cli) }
        #expect(try await store.inspections.units(site: "office").count == 1)
    }

    @Test func aBadStateHidesNoOtherProblemOfItsRow() async throws {
        let (store, _) = try await InspectionFixture.store()
        let draft = InspectionFixture.draft(1)
        let row = ["", draft.name, "91330100000000006X", draft.licence, draft.address, "餐馆", "Z", "", "13912345678", "", "", "maybe"]
        let failure = await #expect(throws: UnitsImportFailure.self) {
            try await store.inspections.importUnits(site: "office", csv: UnitsCSVTests.header + "\n" + row.joined(separator: ","), by: .cli)
        }
        #expect(failure?.problems.map { $0.parameters["column"] ?? "" } == ["active", "uscc", "risk"])
        let state = try #require(failure?.problems.first)
        #expect(Catalogue.chinese.message(for: state).contains("只能填 是 或 否") && !Catalogue.chinese.message(for: state).contains("must be"))
    }

    @Test func clashesWithRegisteredUnitsComeInTheSameReportAsTheFilesOwnProblems() async throws {
        let (store, _) = try await InspectionFixture.store()
        let one = InspectionFixture.draft(1)
        _ = try await store.inspections.createUnit(site: "office", one, by: .cli)
        let two = InspectionFixture.draft(2)
        let three = InspectionFixture.draft(3)
        // Line 2 reuses a registered unit's licence; lines 3 and 4 share one licence.
        let lines = [
            UnitsCSVTests.header,
            ["", two.name, two.uscc, one.licence, two.address, "餐馆", "C", "", "13912345678", "", "", "是"].joined(separator: ","),
            UnitsCSVTests.row(3),
            ["", "重复", InspectionFixture.uscc(4), three.licence, "地址", "餐馆", "C", "", "13912345678", "", "", "是"].joined(separator: ","),
        ]
        let failure = await #expect(throws: UnitsImportFailure.self) {
            try await store.inspections.importUnits(site: "office", csv: lines.joined(separator: "\n"), by: .cli)
        }
        #expect(failure?.problems.map { "\($0.parameters["line"] ?? ""):\($0.parameters["column"] ?? "")" } == ["2:licence", "4:licence"])
        #expect(try await store.inspections.units(site: "office").count == 1, "nothing half-imported")
    }

    @Test func aQuotingMistakeIsReportedOnItsLine() async throws {
        let (store, _) = try await InspectionFixture.store()
        let lines = [UnitsCSVTests.header, UnitsCSVTests.row(1), UnitsCSVTests.row(2), "=HYPERLINK(\"http://x\"),a,b", UnitsCSVTests.row(3)]
        let failure = await #expect(throws: UnitsImportFailure.self) {
            try await store.inspections.importUnits(site: "office", csv: lines.joined(separator: "\n"), by: .cli)
        }
        #expect(failure?.problems.first?.parameters["line"] == "4")
        #expect(UnitsCSV.quoteProblemLine("a,b\n\"open,x\nmore") == 2, "a quoted cell never closed: the line it opens on")
        #expect(UnitsCSV.quoteProblemLine("a,\"b \"\"c\"\"\"\nd,e") == nil, "a well-quoted file")
        #expect(UnitsCSV.quoteProblemLine("h,h\r\na,b\r\nc,d\r\n,\"单位B\"x,e\r\n") == 4, "CRLF lines counted, text after a closing quote")
        #expect(UnitsCSV.quoteProblemLine("h,h\na,b\nc,d\n,\"单位B\"x,e\n") == 4)
        // An unclosed quote on line 5 is reported there, not read as one long cell swallowing line 6.
        let unclosed = [UnitsCSVTests.header, UnitsCSVTests.row(1), UnitsCSVTests.row(2), UnitsCSVTests.row(3), ",\"单位C,x", UnitsCSVTests.row(4)]
        let swallowed = await #expect(throws: UnitsImportFailure.self) {
            try await store.inspections.importUnits(site: "office", csv: unclosed.joined(separator: "\n"), by: .cli)
        }
        #expect(swallowed?.problems.count == 1 && swallowed?.problems.first?.parameters["line"] == "5")
    }
}
