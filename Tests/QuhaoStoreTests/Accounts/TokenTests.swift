import Foundation
import QuhaoCore
import QuhaoStore
import Testing

@Suite struct TokenTests {
    @Test func tokensAreShownOnceStoredHashedAndRevocable() async throws {
        try await Fixture.withStoredStore { store, stored in
            let (token, record) = try await store.accounts.createToken(name: "叫号器 printer", role: .staff, siteID: "hall", counters: [3])
            #expect(token.hasPrefix("qh_"))
            #expect(token.count > 40)
            let principal = try #require(try await store.accounts.principal(bearer: token))
            #expect(principal.initiator.description == "token:\(record.id)")
            #expect(principal.mayAct(site: "hall", counter: 3))
            #expect(!principal.mayAct(site: "hall", counter: 2))
            #expect(try await store.accounts.principal(bearer: token + "x") == nil)
            #expect(try await store.accounts.principal(bearer: "not-a-token") == nil)

            // Nothing in the file holds the token in clear.
            #expect(try await stored().range(of: Data(token.utf8)) == nil)

            try await store.accounts.revokeToken(id: record.id)
            #expect(try await store.accounts.principal(bearer: token) == nil)
            #expect(try await store.accounts.apiTokens().first?.revokedAt != nil)
            await #expect(throws: QuhaoError(.tokenNotFound, ["token": "99"])) { try await store.accounts.revokeToken(id: 99) }
        }
    }

    @Test func tokensAreBoundLikeAccountsAndExpire() async throws {
        let (store, clock) = try await Fixture.store()
        await #expect(throws: QuhaoError(.staffSiteRequired)) { try await store.accounts.createToken(name: "x", role: .staff, siteID: "hall") }
        await #expect(throws: QuhaoError(.counterNotFound, ["counter": "9"])) {
            try await store.accounts.createToken(name: "x", role: .staff, siteID: "hall", counters: [9])
        }
        await #expect(throws: QuhaoError(.siteNotFound, ["site": "elsewhere"])) {
            try await store.accounts.createToken(name: "x", role: .inspector, siteID: "elsewhere")
        }
        let (token, _) = try await store.accounts.createToken(name: "report", role: .admin, validFor: 3600)
        #expect(try await store.accounts.principal(bearer: token)?.role == .admin)
        clock.advance(by: 3601)
        #expect(try await store.accounts.principal(bearer: token) == nil)
    }
}
