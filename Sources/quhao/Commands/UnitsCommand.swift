import ArgumentParser
import Foundation
import QuhaoConfig
import QuhaoCore
import QuhaoFormats
import QuhaoStore

/// `quhao units …`: the canteen units an inspection office supervises.
struct UnitsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "units", abstract: "Canteen units under supervision: import, export, list, tokens.",
        discussion: """
            The units file is UTF-8 CSV (with or without a byte-order mark), header row first:
              \(UnitsCSV.columns.joined(separator: ","))
            id empty for a new unit, or for the unit already registered with the row's credit code (that unit is updated); type 学校食堂/单位食堂/餐馆/中央厨房/集体用餐配送单位/其他 (or school_canteen …); \
            risk A–D; kitchen_mode 透明玻璃/视频展示/互联网明厨亮灶/无 (or glass/video/internet/none); active 是/否.
            An import is all or nothing: every bad row is listed with its line and column.
            """,
        subcommands: [Import.self, Export.self, List.self, Rotate.self])

    /// The inspection office a command acts in: the one named, or the only one configured.
    static func office(_ named: String?, store: TicketStore) async throws -> String {
        if let named { return named }
        var offices: [String] = []
        for id in try await store.siteIDs() where try await store.site(id).kind == .inspection { offices.append(id) }
        guard offices.count == 1 else {
            throw ExitFailure(message: "Name the inspection office with --site (\(offices.joined(separator: ", ")))", code: 2)
        }
        return offices[0]
    }

    /// A unit by id or by credit code.
    static func unit(_ reference: String, site: String?, store: TicketStore) async throws -> RegisteredUnit {
        if let id = CanteenUnit.ID(reference) { return try await store.inspections.unit(id) }
        let office = try await office(site, store: store)
        let code = TypedText.compact(reference)
        guard let found = try await store.inspections.units(site: office).first(where: { $0.unit.uscc == code }) else {
            throw QuhaoError(.unitNotFound, ["unit": reference])
        }
        return found
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import a units file (all or nothing).")
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "The inspection office (default: the only one configured).")
        var site: String?
        @Argument(help: "The CSV file.")
        var file: String

        func run() async throws {
            try await reportingErrors {
                let store = try await storeOptions.openStore(creating: true)
                let office = try await UnitsCommand.office(site, store: store)
                guard let data = FileManager.default.contents(atPath: file) else { throw ExitFailure(message: "Cannot read \(file)", code: 2) }
                guard let text = String(data: data, encoding: .utf8) else {
                    throw ExitFailure(message: "\(file) 不是 UTF-8 编码 / is not UTF-8: save it from Excel as “CSV UTF-8”", code: 1)
                }
                do {
                    let summary = try await store.inspections.importUnits(site: office, csv: text, by: .cli)
                    print("导入完成 imported: 新增 created \(summary.created), 更新 updated \(summary.updated), 未变 unchanged \(summary.unchanged)")
                } catch let failure as UnitsImportFailure {
                    var lines = ["未导入任何单位 nothing was imported: \(failure.problems.count) 处问题 problem(s)"]
                    for problem in failure.problems {
                        lines.append("  \(Catalogue.chinese.message(for: problem))")
                        lines.append("    \(Catalogue.english.message(for: problem))")
                    }
                    FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
                    throw ExitCode(1)
                }
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the units file (UTF-8 with a byte-order mark, for Excel).")
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "The inspection office (default: the only one configured).")
        var site: String?
        @Option(help: "Write to this file instead of standard output.")
        var out: String?

        func run() async throws {
            try await reportingErrors {
                let store = try await storeOptions.openStore()
                let text = try await store.inspections.exportUnits(site: try await UnitsCommand.office(site, store: store))
                if let out {
                    // Readable by the office's group at most: it names every unit's responsible person.
                    try PrivateFiles.write(Data(text.utf8), to: out, mode: PrivateFiles.ownerAndGroup)
                } else {
                    FileHandle.standardOutput.write(Data(text.utf8))
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the units with their links.")
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "The inspection office (default: the only one configured).")
        var site: String?

        func run() async throws {
            try await reportingErrors {
                let store = try await storeOptions.openStore()
                let settings = try storeOptions.settings(file: try storeOptions.loadConfig().file)
                for registered in try await store.inspections.units(site: try await UnitsCommand.office(site, store: store)) {
                    let unit = registered.unit
                    print(
                        "\(unit.id)\t\(unit.active ? "" : "[停用 inactive] ")\(unit.name)\t\(unit.uscc)\t\(unit.type.label.zh)\t\(unit.risk.rawValue)\t"
                            + "\(settings.publicURL)/p/\(registered.posterToken)")
                }
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new poster or private token for a unit: what was printed with the old one stops working.")
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "The inspection office (when the unit is named by its credit code).")
        var site: String?
        @Argument(help: "The unit: its id or its credit code.")
        var unit: String
        @Flag(help: "Which token.")
        var kind: TokenKind

        enum TokenKind: String, EnumerableFlag {
            case poster, `private`
        }

        func run() async throws {
            try await reportingErrors {
                let store = try await storeOptions.openStore()
                let found = try await UnitsCommand.unit(unit, site: site, store: store)
                let rotated = try await store.inspections.rotateToken(kind == .poster ? .poster : .private, unit: found.unit.id, by: .cli)
                print(
                    "\(rotated.unit.name): 新的\(kind == .poster ? "公示码 poster" : "专用链接 private") token issued; print it again (quhao qr unit \(rotated.unit.id) --\(kind.rawValue))"
                )
            }
        }
    }
}
