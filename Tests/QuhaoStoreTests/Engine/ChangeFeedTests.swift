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

    /// For a database without LISTEN/NOTIFY (`notify=off`): nothing is announced, and the change
    /// counter every daemon polls still moves for the others' commits and not for its own.
    @Test func withoutNotificationsTheChangeCounterCarriesTheBoards() async throws {
        let location = try await TestDatabases.shared.fresh(from: PostgresLocation(url: try #require(testPostgresURL)))
        let quiet = try PostgresLocation(url: location.description + "&notify=off")
        #expect(!quiet.notify && location.notify)
        let clock = ManualClock(Fixture.morning)
        let base = Fixture.site
        let annex = Site(
            id: "annex", name: LocalizedText(zh: "分厅", en: "Annex"), services: base.services, counters: base.counters, rules: base.rules)
        let listening = try await TicketStore.open(postgres: location, password: nil, clock: clock)
        try await listening.sync(sites: [base, annex])
        let first = try await TicketStore.open(postgres: quiet, password: nil, clock: clock)
        let second = try await TicketStore.open(postgres: quiet, password: nil, clock: clock)
        let loud = try await TicketStore.open(postgres: location, password: nil, clock: clock)
        let (heard, hearing) = AsyncStream.makeStream(of: String?.self)
        let follower = Task { await listening.followChanges { hearing.yield($0) } }
        defer { follower.cancel() }
        var told = heard.makeAsyncIterator()
        #expect(await told.next() == .some(nil))

        let before = try await first.externalDataVersion()
        try await second.take("general")
        let after = try await first.externalDataVersion()
        #expect(after != before, "another daemon's commit moves the counter")
        try await first.take("general")
        #expect(try await first.externalDataVersion() == after, "its own does not")
        // The quiet stores' commits at the hall were not announced: the first thing heard is the annex.
        try await loud.issue(IssueRequest(siteID: "annex", service: "general"))
        #expect(await told.next() == "annex")
        await first.followChanges { _ in Issue.record("a store without notifications follows nothing") }
        for store in [listening, first, second, loud] { await store.close() }
    }
}
