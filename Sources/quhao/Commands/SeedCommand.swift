import ArgumentParser
import CanteenDemo
import Foundation
import QuhaoConfig
import QuhaoCore
import QuhaoStore

/// `quhao seed canteen-demo`: the source scenario's canteen supervision, in a fresh database.
struct SeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed", abstract: "Load demo data.", subcommands: [CanteenDemoSeed.self])

    struct CanteenDemoSeed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "canteen-demo",
            abstract: "120 canteen units, 110 inspected over the last 40 days, 33 findings, 30 rectified (the source article's figures).",
            discussion: """
                Built through the same commands the pages use, on a clock that replays the weeks before now. \
                The office must hold no units yet (a fresh database, or one without canteen units).
                """)
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "The inspection office (default: the only one configured).")
        var site: String?
        @Flag(help: "Do nothing (and succeed) when the office already has units: for `make run`.")
        var ifEmpty = false

        func run() async throws {
            try await reportingErrors {
                let (file, _) = try storeOptions.loadConfig()
                let settings = try storeOptions.settings(file: file)
                let now = try SystemClock.fromEnvironment().now()
                let clock = ManualClock(now)
                let store = try await StoreOptions.open(settings, clock: clock)
                let synced = try await store.siteIDs()
                if storeOptions.configPath != nil || synced.isEmpty { try await store.sync(sites: file.domainSites) }
                let office = try await UnitsCommand.office(site, store: store)
                if !(try await store.inspections.units(site: office).isEmpty) {
                    guard ifEmpty else {
                        throw ExitFailure(
                            message: """
                                未载入 not loaded: \(settings.databasePath) 中的检查站点 \(office) 已有单位，演示数据只载入空的数据库
                                  the office \(office) in \(settings.databasePath) has units already: the demo goes into an empty database (another --database)
                                """, code: 1)
                    }
                    print("食堂检查演示数据已在 \(settings.databasePath) 中 / the canteen demo is already in \(settings.databasePath)")
                    return
                }
                let outcome = try await CanteenDemo.load(into: store, clock: clock, site: office, end: now)
                print(
                    "已载入 loaded into \(settings.databasePath): \(outcome.units) 家单位 units, \(outcome.inspected) 家已检查 inspected, "
                        + "\(outcome.findings) 个问题 findings, \(outcome.rectified) 个已整改 rectified")
                print("  quhao report inspections --database \(settings.databasePath)")
                print("  quhao units list --database \(settings.databasePath)")
            }
        }
    }
}
