import Foundation
import Hummingbird
import HummingbirdTesting
import LiveBoard
import Presence
import QuhaoCore
import QuhaoHTTP
import QuhaoStore
import Synchronization
import Testing

/// A taken number is committed before the live board shows it; when the board's rebuild fails,
/// the phone is still answered with its ticket, and a retry (the answer lost on the way) gets
/// the same number, never `ticket.device_active`.
@Suite struct BoardFailureTests {
    @Test func aTakenNumberIsAnsweredWhenTheBoardCannotRebuild() async throws {
        let breaker = BoardBreaker()
        let test = try await TestApp(boardBreaker: breaker)
        try await test.run { client in
            #expect(try await client.get("/api/v1/sites/hall/board").status == .ok)
            breaker.broken.store(true, ordering: .relaxed)
            let code = test.presence.current(site: "hall")
            let taken = try await client.take("general", identity: "91350100M000100Y43", presence: code)
            #expect(taken.status == .created, "\(taken.text)")
            #expect((taken.json["ticket"] as? [String: Any])?["number"] as? String == "A001")
            let token = try #require(taken.json["token"] as? String)
            #expect(try await test.store.ticket(.token(token)).number.description == "A001", "committed")
            let cookie = try #require(taken.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            // The same phone sends the same take again: the number it has, not a refusal.
            let retried = try await client.take("general", identity: "91350100M000100Y43", presence: code, headers: [.cookie: cookie])
            #expect(retried.status == .created, "\(retried.text)")
            #expect(retried.json["token"] as? String == token)
            #expect(try await test.store.siteDay(site: "hall").tickets.count == 1)
            // Another business type from that phone is still one number too many.
            let other = try await client.take("consult", presence: code, headers: [.cookie: cookie])
            #expect(other.status == .conflict)
            #expect(other.json["code"] as? String == "ticket.device_active")
            #expect(test.log.entries.contains { $0.contains("the board did not take a committed change in time") })
            #expect(test.board.builtSnapshot("hall")?.tickets[token] == nil, "the board could not take it")
            // Repaired: the board takes the number by itself (it tries again), with no other change to wake it.
            breaker.broken.store(false, ordering: .relaxed)
            try await waitUntil("the board shows A001") { test.board.builtSnapshot("hall")?.tickets[token] != nil }
        }
    }
}
