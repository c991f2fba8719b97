import ArgumentParser
import Foundation
import QuhaoCore
import QuhaoFormats
import QuhaoStore

/// `quhao report …`: figures for managers and supervision offices.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Figures: tickets and waits, windows, staff, satisfaction; canteen inspections.",
        subcommands: [Tickets.self, Windows.self, Staff.self, Ratings.self, Inspections.self])

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, csv, json
    }

    struct Inspections: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Units inspected, findings, rectified, rectification rate, overdue; by result, unit type and risk level.",
            discussion: "No --from/--to: all time. Days are business days in the office's time zone, both included.")
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "The inspection office, or all (every office; default: the only one configured).")
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
                var offices: [String] = []
                if site == "all" {
                    for id in try await store.siteIDs() where try await store.site(id).kind == .inspection { offices.append(id) }
                    guard !offices.isEmpty else { throw ExitFailure(message: "--site all: no inspection office configured", code: 2) }
                } else {
                    offices = [try await UnitsCommand.office(site, store: store)]
                }
                var summaries: [InspectionSummary] = []
                for office in offices { summaries.append(try await store.inspections.summary(site: office, from: first, to: last)) }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                switch (format, site == "all") {
                case (.table, _): print(summaries.map(\.table).joined(separator: "\n"), terminator: "")
                case (.csv, false): FileHandle.standardOutput.write(Data(summaries[0].csv.utf8))
                case (.csv, true): FileHandle.standardOutput.write(Data(InspectionSummary.csv(summaries).utf8))
                case (.json, false): FileHandle.standardOutput.write(try encoder.encode(summaries[0]) + Data("\n".utf8))
                case (.json, true): FileHandle.standardOutput.write(try encoder.encode(summaries) + Data("\n".utf8))
                }
            }
        }
    }

    /// What every hall report takes: the site, the days, the format.
    struct HallOptions: ParsableArguments {
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "The site, or all (every tax hall, one table with a site column; default: the first tax hall configured).")
        var site: String?
        @Option(help: "First day, YYYY-MM-DD (default: today, or --to).")
        var from: String?
        @Option(help: "Last day, YYYY-MM-DD (default: today).")
        var to: String?
        @Option(help: "table, csv (UTF-8 with a byte-order mark, for Excel) or json.")
        var format: Format = .table

        func run(_ kind: ReportKind, group: ReportGroup = .day) async throws {
            try await reportingErrors {
                let store = try await storeOptions.openStore()
                let now = try SystemClock.fromEnvironment().now()
                if site == "all" {
                    // Each hall's days in its own zone; one table, a JSON array of each hall's report.
                    var parts: [(site: String, table: ReportTable, json: Data)] = []
                    for id in try await store.siteIDs() where try await store.site(id).kind == .taxHall {
                        let output = try await store.reports.output(
                            kind, try await Self.range(site: id, from: from, to: to, store: store, now: now), group: group)
                        parts.append((id, output.table, output.json))
                    }
                    guard let table = ReportTable.combined(parts.map { ($0.site, $0.table) }) else {
                        throw ExitFailure(message: "--site all: no tax hall configured", code: 2)
                    }
                    switch format {
                    case .table: print(table.text, terminator: "")
                    case .csv: FileHandle.standardOutput.write(Data(table.csv.utf8))
                    case .json:
                        let items = parts.map { "{\"site\":\"\($0.site)\",\"report\":\(String(decoding: $0.json, as: UTF8.self))}" }
                        FileHandle.standardOutput.write(Data(("[" + items.joined(separator: ",") + "]\n").utf8))
                    }
                    return
                }
                let range = try await Self.range(site: site, from: from, to: to, store: store, now: now)
                let output = try await store.reports.output(kind, range, group: group)
                switch format {
                case .table: print(output.table.text, terminator: "")
                case .csv: FileHandle.standardOutput.write(Data(output.table.csv.utf8))
                case .json: FileHandle.standardOutput.write(output.json + Data("\n".utf8))
                }
            }
        }

        /// The site and days asked for: today at the site when no day is given.
        static func range(site: String?, from: String?, to: String?, store: TicketStore, now: Date) async throws -> ReportRange {
            var sites: [Site] = []
            for id in try await store.siteIDs() { sites.append(try await store.site(id)) }
            let chosen: Site
            if let site {
                guard let found = sites.first(where: { $0.id == site }) else {
                    throw ExitFailure(message: "--site \(site): no such site (configured: \(sites.map(\.id).joined(separator: ", ")))", code: 2)
                }
                chosen = found
            } else {
                guard let hall = sites.first(where: { $0.kind == .taxHall }) ?? sites.first else {
                    throw ExitFailure(message: "no site configured", code: 2)
                }
                chosen = hall
            }
            func day(_ text: String?, _ name: String) throws -> BusinessDay? {
                guard let text else { return nil }
                guard let day = BusinessDay(iso: text) else { throw ExitFailure(message: "--\(name) must be a day like 2026-11-30", code: 2) }
                return day
            }
            let today = chosen.businessDay(at: now)
            let first = try day(from, "from") ?? day(to, "to") ?? today
            let last = try day(to, "to") ?? today
            guard first <= last else { throw ExitFailure(message: "--to is before --from", code: 2) }
            return ReportRange(site: chosen.id, from: first, to: last)
        }
    }

    struct Tickets: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Numbers issued (in the hall, remote, by staff), called, served, no-shows, cancelled, expired; waits (average, p50, p90), walk and service times.",
            discussion:
                "Rows by --group: day (default), hour (the hour tickets were taken), service, origin. Days are business days in the site's time zone."
        )
        @OptionGroup var options: HallOptions
        @Option(help: "day, hour, service or origin.")
        var group: ReportGroup = .day

        func run() async throws { try await options.run(.tickets, group: group) }
    }

    struct Windows: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per window: called, served, no-shows, service and walk times, time open, busy, paused and idle.")
        @OptionGroup var options: HallOptions

        func run() async throws { try await options.run(.windows) }
    }

    struct Staff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Per staff member: called, served, no-shows, service time, ratings.")
        @OptionGroup var options: HallOptions

        func run() async throws { try await options.run(.staff) }
    }

    struct Ratings: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Satisfaction: ratings per level, their average, and each bad rating (1–2) with its ticket, window and staff member.")
        @OptionGroup var options: HallOptions

        func run() async throws { try await options.run(.ratings) }
    }
}

extension ReportGroup: ExpressibleByArgument {}
