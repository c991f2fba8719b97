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
