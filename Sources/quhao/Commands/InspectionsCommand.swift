import ArgumentParser
import Foundation
import QuhaoConfig
import QuhaoCore
import QuhaoFormats
import QuhaoHTTP
import QuhaoStore

/// `quhao inspections …`: an office's daily lists.
struct InspectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspections", abstract: "An inspection office's daily tools: who is due, conflicts of interest (回避).",
        subcommands: [Due.self, Recuse.self, Record.self])

    struct Due: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Units due for a visit: visits this year against their risk level's, last visit and result, open findings.",
            discussion: """
                The year is split into as many equal stretches of whole months as a level asks visits for; a unit is \
                behind (已逾期未检) once a stretch has passed without its visit, due (待检查) while one is still to come this \
                year, done (本年已达标) when it has had them all. Without --state: the due and the behind.
                """)
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "The inspection office (default: the only one configured).")
        var site: String?
        @Option(help: "Unit types, comma-separated (school_canteen, 学校食堂, …).")
        var type: String?
        @Option(help: "Risk levels, comma-separated (A,B,C,D).")
        var risk: String?
        @Option(help: "Areas, comma-separated, as written on the units.")
        var area: String?
        @Option(help: "due, behind or done, comma-separated.")
        var state: String?
        @Option(help: "table, csv (UTF-8 with a byte-order mark, for Excel) or json.")
        var format: ReportCommand.Format = .table

        func run() async throws {
            try await reportingErrors {
                let filter = try DueFilter(
                    types: Set(InspectionsCommand.list(type, "type", UnitType.init(text:))),
                    risks: Set(InspectionsCommand.list(risk, "risk", RiskLevel.init(text:))),
                    areas: Set(InspectionsCommand.list(area, "area") { $0 }),
                    states: Set(InspectionsCommand.list(state, "state", VisitStatus.State.init(rawValue:))))
                let store = try await storeOptions.openStore()
                let office = try await UnitsCommand.office(site, store: store)
                let definition = try await store.site(office)
                let today = try await store.today(site: office)
                let list = try await store.inspections.due(site: office, filter: filter)
                switch format {
                case .table: print(OfficeTables.due(list, site: office, today: today, zone: definition.zone).text, terminator: "")
                case .csv: FileHandle.standardOutput.write(Data(OfficeTables.due(list, site: office, today: today, zone: definition.zone).csv.utf8))
                case .json:
                    FileHandle.standardOutput.write(
                        try OfficeTables.dueJSON(list, site: office, today: today, zone: definition.zone) + Data("\n".utf8))
                }
            }
        }
    }

    struct Recuse: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record (or withdraw) an inspector's conflict of interest with a unit (回避): never drawn for it, never handed it.")
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "The inspection office (default: the only one configured).")
        var site: String?
        @Option(help: "The inspector's login.")
        var inspector: String
        @Option(help: "The unit: its id or its credit code.")
        var unit: String
        @Option(help: "Why (a relative, a former employer, …).")
        var reason: String?
        @Flag(help: "Withdraw the declared conflict instead.")
        var withdraw = false

        func run() async throws {
            try await reportingErrors {
                let store = try await storeOptions.openStore()
                let office = try await UnitsCommand.office(site, store: store)
                let found = try await UnitsCommand.unit(unit, site: office, store: store)
                guard
                    let account = try await store.inspections.inspectors(site: office).first(where: {
                        $0.login.lowercased() == inspector.lowercased()
                    })
                else { throw QuhaoError(.inspectorUnknown, ["name": inspector]) }
                if withdraw {
                    try await store.inspections.withdrawRecusal(site: office, staff: account.id, unit: found.unit.id, by: .cli)
                    print("已撤销回避 withdrawn: \(account.name) · \(found.unit.name)")
                } else {
                    let recusal = try await store.inspections.declareRecusal(
                        site: office, staff: account.id, unit: found.unit.id, reason: reason ?? "", by: .cli)
                    print("已登记回避 recorded: \(recusal.staffName) · \(recusal.unitName) · \(recusal.reason)")
                }
            }
        }
    }

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write an inspection's record (检查记录表) as an A4 PDF: unit, inspectors, time and proof, every item, findings, photos, signature.",
            discussion: "Rendered by WeasyPrint (Debian's weasyprint package) from the same page the inspector prints.")
        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The inspection's number (as on its page, /inspect/i/ID).")
        var id: Int64
        @Option(help: "The PDF file to write (0640).")
        var out: String

        func run() async throws {
            try await reportingErrors {
                let store = try await storeOptions.openStore()
                let settings = try storeOptions.settings(file: try storeOptions.loadConfig().file)
                let evidence = EvidenceFiles(directory: URL(fileURLWithPath: settings.dataDirectory).appendingPathComponent("evidence"))
                let pdf = try await InspectionRecordPDF.render(id, store: store, evidence: evidence, now: Date())
                try PrivateFiles.write(pdf, to: out, mode: PrivateFiles.ownerAndGroup)
                print("已写入 written: \(out) (\(pdf.count) bytes)")
            }
        }
    }

    /// A comma-separated option read item by item; an unknown item is refused, naming it.
    static func list<T>(_ text: String?, _ name: String, _ read: (String) -> T?) throws -> [T] {
        guard let text else { return [] }
        return try text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map { item in
            guard let value = read(item) else {
                throw ExitFailure(message: "--\(name) 没有“\(item)”这一项 / --\(name): unknown value \"\(item)\"", code: 2)
            }
            return value
        }
    }
}

