import ArgumentParser
import Foundation
import LiveBoard
import QuhaoCore
import QuhaoStore

/// `quhao audit`: who did what, at which window, to which ticket, and when.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Print the audit log, newest first: ticket steps, window pauses, account events; canteen units' and findings' events.")
    @OptionGroup var storeOptions: StoreOptions
    @Option(help: "Only this site.")
    var site: String?
    @Option(help: "Only this business day (YYYY-MM-DD, needs --site; \"today\" for the site's today).")
    var day: String?
    @Option(help: "Only this staff member's actions (login).")
    var staff: String?
    @Option(help: "Only this window.")
    var counter: Int?
    @Option(help: "Only this ticket number.")
    var number: String?
    @Option(help: "Only this action (issue, call, recall, start, complete, no_show, transfer, pause, login …).")
    var action: String?
    @Option(help: "Only this canteen unit's events and its findings' (its id).")
    var unit: Int64?
    @Option(help: "At most this many lines.")
    var limit = 500
    @Flag(help: "One JSON object per line.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let store = try await storeOptions.openStore()
            // A unit that does not exist is said so, not answered with an empty trail.
            if let unit { _ = try await store.inspections.unit(unit) }
            var query = AuditQuery(
                siteID: site, staffLogin: staff, counterID: counter, number: number, action: action, unitID: unit, limit: limit)
            if let day { query.day = try await store.auditDay(day, site: site) }
            let encoder = JSONEncoder.quhao
            for entry in try await store.audit(query) {
                if json {
                    print(String(decoding: try encoder.encode(entry), as: UTF8.self))
                } else {
                    print(Self.text(entry))
                }
            }
        }
    }

    /// `2026-11-25T02:03:04Z  call  A001  waiting→called  window 3  wang (staff:2)`
    static func text(_ entry: AuditEntry) -> String {
        var parts = [entry.at.formatted(.iso8601), entry.action]
        if let number = entry.number { parts.append(number) }
        if let subject = entry.subject { parts.append(subject) }
        if let from = entry.fromState { parts.append("\(from)→\(entry.toState ?? "")") } else if let to = entry.toState { parts.append("→\(to)") }
        if let counter = entry.counterID { parts.append("window \(counter)") }
        parts.append(entry.initiatorName.map { "\($0) (\(entry.initiator))" } ?? entry.initiator)
        if let detail = entry.detail {
            switch entry.kind {
            case .account: parts.append("account \(detail)")
            case .unit where entry.action == "grade": parts.append("量化分级 " + UnitGrade.changeText(detail, in: .zhCN))
            default: parts.append(detail)
            }
        }
        return parts.joined(separator: "  ")
    }
}
