import Foundation
import QuhaoCore
import Synchronization
import Testing

@testable import QuhaoStore

/// Every daemon on a city's database hears the others' commits at once (LISTEN/NOTIFY), and not its own.
@Suite(.enabled(if: TestEngine.isPostgres, "the PostgreSQL run"))
struct ChangeFeedTests {
    struct Told: Sendable, Equatable {
        let site: String?
        let tickets: Set<Ticket.ID>?
    }

    @Test func anotherDaemonsCommitsAreToldInOrderWithTheirTicketsAndOwnOnesAreNot() async throws {
        let base = Fixture.site
        let annex = Site(
            id: "annex", name: LocalizedText(zh: "分厅", en: "Annex"), services: base.services, counters: base.counters, rules: base.rules)
        try await TestEngine.withTwoStores(clock: ManualClock(Fixture.morning)) { first, second in
            try await first.sync(sites: [base, annex])
            #expect(try await first.sitesChangedElsewhere().isEmpty, "the poll's first look")
            let (heard, hearing) = AsyncStream.makeStream(of: Told.self)
            let follower = Task { await first.followChanges { hearing.yield(Told(site: $0, tickets: $1)) } }
            defer { follower.cancel() }
            var told = heard.makeAsyncIterator()
            // Connected: anything may have changed before, so everything is read again once.
            #expect(await told.next() == Told(site: nil, tickets: nil))
            // The first store's own commits at the hall, then the second store's at the annex:
            // notifications come in commit order, so an own one told would come first.
            for _ in 0..<3 { try await first.take("general") }
            let theirs = try await second.issue(IssueRequest(siteID: "annex", service: "general"))
            #expect(await told.next() == Told(site: "annex", tickets: [theirs.id]), "the other daemon's number, nothing of its own before it")
            // What the feed told (and the store's own commits) the poll does not read again whole.
            #expect(try await first.sitesChangedElsewhere().isEmpty)
            try await first.take("general")
            let again = try await second.issue(IssueRequest(siteID: "annex", service: "general"))
            #expect(await told.next() == Told(site: "annex", tickets: [again.id]))
            #expect(try await first.siteDay(site: "annex").tickets.count == 2)
        }
    }

    /// A daemon started (or reloaded) with changed rules: the other daemons' boards read the site
    /// again (its version moved; before, they kept the old rules on their boards until the next
    /// ticket changed).
    @Test func aSiteSyncedByOneDaemonIsReadAgainByTheOthers() async throws {
        try await TestEngine.withTwoStores(clock: ManualClock(Fixture.morning)) { first, second async throws in
            #expect(try await second.sitesChangedElsewhere().isEmpty, "the poll's first look")
            let base = Fixture.site
            let renamed = Site(
                id: base.id, name: LocalizedText(zh: "新大厅", en: "New hall"), services: base.services, counters: base.counters, rules: base.rules)
            #expect(try await first.sync(sites: [renamed]) == ["hall"], "the database's rules were other")
            #expect(try await first.sync(sites: [renamed]) == [], "the same again")
            // The other daemon's file still says the old rules: it can tell (check-config, its log).
            #expect(try await second.sitesDiffering(from: [base]) == ["hall"])
            #expect(try await second.sitesDiffering(from: [renamed]).isEmpty)
            #expect(try await second.sitesChangedElsewhere() == ["hall"])
            #expect(try await second.siteDay(site: "hall").site.name.zh == "新大厅")
            #expect(try await second.sitesChangedElsewhere().isEmpty)
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
        let follower = Task { await listening.followChanges { site, _ in hearing.yield(site) } }
        defer { follower.cancel() }
        var told = heard.makeAsyncIterator()
        #expect(await told.next() == .some(nil))

        #expect(try await first.sitesChangedElsewhere().isEmpty, "the first look")
        try await second.take("general")
        #expect(try await first.sitesChangedElsewhere() == ["hall"], "another daemon's commit")
        try await first.take("general")
        #expect(try await first.sitesChangedElsewhere().isEmpty, "its own is known")
        try await first.take("general")
        try await second.take("general")
        #expect(try await first.sitesChangedElsewhere() == ["hall"], "own and another's together")
        // The quiet stores' commits at the hall were not announced: the first thing heard is the annex.
        try await loud.issue(IssueRequest(siteID: "annex", service: "general"))
        #expect(await told.next() == "annex")
        await first.followChanges { _, _ in Issue.record("a store without notifications follows nothing") }
        for store in [listening, first, second, loud] { await store.close() }
    }
}