/// `quhao plan …`: random inspection plans (双随机).
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "Random inspection plans (双随机): create, draw, show, list.",
        discussion: """
            A plan draws units from its scope (types, risk levels, areas; empty: all active units) and, for each, a team \
            of inspectors free of a declared conflict with it. The draw is made once, with a seed (a public draw's \
            number, or a random one), and kept with what it was drawn from: `quhao plan publish ID` puts it on the \
            office's public page (/s/OFFICE/plans/ID, with its JSON) and anyone can replay it. Drawn visits wait in the \
            office's queue for their drawn inspectors from the first day of the plan's period.
            """,
        subcommands: [Create.self, Draw.self, Publish.self, Show.self, List.self])

    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish a drawn plan (双随机、一公开): its draw and results on the office's public page, for good.")
        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The plan's number.")
        var plan: Int64

        func run() async throws {
            try await reportingErrors {
                let store = try await storeOptions.openStore()
                let report = try await store.inspections.publishPlan(plan, by: .cli)
                print("已公开 published: #\(plan) \(report.plan.name) → /s/\(report.plan.siteID)/plans/\(plan)")
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a plan (drawn later with `quhao plan draw`).")
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "The inspection office (default: the only one configured).")
        var site: String?
        @Option(help: "The plan's name.")
        var name: String
        @Option(help: "First day of the period, YYYY-MM-DD.")
        var from: String
        @Option(help: "Last day of the period, YYYY-MM-DD.")
        var to: String
        @Option(help: "Unit types in scope, comma-separated (default: all).")
        var type: String?
        @Option(help: "Risk levels in scope, comma-separated (default: all).")
        var risk: String?
        @Option(help: "Areas in scope, comma-separated (default: all).")
        var area: String?
        @Option(help: "How many to draw at a level: A=2, B=30% (repeat for each level).")
        var quota: [String] = []
        @Option(help: "Inspectors per visit (default: the office's minimum on site).")
        var team: Int?

        func run() async throws {
            try await reportingErrors {
                guard let first = BusinessDay(iso: from), let last = BusinessDay(iso: to) else {
                    throw ExitFailure(message: "--from 和 --to 应为存在的日期，如 2026-12-01 / --from and --to must be days like 2026-12-01", code: 2)
                }
                var quotas: [RiskLevel: PlanQuota] = [:]
                for item in quota {
                    let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    guard parts.count == 2, let level = RiskLevel(text: parts[0]) else {
                        throw ExitFailure(message: "--quota \(item)：应写作 A=2 或 B=30% / write it as A=2 or B=30%", code: 2)
                    }
                    quotas[level] = try PlanQuota(text: parts[1])
                }
                let scope = PlanScope(
                    types: try InspectionsCommand.list(type, "type", UnitType.init(text:)),
                    risks: try InspectionsCommand.list(risk, "risk", RiskLevel.init(text:)),
                    areas: try InspectionsCommand.list(area, "area") { $0 })
                let store = try await storeOptions.openStore()
                let office = try await UnitsCommand.office(site, store: store)
                let plan = try await store.inspections.createPlan(
                    site: office, PlanDraft(name: name, firstDay: first, lastDay: last, scope: scope, quotas: quotas, team: team), by: .cli)
                print("计划已建立 plan created: #\(plan.id) \(plan.name) (draw it: quhao plan draw \(plan.id) --seed …)")
            }
        }
    }

    struct Draw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Draw a plan's units and inspectors, once.")
        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The plan's number.")
        var plan: Int64
        @Option(help: "The seed (a public draw's number); default: a random one, printed.")
        var seed: String?

        func run() async throws {
            try await reportingErrors {
                let store = try await storeOptions.openStore()
                let report = try await store.inspections.drawPlan(plan, seed: seed, by: .cli)
                let zone = try await store.site(report.plan.siteID).zone
                print(OfficeTables.plan(report, zone: zone).text, terminator: "")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A plan, its draw and its progress; --format json publishes it with what it was drawn from.")
        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The plan's number.")
        var plan: Int64
        @Option(help: "table, csv (UTF-8 with a byte-order mark, for Excel) or json.")
        var format: ReportCommand.Format = .table

        func run() async throws {
            try await reportingErrors {
                let store = try await storeOptions.openStore()
                let report = try await store.inspections.plan(plan)
                let zone = try await store.site(report.plan.siteID).zone
                switch format {
                case .table:
                    print(OfficeTables.plan(report, zone: zone).text, terminator: "")
                    if report.plan.draw != nil {
                        let same = try await store.inspections.replayDraw(plan)
                        print(same ? "复核 replayed: 重新抽取结果一致 the same draw" : "复核 replayed: 结果不一致 THE DRAW DIFFERS")
                    }
                case .csv: FileHandle.standardOutput.write(Data(OfficeTables.plan(report, zone: zone).csv.utf8))
                case .json: FileHandle.standardOutput.write(try OfficeTables.planJSON(report, zone: zone) + Data("\n".utf8))
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The office's plans, the newest first.")
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "The inspection office (default: the only one configured).")
        var site: String?

        func run() async throws {
            try await reportingErrors {
                let store = try await storeOptions.openStore()
                for report in try await store.inspections.plans(site: try await UnitsCommand.office(site, store: store)) {
                    let plan = report.plan
                    print(
                        "#\(plan.id)\t\(plan.name)\t\(plan.firstDay.iso) – \(plan.lastDay.iso)\t"
                            + (plan.draw.map { "种子 seed \($0.seed)\t完成 done \(report.done)/\(report.visits.count)" } ?? "未抽取 not drawn"))
                }
            }
        }
    }
}
