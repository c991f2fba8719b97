import Foundation
import Hummingbird
import HummingbirdTesting
import QuhaoCore
import QuhaoHTTP
import QuhaoStore
import Testing

@Suite struct AdminPagesTests {
    static var site: Site {
        let base = TestApp.site()
        return Site(
            id: base.id, name: base.name, services: base.services, counters: base.counters, rules: base.rules,
            webhooks: [
                WebhookEndpoint(id: "sms", url: "https://sms.example.gov.cn/quhao", secret: "0123456789abcdef0123"),
                WebhookEndpoint(id: "idle", url: "https://idle.example.gov.cn/hook", secret: "0123456789abcdef0123"),
            ])
    }

    @Test func theWebhooksPageShowsEachEndpointsDeliveryStateToAdminsOnly() async throws {
        let test = try await TestApp(site: Self.site)
        _ = try await test.store.accounts.addStaff(
            NewStaff(login: "boss", name: "所长", role: .admin, siteID: nil, counters: [], password: "admin-pass-2026"), cost: 4)
        _ = try await test.store.accounts.addStaff(
            NewStaff(login: "wang", name: "王芳", role: .staff, siteID: "hall", counters: [3], password: "window-three-pass"), cost: 4)
        // Two events for sms: one delivered, one failing.
        try await test.store.issue(IssueRequest(siteID: "hall", service: "consult"))
        try await test.store.issue(IssueRequest(siteID: "hall", service: "consult"))
        let due = try await test.store.outbox.due(site: "hall", endpoint: "sms", limit: 10)
        #expect(due.count == 2)
        try await test.store.outbox.delivered(due[0].id, status: 204)
        test.clock.advance(by: 10)
        try await test.store.outbox.failed(due[1], status: 502, error: "HTTP 502", jitter: 0.5)
        test.clock.advance(by: 180)
        try await test.run { client in
            let stranger = try await client.get("/admin/webhooks")
            #expect(stranger.status == .seeOther)
            let staff = try await client.signIn("wang", "window-three-pass")
            #expect(try await client.get("/admin/webhooks", headers: staff).status == .forbidden)
            let admin = try await client.signIn("boss", "admin-pass-2026")
            let page = try await client.get("/admin/webhooks", headers: admin)
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            let rows = html.components(separatedBy: "<tr").dropFirst(2)
            #expect(rows.count == 2)
            let sms = try #require(rows.first { $0.contains("hall/sms") })
            #expect(sms.contains("class=\"alert\""), "deliveries wait behind an error")
            #expect(sms.contains("https://sms.example.gov.cn/quhao"))
            #expect(sms.contains("<td>1</td><td>3 分钟前</td><td>1</td><td>3 分钟前</td>"))
            #expect(sms.contains("HTTP 502 <small>(3 分钟前)</small>"))
            #expect(!sms.contains("0123456789abcdef0123"), "the secret is never shown")
            let idle = try #require(rows.first { $0.contains("hall/idle") })
            #expect(idle.contains("<td>2</td><td>3 分钟前</td><td>0</td><td>—</td>"))
            #expect(!idle.contains("alert"))
            let english = String(buffer: try await client.get("/admin/webhooks?lang=en", headers: admin).body)
            #expect(english.contains("3 min ago"))
        }
    }

    @Test func theDistrictPageShowsEverySiteToAnAdminOfTheWholeInstanceOnly() async throws {
        let test = try await TestApp(site: Self.site, also: [InspectionPagesTests.office])
        _ = try await test.store.accounts.addStaff(
            NewStaff(login: "boss", name: "局长", role: .admin, siteID: nil, counters: [], password: "admin-pass-2026"), cost: 4)
        _ = try await test.store.accounts.addStaff(
            NewStaff(login: "hall-admin", name: "厅长", role: .admin, siteID: "hall", counters: [], password: "second-floor-2026"), cost: 4)
        try await test.store.issue(IssueRequest(siteID: "hall", service: "consult"))
        test.clock.advance(by: 600)
        try await test.store.issue(IssueRequest(siteID: "hall", service: "consult"))
        _ = try await test.store.pause(site: "hall", counter: Self.site.counters[0].id)
        try await test.run { client in
            #expect(try await client.get("/admin/district").status == .seeOther)
            let hallAdmin = try await client.signIn("hall-admin", "second-floor-2026")
            #expect(try await client.get("/admin/district", headers: hallAdmin).status == .forbidden, "a hall's admin sees that hall only")
            let boss = try await client.signIn("boss", "admin-pass-2026")
            let page = try await client.get("/admin/district", headers: boss)
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            let halls = try #require(html.components(separatedBy: "id=\"district-halls\"").last?.components(separatedBy: "</table>").first)
            let cells = halls.components(separatedBy: "<td>").dropFirst().map { $0.components(separatedBy: "</td>")[0] }
            let windows = Self.site.counters.count
            // Waiting 2, the oldest for 10 minutes, one window of the hall's paused, 2 issued, none served.
            #expect(Array(cells.dropFirst()) == ["2", "10", "\(windows - 1) / \(windows)", "2", "0"], "\(cells)")
            #expect(html.contains("id=\"district-offices\"") && html.contains("食品安全监管所"))
            let dashboard = try await client.get("/admin", headers: boss)
            #expect(String(buffer: dashboard.body).contains("href=\"/admin/district\""))
        }
    }
}
