import Foundation
import QuhaoCore
import QuhaoStore
import Testing

@Suite struct VisitorTests {
    @Test func onePhoneHoldsOneActiveTicketPerSite() async throws {
        let (store, _) = try await Fixture.store()
        let first = try await store.issue(IssueRequest(siteID: "hall", service: "general", device: "phone-1"))
        await #expect(throws: QuhaoError(.ticketDeviceActive, ["number": "A001"])) {
            try await store.issue(IssueRequest(siteID: "hall", service: "capped", device: "phone-1"))
        }
        _ = try await store.issue(IssueRequest(siteID: "hall", service: "general", device: "phone-2"))
        _ = try await store.cancel(.token(first.token))
        #expect(try await store.issue(IssueRequest(siteID: "hall", service: "general", device: "phone-1")).number.description == "A003")
    }

    /// The same phone asking again for the same business type and person (its first answer was
    /// lost on the way) gets the number it has: not a refusal, not a second number, not "sold out".
    @Test func theSameTakeAgainGetsTheNumberItHas() async throws {
        let (store, _) = try await Fixture.store()
        let take = IssueRequest(siteID: "hall", service: "invoice", identity: "91350100M000100Y43", device: "phone-1")
        let first = try await store.issue(take)
        let again = try await store.issue(take)
        #expect(again.token == first.token && again.number.description == "B001")
        // Another company from the same phone is a second number: refused as before.
        await #expect(throws: QuhaoError(.ticketDeviceActive, ["number": "B001"])) {
            try await store.issue(IssueRequest(siteID: "hall", service: "invoice", identity: "91110000600037341L", device: "phone-1"))
        }
        // The last number of a capped type, asked for again: that number, not "sold out".
        for phone in ["phone-2", "phone-3"] { _ = try await store.issue(IssueRequest(siteID: "hall", service: "capped", device: phone)) }
        let last = try await store.issue(IssueRequest(siteID: "hall", service: "capped", device: "phone-4"))
        #expect(try await store.issue(IssueRequest(siteID: "hall", service: "capped", device: "phone-4")).token == last.token)
        #expect(try await store.siteDay(site: "hall").tickets.count == 4)
    }

    @Test func aDoneTicketIsRatedOnceAgainstWindowAndStaff() async throws {
        let (store, _) = try await Fixture.store()
        let ticket = try await store.take("general")
        await #expect(throws: QuhaoError(.ratingNotAllowed, ["number": "A001", "state": "waiting"])) {
            try await store.rate(.token(ticket.token), score: 5)
        }
        _ = try await store.call(2)
        _ = try await store.start(site: "hall", counter: 2, by: .staff("7"))
        _ = try await store.complete(site: "hall", counter: 2, by: .staff("7"))
        await #expect(throws: QuhaoError(.ratingScoreInvalid)) { try await store.rate(.token(ticket.token), score: 6) }
        let rating = try await store.rate(.token(ticket.token), score: 2)
        #expect(rating.counterID == 2)
        #expect(rating.staff == "staff:7")
        await #expect(throws: QuhaoError(.ratingDuplicate, ["number": "A001"])) { try await store.rate(.token(ticket.token), score: 5) }
        #expect(try await store.rating(of: .token(ticket.token))?.score == 2)
        #expect(try await store.siteDay(site: "hall").ratings[ticket.id] == 2)
    }
}
