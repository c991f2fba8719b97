import Foundation
import QuhaoCore

/// What a staff account may do.
public enum StaffRole: String, Sendable, CaseIterable, Codable {
    /// Everything, at every site; or, bound to a site, everything at that site only (an office's own admin).
    case admin
    /// Calls tickets at the windows of one site it is bound to.
    case staff
    /// Runs inspections for one inspection office.
    case inspector
}

/// A staff account. The password exists only as a bcrypt hash and never leaves the store.
public struct StaffAccount: Sendable, Hashable {
    public let id: Int64
    public let login: String
    public let name: String
    public let role: StaffRole
    public let siteID: String?
    /// Windows a `staff` account may sit at.
    public let counters: [Int]
    public let disabled: Bool
}

/// A new account's details.
public struct NewStaff: Sendable {
    public var login: String
    public var name: String
    public var role: StaffRole
    public var siteID: String?
    public var counters: [Int]
    public var password: String

    public init(login: String, name: String, role: StaffRole, siteID: String? = nil, counters: [Int] = [], password: String) {
        self.login = login
        self.name = name
        self.role = role
        self.siteID = siteID
        self.counters = counters
        self.password = password
    }
}

extension AccountStore {
    // MARK: - Writes: staff accounts

    /// bcrypt cost (``PasswordHashing/cost``).
    public static let bcryptCost = PasswordHashing.cost

    /// Creates an account; the first admin is made this way, from the command line, never with a default password.
    /// - Throws: `staff.login_invalid`, `staff.login_taken`, `staff.password_weak`, `staff.site_required`,
    ///   `site.not_found`, `counter.not_found`.
    public func addStaff(_ new: NewStaff, by initiator: Initiator = .cli, cost: UInt8 = bcryptCost) async throws -> StaffAccount {
        let login = new.login.trimmingCharacters(in: .whitespaces)
        try Self.checkLogin(login)
        try Self.checkPassword(new.password, login: login)
        try Self.checkBinding(role: new.role, siteID: new.siteID, counters: new.counters)
        let hash = try await PasswordHashing.hash(new.password, cost: cost)
        let now = clock.now()
        return try await guarded {
            try await writer.write { db in
                try checkBinding(db, siteID: new.siteID, counters: new.counters)
                if try db.value(Bool.self, "SELECT EXISTS (SELECT 1 FROM staff WHERE lower(login) = lower(?))", [login]) == true {
                    throw QuhaoError(.staffLoginTaken, ["login": login])
                }
                let id = try db.insert(
                    """
                    INSERT INTO staff (login, name, role, site_id, counters, password_hash, created_at, password_changed_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        login, new.name, new.role.rawValue, new.siteID,
                        Self.counterText(new.counters), hash, now, now,
                    ])
                try Self.logStaff(db, id: id, action: "create", at: now, by: initiator)
                return try Self.account(db, id: id)!
            }
        }
    }

    /// Sets a new password.
    public func setPassword(login: String, to password: String, by initiator: Initiator = .cli, cost: UInt8 = bcryptCost) async throws {
        try Self.checkPassword(password, login: login)
        let hash = try await PasswordHashing.hash(password, cost: cost)
        let now = clock.now()
        try await guarded {
            try await writer.write { db in
                let id = try Self.staffID(db, login: login)
                try db.execute("UPDATE staff SET password_hash = ?, password_changed_at = ? WHERE id = ?", [hash, now, id])
                try Self.logStaff(db, id: id, action: "password", at: now, by: initiator)
            }
        }
    }

    /// Disables (or re-enables) an account; a disabled account cannot sign in.
    public func setDisabled(login: String, _ disabled: Bool, by initiator: Initiator = .cli) async throws {
        let now = clock.now()
        try await guarded {
            try await writer.write { db in
                let id = try Self.staffID(db, login: login)
                try db.execute("UPDATE staff SET disabled = ? WHERE id = ?", [disabled, id])
                try Self.logStaff(db, id: id, action: disabled ? "disable" : "enable", at: now, by: initiator)
            }
        }
    }

    // MARK: - Reads

    /// Every account, by login.
    public func staffAccounts() async throws -> [StaffAccount] {
        try await read { db in
            try db.values(Int64.self, "SELECT id FROM staff ORDER BY login").compactMap { try Self.account(db, id: $0) }
        }
    }

    /// The account whose password matches, or `nil` (unknown login, wrong password or disabled:
    /// callers must not tell which). Takes as long for an unknown login as for a known one.
    public func verifyPassword(login: String, password: String) async throws -> StaffAccount? {
        let found = try await read { db -> (Int64, String, Bool)? in
            try db.row("SELECT id, password_hash, disabled FROM staff WHERE lower(login) = lower(?)", [login]).map {
                (try $0["id"], try $0["password_hash"], try $0["disabled"])
            }
        }
        // An unknown login still pays for one bcrypt check, so timing does not reveal which logins exist.
        guard try await PasswordHashing.verify(password, hash: found?.1), let (id, _, disabled) = found, !disabled else { return nil }
        return try await read { db in try Self.account(db, id: id) }
    }

    // MARK: - Helpers

    static func checkLogin(_ login: String) throws {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard (2...32).contains(login.count), login.unicodeScalars.allSatisfy(allowed.contains) else {
            throw QuhaoError(.staffLoginInvalid)
        }
    }

    static func checkPassword(_ password: String, login: String) throws {
        guard password.count >= 10, !password.lowercased().contains(login.lowercased()) else { throw QuhaoError(.staffPasswordWeak) }
    }

    /// Non-admins belong to a site; window staff to at least one window.
    static func checkBinding(role: StaffRole, siteID: String?, counters: [Int]) throws {
        if role != .admin {
            guard siteID != nil, role != .staff || !counters.isEmpty else { throw QuhaoError(.staffSiteRequired) }
        }
    }

    /// The site and windows a role is bound to exist.
    func checkBinding(_ db: any SQLDatabase, siteID: String?, counters: [Int]) throws {
        guard let siteID else { return }
        let site = try sites.load(db, siteID)
        for counter in counters where site.counter(counter) == nil {
            throw QuhaoError(.counterNotFound, ["counter": String(counter)])
        }
    }

    static func staffID(_ db: any SQLDatabase, login: String) throws -> Int64 {
        guard let id = try db.value(Int64.self, "SELECT id FROM staff WHERE lower(login) = lower(?)", [login]) else {
            throw QuhaoError(.staffNotFound, ["login": login])
        }
        return id
    }

    static func account(_ db: any SQLDatabase, id: Int64) throws -> StaffAccount? {
        try db.row("SELECT * FROM staff WHERE id = ?", [id]).map { row in
            return StaffAccount(
                id: try row["id"], login: try row["login"], name: try row["name"], role: StaffRole(rawValue: try row["role"]) ?? .staff,
                siteID: try row["site_id"], counters: Self.counterList(try row["counters"]), disabled: try row["disabled"])
        }
    }

    /// Windows as stored: `1,2,3`.
    static func counterText(_ counters: [Int]) -> String { counters.map(String.init).joined(separator: ",") }

    static func counterList(_ text: String) -> [Int] { text.split(separator: ",").compactMap { Int($0) } }

    static func logStaff(_ db: any SQLDatabase, id: Int64, action: String, at: Date, by initiator: Initiator) throws {
        try db.execute("INSERT INTO staff_events (staff_id, at, action, initiator) VALUES (?, ?, ?, ?)", [id, at, action, initiator.description])
    }
}
