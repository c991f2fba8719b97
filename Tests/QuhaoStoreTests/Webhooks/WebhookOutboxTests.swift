import Foundation
import QuhaoCore
import Testing

@testable import QuhaoStore

/// Deliveries are queued in the transaction of the change they report, in order per ticket, and
/// retried on a schedule until given up.
@Suite struct WebhookOutboxTests {
    static let gateway = WebhookEndpoint(id: "sms", url: "http://127.0.0.1:9/hook", secret: "0123456789abcdef0123", events: [.called, .noShow])
    static let hallSystem = WebhookEndpoint(id: "hall-system", url: "http://127.0.0.1:9/all", secret: "0123456789abcdef0123")

    static var site: Site {
        let base = Fixture.site
        return Site(
            id: base.id, name: base.name, services: base.services, counters: base.counters, rules: base.rules, webhooks: [gateway, hallSystem])
    }

    static func store() async throws -> (TicketStore, ManualClock) {
        let clock = ManualClock(Fixture.morning)
        let store = try await TestEngine.store(clock: clock, random: .seeded(3))
        try await store.sync(sites: [site])
        return (store, clock)
    }

    static func rows(_ store: TicketStore) async throws -> [(endpoint: String, type: String, body: String)] {
        try await store.read { db in
            try db.rows("SELECT endpoint, type, body FROM webhook_outbox ORDER BY id").map { (try $0["endpoint"], try $0["type"], try $0["body"]) }
        }
    }

