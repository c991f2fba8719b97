import Foundation
import QuhaoCore
import Testing

@testable import QuhaoStore

@Suite struct StaffTests {
    /// Low bcrypt cost: these tests check behaviour, not strength.
    static let cost: UInt8 = 4

    @Test func accountsAreCheckedAndPasswordsOnlyHashed() async throws {
        try await Fixture.withStoredStore { store, stored in
            let admin = try await store.accounts.addStaff(
                NewStaff(login: "admin", name: "管理员", role: .admin, siteID: "hall", password: "correct horse battery"), cost: Self.cost)
            #expect(admin.role == .admin)
            #expect(admin.siteID == "hall", "an admin given a site administers that site only")
            let everywhere = try await store.accounts.addStaff(
                NewStaff(login: "root", name: "总管理员", role: .admin, password: "correct horse battery"), cost: Self.cost)
            #expect(everywhere.siteID == nil, "an admin with no site administers every site")
            let clerk = try await store.accounts.addStaff(
                NewStaff(login: "wang", name: "王芳", role: .staff, siteID: "hall", counters: [1, 2], password: "window-one-two"), cost: Self.cost)
            #expect(clerk.counters == [1, 2])

            await #expect(throws: QuhaoError(.staffLoginTaken, ["login": "WANG"])) {
                try await store.accounts.addStaff(NewStaff(login: "WANG", name: "x", role: .admin, password: "another-password"), cost: Self.cost)
            }
            await #expect(throws: QuhaoError(.staffPasswordWeak)) {
                try await store.accounts.addStaff(NewStaff(login: "li", name: "李", role: .admin, password: "short"), cost: Self.cost)
            }
            await #expect(throws: QuhaoError(.staffPasswordWeak)) {
                try await store.accounts.addStaff(NewStaff(login: "zhao", name: "赵", role: .admin, password: "zhao-password"), cost: Self.cost)
            }
            await #expect(throws: QuhaoError(.staffLoginInvalid)) {
                try await store.accounts.addStaff(NewStaff(login: "a b", name: "x", role: .admin, password: "long-enough-password"), cost: Self.cost)
            }
            await #expect(throws: QuhaoError(.staffSiteRequired)) {
                try await store.accounts.addStaff(
                    NewStaff(login: "li", name: "李", role: .staff, siteID: "hall", password: "long-enough-password"), cost: Self.cost)
            }
            await #expect(throws: QuhaoError(.counterNotFound, ["counter": "9"])) {
                try await store.accounts.addStaff(
                    NewStaff(login: "li", name: "李", role: .staff, siteID: "hall", counters: [9], password: "long-enough-password"), cost: Self.cost)
            }

            #expect(try await store.accounts.verifyPassword(login: "wang", password: "window-one-two")?.id == clerk.id)
            #expect(try await store.accounts.verifyPassword(login: "wang", password: "window-one-three") == nil)
            #expect(try await store.accounts.verifyPassword(login: "nobody", password: "window-one-two") == nil)
            try await store.accounts.setPassword(login: "wang", to: "a-new-password", cost: Self.cost)
            #expect(try await store.accounts.verifyPassword(login: "wang", password: "window-one-two") == nil)
            #expect(try await store.accounts.verifyPassword(login: "wang", password: "a-new-password") != nil)
            try await store.accounts.setDisabled(login: "wang", true)
            #expect(try await store.accounts.verifyPassword(login: "wang", password: "a-new-password") == nil, "disabled accounts cannot sign in")
            #expect(try await store.accounts.staffAccounts().map(\.login) == ["admin", "root", "wang"])

            let bytes = try await stored()
            for password in ["correct horse battery", "window-one-two", "a-new-password"] {
                #expect(bytes.range(of: Data(password.utf8)) == nil, "no password in clear in the database")
            }
            let events = try await store.read { try $0.values(String.self, "SELECT action FROM staff_events ORDER BY id") }
            #expect(events == ["create", "create", "create", "password", "disable"])
        }
    }
}
