import ArgumentParser
import Foundation
import QuhaoCore
import QuhaoStore

/// `quhao webhooks status`: how each endpoint's deliveries stand.
struct WebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks", abstract: "Outgoing webhooks: delivery state per endpoint.", subcommands: [Status.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per endpoint: deliveries pending (and the oldest), delivered, the last success, the last error since it, given up.")
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "table or json.")
        var format: ReportCommand.Format = .table

        func run() async throws {
            try await reportingErrors {
                let store = try await storeOptions.openStore()
                let status = try await store.outbox.status()
                switch format {
                case .json:
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                    encoder.dateEncodingStrategy = .iso8601
                    FileHandle.standardOutput.write(try encoder.encode(status) + Data("\n".utf8))
                case .table, .csv:
                    print(Self.table(status, now: try SystemClock.fromEnvironment().now()), terminator: "")
                }
            }
        }

        static func table(_ status: [WebhookEndpointStatus], now: Date) -> String {
            guard !status.isEmpty else { return "没有配置 webhook  No webhooks configured (sites[].webhooks in the configuration).\n" }
            func ago(_ date: Date?) -> String {
                guard let date else { return "-" }
                let seconds = Int(now.timeIntervalSince(date))
                return seconds < 120 ? "\(seconds) s ago" : seconds < 7200 ? "\(seconds / 60) min ago" : "\(seconds / 3600) h ago"
            }
            func cell(_ text: String, _ width: Int) -> String { text.fitted(to: max(width, text.columns)) }
            let header: [String] = [
                cell("站点/端点 site/endpoint", 26), cell("待发 pending", 13), cell("最早 oldest", 15), cell("已送达 delivered", 17),
                cell("上次成功 last success", 22), cell("放弃 given up", 14), "最近错误 last error",
            ]
            var lines = [header.joined(separator: " ")]
            for row in status {
                let error: String = row.lastError.map { "\($0) (\(ago(row.lastErrorAt)))" } ?? "-"
                let cells: [String] = [
                    cell("\(row.siteID)/\(row.endpoint)", 26), cell(String(row.pending), 13), cell(ago(row.oldestPending), 15),
                    cell(String(row.delivered), 17), cell(ago(row.lastSuccess), 22), cell(String(row.givenUp), 14), error,
                ]
                lines.append(cells.joined(separator: " "))
            }
            return lines.joined(separator: "\n") + "\n"
        }
    }
}
