import ArgumentParser
import Foundation
import QuhaoCore
import QuhaoStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `quhao staff …`: accounts for admins, window staff and inspectors.
struct StaffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "staff",
        abstract: "Manage staff accounts (the first admin is created here; there is no default password).",
        subcommands: [Add.self, Passwd.self, Disable.self, Enable.self, List.self])

    struct PasswordOptions: ParsableArguments {
        @Flag(help: "Read the password from the first line of standard input (for scripts) instead of asking twice.")
        var passwordStdin = false

        /// The password: from stdin, or asked twice on the terminal without echo.
        func read() throws -> String {
            if passwordStdin {
                guard let line = Swift.readLine(strippingNewline: true), !line.isEmpty else {
                    throw ExitFailure(message: "No password on standard input.", code: 64)
                }
                return line
            }
            guard isatty(STDIN_FILENO) == 1 else {
                throw ExitFailure(message: "Not a terminal: pass --password-stdin and the password on standard input.", code: 64)
            }
            let first = String(cString: getpass("Password 密码: "))
            let second = String(cString: getpass("Again 再输一次: "))
            guard first == second else { throw ExitFailure(message: "The two passwords differ 两次输入的密码不一致.", code: 64) }
            return first
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account.")
        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "Login name (letters, digits, . _ -).")
        var login: String
        @Option(help: "Full name shown in the console and the audit log.")
        var name: String
        @OptionGroup var binding: BindingOptions
        @OptionGroup var password: PasswordOptions

        func run() async throws {
            try await reportingErrors {
                let store = try await storeOptions.openStore(creating: true)
                let account = try await store.accounts.addStaff(
                    NewStaff(
                        login: login, name: name, role: binding.role, siteID: binding.site, counters: try binding.windows(),
                        password: try password.read()))
                print("created \(account.login) (\(account.role.rawValue)\(account.siteID.map { " @ \($0)" } ?? ""))")
            }
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a new password.")
        @OptionGroup var storeOptions: StoreOptions
        @Argument var login: String
        @OptionGroup var password: PasswordOptions

        func run() async throws {
            try await reportingErrors {
                let store = try await storeOptions.openStore()
                try await store.accounts.setPassword(login: login, to: try password.read())
                print("password changed for \(login)")
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop an account from signing in.")
        @OptionGroup var storeOptions: StoreOptions
        @Argument var login: String

        func run() async throws {
            try await reportingErrors {
                try await storeOptions.openStore().accounts.setDisabled(login: login, true)
                print("\(login) disabled")
            }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let a disabled account sign in again.")
        @OptionGroup var storeOptions: StoreOptions
        @Argument var login: String

        func run() async throws {
            try await reportingErrors {
                try await storeOptions.openStore().accounts.setDisabled(login: login, false)
                print("\(login) enabled")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the accounts.")
        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            try await reportingErrors {
                for account in try await storeOptions.openStore().accounts.staffAccounts() {
                    let windows = account.counters.isEmpty ? "" : " windows \(account.counters.map(String.init).joined(separator: ","))"
                    let place = account.siteID.map { " @ \($0)" } ?? ""
                    print("\(account.login)\t\(account.name)\t\(account.role.rawValue)\(place)\(windows)\(account.disabled ? "\tdisabled" : "")")
                }
            }
        }
    }
}

extension StaffRole: ExpressibleByArgument {}

/// What an account or an API token is bound to: a role, a site, windows.
struct BindingOptions: ParsableArguments {
    @Option(help: "admin, staff or inspector.")
    var role: StaffRole
    @Option(help: "The site: staff and inspectors belong to one; an admin given one administers that site only (without: every site).")
    var site: String?
    @Option(help: "Windows a staff account or token may act at, e.g. 1,2,3.")
    var counters: String?

    /// `--counters 1,2,3` as window numbers.
    func windows() throws -> [Int] {
        try (counters ?? "").split(separator: ",").map { part -> Int in
            guard let number = Int(part.trimmingCharacters(in: .whitespaces)) else {
                throw ExitFailure(message: "--counters takes window numbers like 1,2,3", code: 64)
            }
            return number
        }
    }
}
