import ArgumentParser
import Foundation
import QuhaoCore
import QuhaoStore

/// `quhao report …`: figures for managers and supervision offices.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Figures: canteen inspections.", subcommands: [Inspections.self])

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, csv, json
    }

    struct Inspections: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Units inspected, findings, rectified, rectification rate, overdue; by result, unit type and risk level.",
            discussion: "No --from/--to: all time. Days are business days in the office's time zone, both included.")
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "The inspection office (default: the only one configured).")
        var site: String?
        @Option(help: "First day, YYYY-MM-DD.")
        var from: String?
        @Option(help: "Last day, YYYY-MM-DD.")
        var to: String?
        @Option(help: "table, csv (UTF-8 with a byte-order mark, for Excel) or json.")
        var format: Format = .table

        func run() async throws {
            try await reportingErrors {
                func day(_ text: String?, _ name: String) throws -> BusinessDay? {
                    guard let text else { return nil }
                    guard let day = BusinessDay(iso: text) else { throw ExitFailure(message: "--\(name) must be a day like 2026-11-30", code: 2) }
                    return day
                }
                let (first, last) = (try day(from, "from"), try day(to, "to"))
                if let first, let last, last < first { throw ExitFailure(message: "--to is before --from", code: 2) }
                let store = try await storeOptions.openStore()
                let summary = try await store.inspections.summary(
                    site: try await UnitsCommand.office(site, store: store), from: first, to: last)
                switch format {
                case .table: print(summary.table, terminator: "")
                case .csv: FileHandle.standardOutput.write(Data(summary.csv.utf8))
                case .json:
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                    FileHandle.standardOutput.write(try encoder.encode(summary) + Data("\n".utf8))
                }
            }
        }
    }
}
