import Foundation
import QuhaoCore
import Synchronization
import Testing

@testable import QuhaoStore

/// Every daemon on a city's database hears the others' commits at once (LISTEN/NOTIFY), and not its own.
@Suite(.enabled(if: TestEngine.isPostgres, "the PostgreSQL run"))
struct ChangeFeedTests {
    @Test func anotherDaemonsCommitsAreToldInOrderAndOwnOnesAreNot() async throws {
        let base = Fixture.site
        let annex = Site(
            id: "annex", name: LocalizedText(zh: "分厅", en: "Annex"), services: base.services, counters: base.counters, rules: base.rules)
        try await TestEngine.withTwoStores(clock: ManualClock(Fixture.morning)) { first, second in
            try await first.sync(sites: [base, annex])
            let (heard, hearing) = AsyncStream.makeStream(of: String?.self)
            let follower = Task { await first.followChanges { hearing.yield($0) } }
            defer { follower.cancel() }
            var told = heard.makeAsyncIterator()
            // Connected: anything may have changed before, so everything is read again once.
            #expect(await told.next() == .some(nil))
            // The first store's own commits at the hall, then the second store's at the annex:
            // notifications come in commit order, so an own one told would come first.
            for _ in 0..<3 { try await first.take("general") }
            try await second.issue(IssueRequest(siteID: "annex", service: "general"))
            #expect(await told.next() == "annex", "the other daemon's number, and nothing of its own before it")
            try await first.take("general")
            try await second.issue(IssueRequest(siteID: "annex", service: "general"))
            #expect(await told.next() == "annex")
            #expect(try await first.siteDay(site: "annex").tickets.count == 2)
        }
    }
}