    @Test func eachChangeQueuesItsEventForTheEndpointsThatWantIt() async throws {
        let (store, _) = try await Self.store()
        let ticket = try await store.take("general")
        #expect(try await store.call(1) == "A001")
        _ = try await store.start(site: "hall", counter: 1)
        _ = try await store.complete(site: "hall", counter: 1)
        _ = try await store.rate(.token(ticket.token), score: 2)
        let rows = try await Self.rows(store)
        #expect(
            rows.filter { $0.endpoint == "hall-system" }.map(\.type) == [
                "ticket.issued", "ticket.called", "ticket.started", "ticket.completed", "ticket.rated",
            ])
        #expect(rows.filter { $0.endpoint == "sms" }.map(\.type) == ["ticket.called"])
        // One event, one id, whichever endpoint it goes to; the body says what happened, and nothing personal.
        let called = rows.filter { $0.type == "ticket.called" }
        #expect(called.count == 2 && called[0].body == called[1].body)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(called[0].body.utf8)) as? [String: Any])
        let ticketPart = try #require(json["ticket"] as? [String: Any])
        #expect(json["type"] as? String == "ticket.called")
        #expect((json["id"] as? String)?.count == 36)
        #expect(ticketPart["number"] as? String == "A001")
        #expect(ticketPart["counter"] as? Int == 1)
        #expect(ticketPart["state"] as? String == "called")
        #expect(json["occurred_at"] as? String == "2026-11-25T02:00:00Z")
        #expect(!called[0].body.contains(ticket.token))
        let rated = try #require(rows.last)
        #expect(rated.body.contains(#""rating":{"score":2}"#))
    }

    @Test func aRefusedChangeQueuesNothing() async throws {
        let (store, _) = try await Self.store()
        // Refused inside a group commit (no identity for invoices), and a call with nobody waiting.
        await #expect(throws: QuhaoError.self) { try await store.take("invoice") }
        await #expect(throws: QuhaoError.self) { try await store.call(1) }
        #expect(try await Self.rows(store).isEmpty)
    }

    @Test func aTicketsNextEventWaitsForTheOneBeforeIt() async throws {
        let (store, _) = try await Self.store()
        try await store.take("general")
        try await store.take("general")
        #expect(try await store.call(1) == "A001")
        // hall-system: A001 issued, A002 issued are due; A001 called waits behind A001 issued.
        var due = try await store.outbox.due(site: "hall", endpoint: "hall-system", limit: 10)
        #expect(due.map(\.type) == ["ticket.issued", "ticket.issued"])
        try await store.outbox.delivered(due[0].id, status: 200)
        due = try await store.outbox.due(site: "hall", endpoint: "hall-system", limit: 10)
        #expect(due.map(\.type) == ["ticket.issued", "ticket.called"])
        #expect(due[1].body.contains(#""number":"A001""#))
        // Another endpoint's queue is its own.
        #expect(try await store.outbox.due(site: "hall", endpoint: "sms", limit: 10).map(\.type) == ["ticket.called"])
    }

    @Test func twoDaemonsNeverClaimTheSameDeliveryAndADeadOnesLeaseRunsOut() async throws {
        let clock = ManualClock(Fixture.morning)
        try await TestEngine.withTwoStores(clock: clock) { first, second in
            try await first.sync(sites: [Self.site])
            for _ in 0..<6 { try await first.take("general") }
            // Claimed at once by both daemons, over and over: each delivery goes to one of them.
            var claimed: [Int64] = []
            for _ in 0..<4 {
                async let a = first.outbox.claim(site: "hall", endpoint: "hall-system", limit: 2, lease: 15)
                async let b = second.outbox.claim(site: "hall", endpoint: "hall-system", limit: 2, lease: 15)
                claimed += try await a.map(\.id) + b.map(\.id)
            }
            #expect(claimed.count == 6 && Set(claimed).count == 6, "\(claimed)")
            #expect(try await second.outbox.claim(site: "hall", endpoint: "hall-system", limit: 10, lease: 15).isEmpty)
            // One is delivered; the daemon holding the others dies: after the lease they are taken again.
            try await first.outbox.delivered(claimed[0], status: 200)
            clock.advance(by: 14)
            #expect(try await second.outbox.claim(site: "hall", endpoint: "hall-system", limit: 10, lease: 15).isEmpty)
            clock.advance(by: 2)
            let again = try await second.outbox.claim(site: "hall", endpoint: "hall-system", limit: 10, lease: 15)
            #expect(Set(again.map(\.id)) == Set(claimed.dropFirst()))
        }
    }

    @Test func failuresAreRetriedLaterAndGivenUpAfterTwoDays() async throws {
        let (store, clock) = try await Self.store()
        try await store.take("general")
        var delivery = try #require(try await store.outbox.due(site: "hall", endpoint: "hall-system", limit: 1).first)
        // Attempt 1 fails: the next is 5 s later (±20 %), and not due before.
        #expect(try await store.outbox.failed(delivery, status: 503, error: "HTTP 503", jitter: 0) == false)
        #expect(try await store.outbox.due(site: "hall", endpoint: "hall-system", limit: 1).isEmpty)
        let next = try #require(try await store.outbox.nextAttempt(site: "hall", endpoint: "hall-system"))
        #expect(abs(next.timeIntervalSince(Fixture.morning) - 4) < 0.01, "5 s at 80 %")
        clock.advance(by: 4)
        delivery = try #require(try await store.outbox.due(site: "hall", endpoint: "hall-system", limit: 1).first)
        #expect(delivery.attempts == 1)
        let status = try #require(try await store.outbox.status().first { $0.endpoint == "hall-system" })
        #expect(status.pending == 1 && status.delivered == 0 && status.lastError == "HTTP 503" && status.givenUp == 0)
        // The schedule: 5, 10, 20 … doubling, at most 30 minutes; with the jitter's bounds.
        #expect(WebhookRetry.delay(afterAttempts: 1) == 5)
        #expect(WebhookRetry.delay(afterAttempts: 4) == 40)
        #expect(WebhookRetry.delay(afterAttempts: 9) == 1280)
        #expect(WebhookRetry.delay(afterAttempts: 10) == 1800)
        #expect(WebhookRetry.delay(afterAttempts: 500) == 1800)
        #expect(abs(WebhookRetry.delay(afterAttempts: 3, jitter: 1) - 24) < 1e-9)
        // Still failing after 47 hours: tried again; past 48 hours: given up.
        clock.advance(by: 47 * 3600)
        #expect(try await store.outbox.failed(delivery, status: nil, error: "timed out", jitter: 0.5) == false)
        clock.advance(by: 3600)
        delivery = try #require(try await store.outbox.due(site: "hall", endpoint: "hall-system", limit: 1).first)
        #expect(try await store.outbox.failed(delivery, status: nil, error: "connection refused", jitter: 0.5) == true)
        let after = try #require(try await store.outbox.status().first { $0.endpoint == "hall-system" })
        #expect(after.pending == 0 && after.givenUp == 1 && after.lastError == "connection refused")
        #expect(try await store.outbox.due(site: "hall", endpoint: "hall-system", limit: 1).isEmpty)
    }

    @Test func theStatusListsConfiguredEndpointsWithNothingQueued() async throws {
        let (store, _) = try await Self.store()
        let status = try await store.outbox.status()
        #expect(status.map(\.endpoint) == ["hall-system", "sms"])
        #expect(status.allSatisfy { $0.pending == 0 && $0.delivered == 0 && $0.lastSuccess == nil })
    }
}
