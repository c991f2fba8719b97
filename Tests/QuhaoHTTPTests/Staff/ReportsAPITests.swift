import Foundation
import Hummingbird
import HummingbirdTesting
import QuhaoCore
import QuhaoHTTP
import QuhaoStore
import Testing

/// The reports over HTTP: `/api/v1/reports/{kind}` and the `/admin` dashboard. The figures
/// themselves are checked against a hand-worked day in `ReportTests` (store); here, that the
/// same numbers reach the admin, in JSON, CSV and the page, and that nobody else sees them.
@Suite struct ReportsAPITests {
    /// Three numbers taken at 10:00, two served at window 3 by 王芳 (waits 60 s and 120 s), one rated 1.
    static func morning() async throws -> TestApp {
        let test = try await TestApp.withWindowThreeStaff()
        _ = try await test.store.accounts.addStaff(
            NewStaff(login: "boss", name: "所长", role: .admin, siteID: nil, counters: [], password: "admin-pass-2026"), cost: 4)
        let wang = Initiator.staff("1")
        var tokens: [String] = []
        for uscc in ["91350100M000100Y43", "91110000600037341L", "121200004013590816"] {
            tokens.append(try await test.store.issue(IssueRequest(siteID: "hall", service: "general", identity: uscc)).token)
        }
        for _ in 0..<2 {
            test.clock.advance(by: 60)
            _ = try await test.store.callNext(site: "hall", counter: 3, by: wang)
            _ = try await test.store.start(site: "hall", counter: 3, by: wang)
            test.clock.advance(by: 240)
            _ = try await test.store.complete(site: "hall", counter: 3, by: wang)
        }
        _ = try await test.store.rate(.token(tokens[1]), score: 1)
        return test
    }

    @Test func adminsGetTheReportsAsJSONAndCSV() async throws {
        let test = try await Self.morning()
        try await test.run { client in
            #expect(try await client.get("/api/v1/reports/tickets").status == .unauthorized)
            let staff = try await client.signIn()
            #expect(try await client.get("/api/v1/reports/tickets", headers: staff).status == .forbidden)
            let admin = try await client.signIn("boss", "admin-pass-2026")
            let response = try await client.get("/api/v1/reports/tickets?site=hall&group=service", headers: admin)
            #expect(response.status == .ok)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any])
            let range = try #require(json["range"] as? [String: String])
            #expect(range == ["site": "hall", "from": "2026-11-25", "to": "2026-11-25"], "today, in Shanghai")
            let total = try #require(json["total"] as? [String: Any])
            #expect(total["issued"] as? Int == 3 && total["served"] as? Int == 2 && total["called"] as? Int == 2)
            // Waits: 60 s (first) and 60 + 300 = 360 s (second): average 210.
            #expect(total["wait_average_seconds"] as? Double == 210)
            #expect(total["service_average_seconds"] as? Double == 240)
            let csv = try await client.get("/api/v1/reports/tickets?site=hall&group=service&format=csv", headers: admin)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.headers[.contentDisposition] == "attachment; filename=\"tickets-hall-2026-11-25-2026-11-25.csv\"")
            let text = String(buffer: csv.body)
            #expect(text.hasPrefix("\u{FEFF}service,issued,issued_in_hall,"))
            #expect(text.contains("\r\nA 综合业务,3,3,0,0,2,2,0,0,0,3.5,1,6,0.0,4.0\r\n"))
            let ratings = String(buffer: try await client.get("/api/v1/reports/ratings?format=csv", headers: admin).body)
            #expect(ratings.contains("\r\nbad,1,非常不满意 very dissatisfied,,A002,2026-11-25,10:10,3,王芳\r\n"))
            let windows = try await client.get("/api/v1/reports/windows", headers: admin)
            #expect(String(buffer: windows.body).contains(#""open_seconds":540"#), "10:01 to 10:10")
        }
    }

    @Test func badRequestsAreRefusedWithReasons() async throws {
        let test = try await Self.morning()
        try await test.run { client in
            let admin = try await client.signIn("boss", "admin-pass-2026")
            for (query, status, words) in [
                ("/api/v1/reports/queues", HTTPResponse.Status.notFound, "route.not_found"),
                ("/api/v1/reports/tickets?group=week", .badRequest, "group must be one of day, hour, service, origin"),
                ("/api/v1/reports/tickets?from=2026-13-01", .badRequest, "from must be a day like 2026-11-30"),
                ("/api/v1/reports/tickets?to=", .badRequest, "to must be a day like 2026-11-30"),
                ("/api/v1/reports/tickets?from=2026-11-25&to=2026-11-24", .badRequest, "to is before from"),
                ("/api/v1/reports/tickets?from=2020-01-01&to=2026-11-25", .badRequest, "at most three years"),
                ("/api/v1/reports/tickets?site=nowhere", .notFound, "site.not_found"),
                ("/api/v1/reports/tickets?format=xlsx", .badRequest, "format must be json or csv"),
            ] {
                let response = try await client.get(query + (query.contains("?") ? "&" : "?") + "lang=en", headers: admin)
                #expect(response.status == status, "\(query)")
                #expect(String(buffer: response.body).contains(words), "\(query): \(String(buffer: response.body))")
            }
        }
    }

    @Test func theDashboardShowsTheFiguresAndDrawsItsCharts() async throws {
        let test = try await Self.morning()
        try await test.run { client in
            let stranger = try await client.get("/admin")
            #expect(stranger.status == .seeOther)
            let admin = try await client.signIn("boss", "admin-pass-2026")
            let page = try await client.get("/admin", headers: admin)
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            #expect(html.contains("<b>3</b><span>取号 issued</span>"))
            #expect(html.contains("<b>2</b><span>办结 served</span>"))
            #expect(html.contains("<b>3.5</b><span>平均等候（分钟）"))
            // Two charts, drawn here: arrivals by hour (one bar, 10:00) and service time per window (window 3, 4 min).
            #expect(html.components(separatedBy: "<svg class=\"chart\"").count == 3)
            #expect(html.contains(">10</text>"))
            #expect(html.contains("4 分钟</text>"))
            #expect(!html.contains("<script"))
            #expect(
                html.contains("<tr class=\"alert\"><td>A002</td><td>2026-11-25</td><td>10:10</td><td>1</td><td>A 综合业务</td><td>3</td><td>王芳</td></tr>")
            )
            #expect(html.contains("/api/v1/reports/ratings?site=hall&amp;from=2026-11-25&amp;to=2026-11-25&amp;format=csv"))
        }
    }
}
