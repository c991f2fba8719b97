import ArgumentParser
import Foundation
import QuhaoCore
import QuhaoStore

/// `quhao token …`: bearer tokens for integrations (ticket printers, hall systems, reports).
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage API tokens (shown once at creation, stored only hashed).",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token and print it once.",
            discussion: "Send it as `Authorization: Bearer <token>`. It acts like an account of the role: staff only at --counters of --site.")
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "What the token is for, shown in the audit log (e.g. \"window 3 printer\").")
        var name: String
        @OptionGroup var binding: BindingOptions
        @Option(help: "Days until it stops working (default: until revoked).")
        var days: Int?

        func run() async throws {
            try await reportingErrors {
                if let days, days <= 0 { throw ExitFailure(message: "--days must be at least 1", code: 64) }
                let (token, record) = try await storeOptions.openStore(creating: true).accounts.createToken(
                    name: name, role: binding.role, siteID: binding.site, counters: try binding.windows(),
                    validFor: days.map { TimeInterval($0) * 86400 })
                print(token)
                let until = record.expiresAt.map { " until \($0.formatted(.iso8601))" } ?? ""
                FileHandle.standardError.write(
                    Data(
                        "token \(record.id) “\(record.name)” (\(record.role.rawValue)\(record.siteID.map { " @ \($0)" } ?? ""))\(until): shown only now, keep it safe 此令牌只显示这一次\n"
                            .utf8))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never the tokens themselves).")
        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            try await reportingErrors {
                for token in try await storeOptions.openStore().accounts.apiTokens() {
                    let place = token.siteID.map { " @ \($0)" } ?? ""
                    let windows = token.counters.isEmpty ? "" : " windows \(token.counters.map(String.init).joined(separator: ","))"
                    let status =
                        token.revokedAt != nil ? "revoked" : token.expiresAt.map { "until \($0.formatted(.iso8601))" } ?? "active"
                    let used = token.lastUsedAt.map { "last used \($0.formatted(.iso8601))" } ?? "never used"
                    print("\(token.id)\t\(token.name)\t\(token.role.rawValue)\(place)\(windows)\t\(status)\t\(used)")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a token from working, at once.")
        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The token's number from `quhao token list`.")
        var id: Int64

        func run() async throws {
            try await reportingErrors {
                try await storeOptions.openStore().accounts.revokeToken(id: id)
                print("token \(id) revoked")
            }
        }
    }
}
