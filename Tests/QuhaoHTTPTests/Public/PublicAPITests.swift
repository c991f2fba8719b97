import Foundation
import Hummingbird
import HummingbirdTesting
import Presence
import QuhaoCore
import QuhaoHTTP
import QuhaoStore
import Testing

@Suite struct PublicAPITests {
    @Test func takePollCallAndTheTicketSaysWhichWindow() async throws {
        let test = try await TestApp()
        try await test.run { client in
            let code = test.presence.current(site: "hall")
            let taken = try await client.take("general", identity: "91350100M000100Y43", presence: code)
            #expect(taken.status == .created)
            #expect(taken.headers[.setCookie]?.hasPrefix("qh_device=") == true)
            let token = try #require(taken.json["token"] as? String)
            #expect(taken.json["url"] as? String == "https://q.example.cn/t/\(token)")
            let ticket = try #require(taken.json["ticket"] as? [String: Any])
            #expect(ticket["number"] as? String == "A001")
            #expect(ticket["state"] as? String == "waiting", "a valid code means in the hall")

            let polled = try await client.get("/api/v1/tickets/\(token)")
            #expect(polled.status == .ok)
            #expect(polled.json["state"] as? String == "waiting")
            #expect(polled.json["people_ahead"] as? Int == 0)

            _ = try await test.store.callNext(site: "hall", counter: 3)
            let etag = try #require(polled.headers[.eTag])
            let called = try await client.get("/api/v1/tickets/\(token)?wait=5", headers: [.ifNoneMatch: etag])
            #expect(called.status == .ok)
            #expect(called.json["state"] as? String == "called")
            #expect(called.json["counter"] as? Int == 3)
        }
    }

    @Test func unchangedETagGives304ForBoardAndTicket() async throws {
        let test = try await TestApp()
        try await test.run { client in
            let taken = try await client.take("consult")
            let token = try #require(taken.json["token"] as? String)
            let board = try await client.get("/api/v1/sites/hall/board")
            let boardTag = try #require(board.headers[.eTag])
            #expect(try await client.get("/api/v1/sites/hall/board", headers: [.ifNoneMatch: boardTag]).status == .notModified)
            let ticket = try await client.get("/api/v1/tickets/\(token)")
            let ticketTag = try #require(ticket.headers[.eTag])
            let again = try await client.get("/api/v1/tickets/\(token)", headers: [.ifNoneMatch: ticketTag])
            #expect(again.status == .notModified)
            #expect(again.body.readableBytes == 0)
            // Another visitor's number changes the board but not this ticket.
            // The take answers once the board holds it: no pause needed before the next poll.
            _ = try await client.take("general", identity: "91110000600037341L")
            #expect(try await client.get("/api/v1/sites/hall/board", headers: [.ifNoneMatch: boardTag]).status == .ok)
            #expect(try await client.get("/api/v1/tickets/\(token)", headers: [.ifNoneMatch: ticketTag]).status == .notModified)
        }
    }

    @Test func aLongPollIsReleasedByACall() async throws {
        let test = try await TestApp()
        try await test.run { client in
            let taken = try await client.take("consult", presence: test.presence.current(site: "hall"))
            let token = try #require(taken.json["token"] as? String)
            let first = try await client.get("/api/v1/tickets/\(token)")
            let etag = try #require(first.headers[.eTag])
            let clock = ContinuousClock()
            let started = clock.now
            async let released = client.get("/api/v1/tickets/\(token)?wait=30", headers: [.ifNoneMatch: etag])
            try await test.parked()
            _ = try await test.store.callNext(site: "hall", counter: 4)
            let response = try await released
            #expect(response.status == .ok)
            #expect(response.json["counter"] as? Int == 4)
            #expect(clock.now - started < .seconds(25), "released by the call, not by the 30 s timeout")
        }
    }

    @Test func boardLongPollTimesOutWith304() async throws {
        let test = try await TestApp()
        try await test.run { client in
            let board = try await client.get("/api/v1/sites/hall/board")
            let etag = try #require(board.headers[.eTag])
            let response = try await client.get("/api/v1/sites/hall/board?wait=1", headers: [.ifNoneMatch: etag])
            #expect(response.status == .notModified)
        }
    }

    @Test func publicJSONCarriesNoIdsNoIdentitiesAnd128BitTokens() async throws {
        let test = try await TestApp()
        try await test.run { client in
            let taken = try await client.take("personal", identity: "11010519491231002X", phone: "13812345678")
            let token = try #require(taken.json["token"] as? String)
            #expect(token.count == 22, "16 random bytes in base64url")
            for body in [taken.text, try await client.get("/api/v1/tickets/\(token)").text, try await client.get("/api/v1/sites/hall/board").text] {
                #expect(!body.contains("\"id\":1"), "no integer ids")
                #expect(!body.contains("11010519491231002X"))
                #expect(!body.contains("110105"))
                #expect(!body.contains("13812345678"))
                #expect(!body.contains("5678"))
            }
        }
    }

    @Test func cancelCheckInAndRateOnce() async throws {
        let test = try await TestApp()
        try await test.run { client in
            let remote = try await client.take("consult")
            let token = try #require(remote.json["token"] as? String)
            #expect((remote.json["ticket"] as? [String: Any])?["state"] as? String == "remote", "no code: remote")
            let stale = try await client.post("/api/v1/tickets/\(token)/checkin", json: #"{"presence": "000000"}"#)
            #expect(stale.status == .forbidden)
            #expect(stale.json["code"] as? String == "presence.required")
            let checked = try await client.post(
                "/api/v1/tickets/\(token)/checkin", json: "{\"presence\": \"\(test.presence.current(site: "hall"))\"}")
            #expect(checked.status == .ok)
            #expect(checked.json["state"] as? String == "waiting")

            let early = try await client.post("/api/v1/tickets/\(token)/rating", json: #"{"score": 5}"#)
            #expect(early.status == .conflict)
            #expect(early.json["code"] as? String == "rating.not_allowed")
            _ = try await test.store.callNext(site: "hall", counter: 4)
            _ = try await test.store.start(site: "hall", counter: 4)
            _ = try await test.store.complete(site: "hall", counter: 4)
            let rated = try await client.post("/api/v1/tickets/\(token)/rating", json: #"{"score": 4}"#)
            #expect(rated.status == .ok)
            #expect(rated.json["rating"] as? Int == 4)
            #expect(rated.json["can_rate"] as? Bool == false)
            let twice = try await client.post("/api/v1/tickets/\(token)/rating", json: #"{"score": 1}"#)
            #expect(twice.json["code"] as? String == "rating.duplicate")
            let badScore = try await client.post("/api/v1/tickets/\(token)/rating", json: #"{"score": 9}"#)
            #expect(badScore.status == .badRequest)

            let other = try #require(try await client.take("consult").json["token"] as? String)
            let cancelled = try await client.post("/api/v1/tickets/\(other)/cancel", json: "")
            #expect(cancelled.json["state"] as? String == "cancelled")
            let again = try await client.post("/api/v1/tickets/\(other)/cancel", json: "")
            #expect(again.status == .conflict)
            #expect(again.json["code"] as? String == "ticket.invalid_transition")
        }
    }
}
