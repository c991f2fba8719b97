import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LiveBoard
import QuhaoCore
import QuhaoStore
import Testing

/// Nobody outside can jam an inspection office's teams over HTTP: the public take page and the
/// visitor API refuse, and an inspector can hand a held request back.
@Suite struct OfficeQueueHTTPTests {
    static func form(_ text: String) -> (HTTPFields, ByteBuffer) {
        ([.contentType: "application/x-www-form-urlencoded"], ByteBuffer(string: text))
    }

    @Test func anAnonymousTakeIsRefusedOverTheAPIAndThePage() async throws {
        let test = try await TestApp(site: InspectionPagesTests.office)
        let unit = InspectionPagesTests.unit(1)
        try await test.run { client throws in
            let api = try await client.post(
                "/api/v1/sites/office/tickets", json: "{\"service\": \"routine\", \"identity\": \"\(unit.uscc)\", \"phone\": \"13812345678\"}")
            #expect(api.status == .forbidden)
            #expect(api.json["code"] as? String == "inspection.unit_link_required")
            #expect((api.json["detail"] as? String)?.contains("专用链接") == true)
            let english = try await client.post("/api/v1/sites/office/tickets?lang=en", json: "{\"service\": \"J\"}")
            #expect(english.status == .forbidden && (english.json["detail"] as? String)?.contains("private link") == true)

            // The page a phone opens: no form, the refusal and who may do what instead.
            let page = try await client.get("/s/office")
            #expect(page.status == .forbidden)
            #expect(page.text.contains("id=\"office-notice\"") && page.text.contains("专用链接") && !page.text.contains("id=\"take\""))
            #expect(page.text.contains("/staff/login?next=%2Finspect"))
            let posted = try await client.execute(
                uri: "/s/office", method: .post, headers: Self.form("").0,
                body: Self.form("service=routine&identity=\(unit.uscc)&phone=13812345678").1)
            #expect(posted.status == .forbidden && posted.text.contains("专用链接"))
            // Booking and the kiosk lead to the same explanation, never to a form refused only on submit.
            #expect(try await client.get("/s/office/book").headers[.location] == "/s/office")
            #expect(try await client.get("/kiosk/office?key=x").headers[.location] == "/s/office")
            #expect(page.text.contains("<title>检查申请说明 · "))
        }
        // Nothing reached the queue.
        #expect(try await test.board.snapshot("office").board.services.map(\.waiting).reduce(0, +) == 0)
    }

    @Test func twentyConcurrentAnonymousAttemptsOverHTTPLeaveBothTeamsCallingRealUnits() async throws {
        let test = try await TestApp(site: InspectionPagesTests.office)
        let one = try await test.store.inspections.createUnit(site: "office", InspectionPagesTests.unit(1), by: .cli)
        let two = try await test.store.inspections.createUnit(site: "office", InspectionPagesTests.unit(2), by: .cli)
        _ = try await test.store.accounts.addStaff(
            NewStaff(login: "zhang", name: "张检查员", role: .inspector, siteID: "office", counters: [], password: "inspector-pass-1"), cost: 4)
        try await test.run { client throws in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for n in 1...20 {
                    let uscc = InspectionPagesTests.unit(100 + n).uscc
                    group.addTask {
                        try await client.post(
                            "/api/v1/sites/office/tickets", json: "{\"service\": \"routine\", \"identity\": \"\(uscc)\", \"phone\": \"13812345678\"}"
                        ).status
                    }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.count == 20 && statuses.allSatisfy { $0 == .forbidden })
            for unit in [one, two] {
                let response = try await client.execute(
                    uri: "/u/\(unit.privateToken)/request", method: .post, headers: Self.form("").0.merging([.origin: TestApp.origin]),
                    body: Self.form("kind=routine").1)
                #expect(response.status == .seeOther)
            }
            let session = try await client.signIn("zhang", "inspector-pass-1")
            var held: [Int64] = []
            for team in [1, 2] {
                let response = try await client.execute(
                    uri: "/inspect/office/\(team)/call-next", method: .post, headers: Self.form("").0.merging(session), body: Self.form("").1)
                #expect(response.status == .seeOther)
                held.append(try #require(Int64(response.headers[.location]?.split(separator: "/").last ?? "")))
            }
            var units: Set<Int64> = []
            for id in held { units.insert(try await test.store.inspections.inspection(id).unitID) }
            #expect(units == [one.unit.id, two.unit.id])
            // The unit's page names who called.
            #expect(try await client.get("/u/\(one.privateToken)").text.contains("张检查员"))

            // Team 1 hands its request back: the inspector's page offers it, the queue has it again.
            let home = try await client.get("/inspect", headers: session).text
            #expect(home.contains("/inspect/office/1/release"))
            let released = try await client.execute(
                uri: "/inspect/office/1/release", method: .post, headers: Self.form("").0.merging(session), body: Self.form("").1)
            #expect(released.status == .seeOther && released.headers[.location] == "/inspect")
            #expect(try await test.store.inspections.inspection(held[0]).status == .requested)
            #expect(try await test.store.inspections.held(site: "office", team: 1) == nil)
            let again = try await client.following(
                try await client.execute(
                    uri: "/inspect/office/1/release", method: .post, headers: Self.form("").0.merging(session), body: Self.form("").1),
                headers: session)
            #expect(again.status == .conflict && again.text.contains("没有占用"))

            // A window console does not run a visit: the picker and the console send the inspector to the desk,
            // and the window API's start and complete are refused (they would skip the check-in).
            #expect(try await client.get("/staff", headers: session).headers[.location] == "/inspect")
            #expect(try await client.get("/staff/office/2", headers: session).headers[.location] == "/inspect")
            var json = session
            json[.contentType] = "application/json"
            for action in ["start", "complete", "recall", "no-show", "pause"] {
                let refused = try await client.execute(uri: "/api/v1/counters/office/2/\(action)", method: .post, headers: json)
                #expect(refused.status == .conflict && refused.json["code"] as? String == "inspection.use_desk", "\(action)")
            }
            #expect(try await test.store.inspections.inspection(held[1]).status == .called)
        }
    }
}

extension HTTPFields {
    func merging(_ other: HTTPFields) -> HTTPFields {
        var all = self
        all.append(contentsOf: other)
        return all
    }
}
