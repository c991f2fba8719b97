import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import QuhaoCore
import QuhaoStore
import Testing

/// The office's own people find their pages: where each role lands after signing in, the header
/// every staff page shares, and a session lost mid-task that comes back to the page it was on.
@Suite struct StaffNavTests {
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .origin: TestApp.origin, .accept: "text/html"]

    /// A hall and an office, with an inspector and an admin of the office, an admin of everything and window staff.
    static func app() async throws -> TestApp {
        let test = try await TestApp(site: TestApp.site(), also: [InspectionPagesTests.office])
        let accounts = test.store.accounts
        _ = try await accounts.addStaff(
            NewStaff(login: "zhang", name: "张检查员", role: .inspector, siteID: "office", counters: [], password: "inspector-pass-1"), cost: 4)
        _ = try await accounts.addStaff(
            NewStaff(login: "li", name: "李所长", role: .admin, siteID: "office", counters: [], password: "office-admin-pass"), cost: 4)
        _ = try await accounts.addStaff(NewStaff(login: "root", name: "管理员", role: .admin, password: "city-admin-pass"), cost: 4)
        _ = try await accounts.addStaff(
            NewStaff(login: "wang", name: "王芳", role: .staff, siteID: "hall", counters: [3], password: "window-three-pass"), cost: 4)
        return test
    }

    static func signIn(_ client: any TestClientProtocol, _ login: String, _ password: String, next: String? = nil) async throws -> TestResponse {
        var body = "login=\(login)&password=\(password)"
        if let next { body += "&next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") }
        return try await client.execute(uri: "/staff/login", method: .post, headers: form, body: ByteBuffer(string: body))
    }

    static func session(_ response: TestResponse) throws -> HTTPFields {
        let cookie = try #require(response.headers[.setCookie]).split(separator: ";")[0]
        return [.cookie: String(cookie), .accept: "text/html", .origin: TestApp.origin]
    }

    @Test func eachRoleLandsWhereItWorks() async throws {
        let test = try await Self.app()
        try await test.run { client in
            for (login, password, landing) in [
                ("zhang", "inspector-pass-1", "/inspect"), ("li", "office-admin-pass", "/admin/inspections?site=office"),
                ("root", "city-admin-pass", "/admin"), ("wang", "window-three-pass", "/staff"),
            ] {
                let response = try await Self.signIn(client, login, password)
                #expect(response.status == .seeOther && response.headers[.location] == landing, "\(login)")
            }
            // In English the landing stays in English.
            let english = try await client.execute(
                uri: "/staff/login?lang=en", method: .post, headers: Self.form, body: ByteBuffer(string: "login=li&password=office-admin-pass"))
            #expect(english.headers[.location] == "/admin/inspections?site=office&lang=en")
            // `next` takes every staff page, and nothing else (the form carries what it will go back to).
            for next in ["/admin/inspections?site=office", "/admin/units/1", "/inspect/i/4", "/staff/hall/3", "/admin", "/p/abc"] {
                let form = try await client.get("/staff/login?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
                #expect(form.text.contains("name=\"next\" value=\"\(next.replacingOccurrences(of: "&", with: "&amp;"))\""), "next=\(next)")
            }
            for next in ["https://evil.example/", "//evil.example/admin", "/staff/login", "/administrator", "/api/v1/auth/me", "/t/x"] {
                let form = try await client.get("/staff/login?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
                #expect(form.text.contains("name=\"next\" value=\"\""), "next=\(next)")
            }
            // Signing in with a page to go back to goes there.
            #expect(try await Self.signIn(client, "zhang", "inspector-pass-1", next: "/admin/units/1").headers[.location] == "/admin/units/1")
        }
    }

    @Test func everyStaffPageHasTheRolesPagesAndASignOut() async throws {
        let test = try await Self.app()
        let unit = try await test.store.inspections.createUnit(site: "office", InspectionPagesTests.unit(1), by: .cli)
        let request = try await test.store.inspections.request(.routine, unitToken: unit.privateToken)
        try await test.run { client in
            let inspector = try Self.session(try await Self.signIn(client, "zhang", "inspector-pass-1"))
            for page in ["/inspect", "/inspect/i/\(request.id)"] {
                let html = try await client.get(page, headers: inspector).text
                #expect(html.contains("action=\"/staff/logout\"") && html.contains("id=\"sign-out\""), "\(page)")
                #expect(html.contains("href=\"/inspect\"") && html.contains("检查工作台"), "\(page)")
                #expect(!html.contains("/admin"), "\(page): an inspector is shown no admin page")
            }
            #expect(try await client.get("/inspect", headers: inspector).text.contains("href=\"/inspect\" aria-current=\"page\""))

            let admin = try Self.session(try await Self.signIn(client, "li", "office-admin-pass"))
            for page in ["/admin/inspections?site=office", "/admin/units?site=office", "/admin/units/\(unit.unit.id)", "/inspect"] {
                let response = try await client.get(page, headers: admin)
                #expect(response.status == .ok, "\(page)")
                let html = response.text
                #expect(html.contains("id=\"sign-out\""), "\(page)")
                #expect(html.contains("href=\"/admin/inspections?site=office\"") && html.contains("href=\"/admin/units?site=office\""), "\(page)")
                #expect(html.contains("href=\"/inspect\""), "\(page)")
                #expect(!html.contains("href=\"/admin/webhooks\"") && !html.contains("href=\"/staff\""), "\(page): the office admin has no hall")
            }
            // The language switch keeps the page's query.
            #expect(try await client.get("/admin/units?site=office", headers: admin).text.contains("href=\"/admin/units?site=office&amp;lang=en\""))
            let english = try await client.get("/admin/inspections?site=office&lang=en", headers: admin).text
            #expect(english.contains("Inspection figures") && english.contains(">from <") && !english.contains("检查统计"))

            let root = try Self.session(try await Self.signIn(client, "root", "city-admin-pass"))
            for page in ["/admin", "/admin/webhooks", "/staff/hall/3"] {
                let html = try await client.get(page, headers: root).text
                #expect(html.contains("id=\"sign-out\"") && html.contains("href=\"/admin/inspections?site=office\""), "\(page)")
                #expect(html.contains("href=\"/admin?site=hall\"") && html.contains("href=\"/admin/webhooks\""), "\(page)")
            }
            let staff = try Self.session(try await Self.signIn(client, "wang", "window-three-pass"))
            let console = try await client.get("/staff/hall/3", headers: staff).text
            #expect(console.contains("id=\"sign-out\"") && console.contains("href=\"/staff\"") && !console.contains("/admin"))
        }
    }

    @Test func anOfficesOwnAdminAdministersTheOfficeOnly() async throws {
        let test = try await Self.app()
        let unit = try await test.store.inspections.createUnit(site: "office", InspectionPagesTests.unit(1), by: .cli)
        try await test.run { client in
            let admin = try Self.session(try await Self.signIn(client, "li", "office-admin-pass"))
            #expect(try await client.get("/admin/inspections?site=office", headers: admin).status == .ok)
            #expect(try await client.get("/admin/units/\(unit.unit.id)", headers: admin).status == .ok)
            #expect(try await client.get("/admin?site=hall", headers: admin).status == .forbidden)
            #expect(try await client.get("/api/v1/reports/tickets?site=hall", headers: admin).status == .forbidden)
            #expect(try await client.get("/api/v1/audit?site=hall", headers: admin).status == .forbidden)
            #expect(try await client.get("/staff/hall/1", headers: admin).status == .forbidden)
            var call = admin
            call[.contentType] = "application/json"
            #expect(try await client.execute(uri: "/api/v1/counters/hall/1/call-next", method: .post, headers: call).status == .forbidden)
            // The admin of every site reaches both.
            let root = try Self.session(try await Self.signIn(client, "root", "city-admin-pass"))
            #expect(try await client.get("/admin?site=hall", headers: root).status == .ok)
            #expect(try await client.get("/admin/inspections?site=office", headers: root).status == .ok)
        }
    }

    @Test func aSessionLostMidTaskComesBackToThePageItWasOn() async throws {
        let test = try await Self.app()
        let unit = try await test.store.inspections.createUnit(site: "office", InspectionPagesTests.unit(1), by: .cli)
        let request = try await test.store.inspections.request(.routine, unitToken: unit.privateToken)
        try await test.run { client in
            // The checklist sent after the session expired: back to the inspection's page, never to the POST route.
            var headers = Self.form
            headers[.referer] = "https://q.example.cn/inspect/i/\(request.id)?lang=en"
            let lost = try await client.execute(
                uri: "/inspect/i/\(request.id)/record", method: .post, headers: headers, body: ByteBuffer(string: "item.1.1=yes"))
            #expect(lost.status == .seeOther)
            let location = try #require(lost.headers[.location])
            #expect(location == "/staff/login?next=%2Finspect%2Fi%2F\(request.id)%3Flang%3Den")
            // The sign-in form carries it, and signing in goes there.
            let form = try await client.get(location).text
            #expect(form.contains("name=\"next\" value=\"/inspect/i/\(request.id)?lang=en\""))
            let back = try await Self.signIn(client, "zhang", "inspector-pass-1", next: "/inspect/i/\(request.id)?lang=en")
            #expect(back.headers[.location] == "/inspect/i/\(request.id)?lang=en")
            // A Referer that is not one of our staff pages is not a place to go back to.
            headers[.referer] = "https://evil.example/phish"
            let foreign = try await client.execute(uri: "/inspect/office/1/call-next", method: .post, headers: headers, body: ByteBuffer())
            #expect(foreign.headers[.location] == "/staff/login")

            // The poster's check-in without a session: the poster page (HTML, never JSON), saying how to sign in.
            let refused = try await client.execute(
                uri: "/p/\(unit.posterToken)/check-in", method: .post, headers: Self.form, body: ByteBuffer(string: "team=1&code=123456"))
            #expect(refused.status == .seeOther && refused.headers[.location]?.hasPrefix("/p/\(unit.posterToken)?m=") == true)
            let poster = try await client.following(refused)
            #expect(poster.status == .unauthorized)
            #expect(poster.headers[.contentType]?.hasPrefix("text/html") == true)
            let posterBack = "/p/\(unit.posterToken)?c=123456".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            #expect(poster.text.contains("/staff/login?next=\(posterBack)"))
            #expect(poster.text.contains("请先登录") && poster.text.contains("登录后签到") && !poster.text.contains("auth.required"), "\(poster.text)")
        }
    }
}
