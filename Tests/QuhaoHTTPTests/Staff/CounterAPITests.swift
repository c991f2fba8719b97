import Foundation
import Hummingbird
import HummingbirdTesting
import Presence
import QuhaoCore
import QuhaoHTTP
import QuhaoStore
import Testing

@Suite struct CounterAPITests {
    @Test func aWindowCallsServesAndTheVisitorSeesIt() async throws {
        let test = try await TestApp.withWindowThreeStaff()
        try await test.run { client in
            let code = test.presence.current(site: "hall")
            let token = try #require(try await client.take("consult", presence: code).json["token"] as? String)
            let staff = try await client.signIn()
            let called = try await client.post("/api/v1/counters/hall/3/call-next", json: "", headers: staff)
            #expect(called.status == .ok)
            #expect(called.json["number"] as? String == "H001")
            #expect(called.json["already_held"] as? Bool == false)
            let id = try #require(called.json["id"] as? Int)
            let again = try await client.post("/api/v1/counters/hall/3/call-next", json: "", headers: staff)
            #expect(again.json["id"] as? Int == id)
            #expect(again.json["already_held"] as? Bool == true, "a double tap gives the same ticket back")
            // The phone's next poll shows the window once the live board has taken in the call
            // (staff actions answer from the store; the board follows through the commit hook).
            try await test.boardCaughtUp()
            #expect(try await client.get("/api/v1/tickets/\(token)").json["counter"] as? Int == 3)

            let early = try await client.post("/api/v1/counters/hall/3/complete", json: "", headers: staff)
            #expect(early.status == .conflict)
            #expect(early.json["code"] as? String == "ticket.invalid_transition")
            #expect(try await client.post("/api/v1/counters/hall/3/start", json: "{\"expecting\": \(id)}", headers: staff).status == .ok)
            #expect(try await client.post("/api/v1/counters/hall/3/complete", json: "{\"expecting\": \(id)}", headers: staff).status == .ok)
            let retried = try await client.post("/api/v1/counters/hall/3/complete", json: "{\"expecting\": \(id)}", headers: staff)
            #expect(retried.json["code"] as? String == "ticket.invalid_transition", "a retried click changes nothing")
            let events = try await test.store.events(site: "hall").filter { $0.action == "complete" }
            #expect(events.count == 1)
            #expect(events.first?.initiator.hasPrefix("staff:") == true)
        }
    }

    @Test func staffRoutesNeedASessionTheirOwnWindowAndOurOrigin() async throws {
        let test = try await TestApp.withWindowThreeStaff()
        try await test.run { client in
            let none = try await client.post("/api/v1/counters/hall/3/call-next", json: "")
            #expect(none.status == .unauthorized)
            #expect(none.json["code"] as? String == "auth.required")
            var staff = try await client.signIn()
            let otherWindow = try await client.post("/api/v1/counters/hall/4/call-next", json: "", headers: staff)
            #expect(otherWindow.status == .forbidden)
            #expect(otherWindow.json["code"] as? String == "auth.forbidden")
            staff[.origin] = "https://evil.example"
            let foreign = try await client.post("/api/v1/counters/hall/3/pause", json: "", headers: staff)
            #expect(foreign.status == .forbidden)
            #expect(foreign.json["code"] as? String == "auth.origin")
            #expect(try await test.store.counters(site: "hall").first { $0.counter.id == 3 }?.paused == false)
        }
    }

    @Test func transferKeepsTheNumberAndGoesToTheFront() async throws {
        let test = try await TestApp.withWindowThreeStaff()
        try await test.store.accounts.addStaff(NewStaff(login: "boss", name: "管理员", role: .admin, password: "administrator-pass"), cost: 4)
        try await test.run { client in
            let code = test.presence.current(site: "hall")
            _ = try await client.take("general", identity: "91350100M000100Y43", presence: code)
            _ = try await client.take("consult", presence: code)
            let admin = try await client.signIn("boss", "administrator-pass")
            _ = try await client.post("/api/v1/counters/hall/3/call-next", json: "", headers: admin)
            _ = try await client.post("/api/v1/counters/hall/3/start", json: "", headers: admin)
            let missing = try await client.post("/api/v1/counters/hall/3/transfer", json: "", headers: admin)
            #expect(missing.status == .badRequest)
            let moved = try await client.post("/api/v1/counters/hall/3/transfer", json: #"{"service": "consult"}"#, headers: admin)
            #expect(moved.json["number"] as? String == "A001")
            #expect(moved.json["transfer_count"] as? Int == 1)
            let next = try await client.post("/api/v1/counters/hall/4/call-next", json: "", headers: admin)
            #expect(next.json["number"] as? String == "A001", "at the front of the consult queue, ahead of H001")
        }
    }
}

@Suite struct TwoConsolesTests {
    static let count = 1000

    static let site = Site(
        id: "hall", name: LocalizedText(zh: "大厅"), services: [Service(id: "general", prefix: "A", name: LocalizedText(zh: "综合业务"))],
        counters: [Counter(id: 3, services: ["general"]), Counter(id: 4, services: ["general"])])

    @Test func twoConsolesCallingAtOnceAThousandTimesNeverShareOrSkipATicket() async throws {
        let test = try await TestApp(site: Self.site)
        for window in [3, 4] {
            _ = try await test.store.accounts.addStaff(
                NewStaff(
                    login: "w\(window)", name: "窗口\(window)", role: .staff, siteID: "hall", counters: [window], password: "window-pass-\(window)"),
                cost: 4)
        }
        for _ in 0..<Self.count { _ = try await test.store.issue(IssueRequest(siteID: "hall", service: "general")) }
        try await test.run { client in
            var sessions: [Int: HTTPFields] = [:]
            for window in [3, 4] { sessions[window] = try await client.signIn("w\(window)", "window-pass-\(window)") }
            let calls = try await withThrowingTaskGroup(of: [String].self) { group in
                for window in [3, 4] {
                    let headers = sessions[window]!
                    group.addTask {
                        var numbers: [String] = []
                        while true {
                            let called = try await client.post("/api/v1/counters/hall/\(window)/call-next", json: "", headers: headers)
                            if called.json["code"] as? String == "queue.empty" { return numbers }
                            #expect(called.status == .ok, "\(called.text)")
                            #expect(called.json["already_held"] as? Bool == false)
                            let number = try #require(called.json["number"] as? String)
                            let id = try #require(called.json["id"] as? Int)
                            numbers.append(number)
                            let body = "{\"expecting\": \(id)}"
                            #expect(try await client.post("/api/v1/counters/hall/\(window)/start", json: body, headers: headers).status == .ok)
                            #expect(try await client.post("/api/v1/counters/hall/\(window)/complete", json: body, headers: headers).status == .ok)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let all = calls.flatMap { $0 }
            #expect(all.count == Self.count)
            #expect(Set(all).count == Self.count, "no ticket called twice")
            #expect(calls.allSatisfy { !$0.isEmpty }, "both consoles took part")
            let tickets = try await test.store.tickets(site: "hall", day: try await test.store.today(site: "hall"))
            #expect(tickets.allSatisfy { $0.state == .done }, "none skipped")
        }
    }
}
