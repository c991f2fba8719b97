import Foundation
import QuhaoCore
import Testing

@testable import QuhaoStore

@Suite struct SyncTests {
    /// Presence secrets are made when sites are synced (at start), so no request ever writes one,
    /// and a second sync keeps them (printed hall QR codes and display links stay valid).
    @Test func syncingASiteMakesItsPresenceSecretOnceAndForAll() async throws {
        let store = try await TestEngine.store(clock: ManualClock(Fixture.morning))
        #expect(store.presenceSecret(site: "hall") == nil)
        try await store.sync(sites: [Fixture.site])
        let secret = try #require(store.presenceSecret(site: "hall"))
        #expect(secret.count >= 40, "a 32-byte random token")
        try await store.sync(sites: [Fixture.site])
        #expect(store.presenceSecret(site: "hall") == secret)
        #expect(store.presenceSecret(site: "elsewhere") == nil)
    }
}
