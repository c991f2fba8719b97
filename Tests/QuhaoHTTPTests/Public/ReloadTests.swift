import Foundation
import Hummingbird
import HummingbirdTesting
import QuhaoCore
import QuhaoHTTP
import QuhaoStore
import Testing

/// A site removed by a configuration reload leaves the live board: its polls (a waiting one
/// included) and pages answer 404 instead of the last board it had.
@Suite struct ReloadTests {
    @Test func aRemovedSiteAnswers404AndItsWaitingPollsAreReleased() async throws {
        let test = try await TestApp()
        try await test.run { client in
            let board = try await client.get("/api/v1/sites/hall/board")
            #expect(board.status == .ok)
            let etag = try #require(board.headers[.eTag])
            async let waiting = client.execute(
                uri: "/api/v1/sites/hall/board?wait=30", method: .get, headers: [.ifNoneMatch: etag], body: nil)
            let other = Site(
                id: "annex", name: LocalizedText(zh: "分厅"), services: [Service(id: "a", prefix: "A", name: LocalizedText(zh: "综合"))],
                counters: [])
            try await test.store.sync(sites: [other])
            #expect(try await waiting.status == .notFound, "the waiting poll is answered, and with 404")
            #expect(try await client.get("/api/v1/sites/hall/board").status == .notFound)
            #expect(try await client.get("/s/hall").status == .notFound)
            #expect(try await client.get("/api/v1/sites/annex/board").status == .ok)
        }
    }
}
