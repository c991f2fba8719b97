import Foundation
import Hummingbird
import HummingbirdTesting
import QuhaoCore
import QuhaoHTTP
import QuhaoStore
import Testing

/// Walks the whole route table: every route that is not on the short public list must refuse
/// strangers, other windows and foreign pages. A new route is protected unless added here on purpose.
@Suite struct AccessTests {
    /// Routes anyone may use: the visitor's pages and API, sign-in, health, QR images; the
    /// monitoring routes (nothing personal in them: route templates, queue lengths the hall board
    /// shows anyway, sizes and times).
    static let publicRoutes: Set<String> = [
        "GET /healthz", "GET /readyz", "GET /metrics",
        "GET /api/v1/sites", "GET /api/v1/sites/{site}", "GET /api/v1/sites/{site}/board", "POST /api/v1/sites/{site}/tickets",
        "GET /api/v1/tickets/{token}", "POST /api/v1/tickets/{token}/cancel", "POST /api/v1/tickets/{token}/checkin",
        "POST /api/v1/tickets/{token}/rating",
        "POST /api/v1/auth/login", "POST /api/v1/auth/logout",
        "GET /s/{site}", "POST /s/{site}", "POST /s/{site}/take-over", "POST /s/{site}/take-over/verify", "GET /t/{token}", "GET /t/{token}/wechat",
        "GET /t/{token}/wechat/back", "POST /t/{token}/cancel",
        "POST /t/{token}/checkin", "POST /t/{token}/rating",
        "GET /qr/sites/{file}", "GET /qr/tickets/{file}", "GET /qr/units/{file}", "GET /qr/bookings/{file}",
        // Booking: the booking's own link is its credential, like a ticket's.
        "GET /api/v1/sites/{site}/slots", "POST /api/v1/sites/{site}/bookings", "GET /api/v1/bookings/{token}",
        "POST /api/v1/bookings/{token}/cancel", "POST /api/v1/bookings/{token}/checkin",
        "GET /s/{site}/book", "POST /s/{site}/book", "GET /b/{token}", "GET /b/{token}/calendar.ics", "POST /b/{token}/cancel",
        "POST /b/{token}/checkin",
        // The kiosk: its credential is the site's display key (checked in KioskTests), not a session.
        "GET /kiosk/{site}", "GET /kiosk/{site}/take", "POST /kiosk/{site}/take",
        // A canteen unit's pages: its private link is the credential (checked in InspectionPagesTests); the poster is public.
        "GET /u/{token}", "POST /u/{token}/request", "POST /u/{token}/withdraw", "POST /u/{token}/self-inspection",
        "POST /u/{token}/findings/{finding}", "GET /u/{token}/photos/{sha}", "GET /u/{token}/code", "GET /p/{token}",
        // A diner's complaint from the poster: no account (limited per phone and address, OfficeToolsTests).
        "POST /p/{token}/complaint",
        // An office's published plans (双随机、一公开): only those it published (OfficePagesTests).
        "GET /s/{site}/plans", "GET /s/{site}/plans/{id}",
        "GET /staff/login", "POST /staff/login", "POST /staff/logout", "GET /static/{file}",
        // The hall TV: public like the board it shows; the rotating code itself needs the display key.
        "GET /display/{site}", "GET /display/{site}/hall-code", "GET /display/{site}/chime.wav", "GET /display/{site}/speech.wav",
    ]

    /// Form actions that a stranger is refused with a problem (401) rather than sent to sign in:
    /// the check-in on a poster (the inspector signs in first, then scans).
    static let refusedNotRedirected: Set<String> = ["POST /p/{token}/check-in"]

    /// Routes that end a session: public, but a cookie-carrying request must still come from our pages.
    static let signOutRoutes: Set<String> = ["POST /api/v1/auth/logout", "POST /staff/logout"]

    struct Route {
        let method: HTTPRequest.Method
        let template: String
        var isPage: Bool { !template.hasPrefix("/api/") && !template.hasPrefix("/evidence/") && !AccessTests.refusedNotRedirected.contains(name) }
        var name: String { "\(method) \(template)" }

        /// The path with its parameters filled in.
        func path(counter: Int) -> String {
            template.replacingOccurrences(of: "{site}", with: "hall").replacingOccurrences(of: "{counter}", with: String(counter))
                .replacingOccurrences(of: "{team}", with: String(counter)).replacingOccurrences(of: "{token}", with: "unknown-token")
                .replacingOccurrences(of: "{id}", with: "1").replacingOccurrences(of: "{finding}", with: "1")
                .replacingOccurrences(of: "{sha}", with: String(repeating: "a", count: 64))
        }
    }

    static func routes(_ test: TestApp) throws -> [Route] {
        try routeTable(store: test.store, clock: test.clock).map { line in
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            return Route(method: HTTPRequest.Method(rawValue: parts[0])!, template: parts[1])
        }
    }

    func send(_ client: any TestClientProtocol, _ route: Route, counter: Int = 3, headers: HTTPFields = [:]) async throws -> TestResponse {
        var all: HTTPFields = [.accept: route.isPage ? "text/html" : "application/json", .contentType: "application/json"]
        all.append(contentsOf: headers)
        return try await client.execute(
            uri: route.path(counter: counter), method: route.method, headers: all, body: route.method == .post ? ByteBuffer(string: "{}") : nil)
    }

    @Test func everyStaffRouteRefusesStrangersOtherWindowsAndForeignPages() async throws {
        let test = try await TestApp.withWindowThreeStaff()
        let (token, _) = try await test.store.accounts.createToken(name: "window 3 printer", role: .staff, siteID: "hall", counters: [3])
        let routes = try Self.routes(test)
        let unknownPublic = Self.publicRoutes.subtracting(routes.map(\.name))
        #expect(unknownPublic.isEmpty, "listed as public but not served: \(unknownPublic)")
        let protected = routes.filter { !Self.publicRoutes.contains($0.name) }
        // The list must hold what the issue names, so the walk below cannot pass by walking nothing.
        for expected in [
            "POST /api/v1/counters/{site}/{counter}/call-next", "POST /api/v1/counters/{site}/{counter}/issue", "GET /api/v1/audit",
            "GET /api/v1/auth/me", "GET /staff", "GET /staff/{site}/{counter}",
        ] {
            #expect(protected.contains { $0.name == expected }, "\(expected) is walked")
        }

        try await test.run { client in
            let session = try await client.signIn()
            for route in protected {
                // 1. Nobody: the API answers 401 with a problem; pages send the browser to sign in and back.
                let stranger = try await send(client, route)
                if route.isPage {
                    #expect(stranger.status == .seeOther, "\(route.name)")
                    // A page comes back to itself; a form sent without a session never to its POST route (with no
                    // Referer here, to the role's own page after signing in).
                    let back =
                        route.name.hasPrefix("GET ")
                        ? "/staff/login?next=" + (route.path(counter: 3).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
                        : "/staff/login"
                    #expect(stranger.headers[.location] == back, "\(route.name)")
                } else {
                    #expect(stranger.status == .unauthorized, "\(route.name)")
                    #expect(stranger.json["code"] as? String == "auth.required", "\(route.name)")
                    #expect(stranger.headers[.contentType]?.hasPrefix("application/problem+json") == true, "\(route.name)")
                }
                // A wrong or made-up bearer token is nobody too.
                let forged = try await send(client, route, headers: [.authorization: "Bearer qh_forged"])
                #expect(forged.status == (route.isPage ? .seeOther : .unauthorized), "\(route.name) with a forged token")

                // 2. A staff token for window 3: nothing at window 4, nothing for admins only.
                // The inspector's pages and the office's photos (inspectors and admins), the admin pages (admins).
                if route.template.hasPrefix("/inspect") || route.template.hasPrefix("/evidence") || route.template.hasPrefix("/admin")
                    || Self.refusedNotRedirected.contains(route.name)
                {
                    let staff = try await send(client, route, headers: [.authorization: "Bearer \(token)"])
                    #expect(staff.status == .forbidden, "\(route.name) for a hall window's token")
                }
                if route.template.contains("{counter}") || route.template.hasPrefix("/api/v1/audit") {
                    let elsewhere = try await send(client, route, counter: 4, headers: [.authorization: "Bearer \(token)"])
                    #expect(elsewhere.status == .forbidden, "\(route.name) at window 4")
                    if !route.isPage { #expect(elsewhere.json["code"] as? String == "auth.forbidden", "\(route.name)") }
                }

                // 3. A session cookie sent from another site's page: refused before anything happens.
                if route.method == .post {
                    var foreign = session
                    foreign[.origin] = "https://evil.example"
                    let refused = try await send(client, route, headers: foreign)
                    #expect(refused.status == .forbidden, "\(route.name) from a foreign page")
                    if route.isPage {
                        // A page (the browser asked for HTML) with the refusal's message.
                        #expect(refused.text.contains("请求来源不符"), "\(route.name)")
                    } else {
                        #expect(refused.json["code"] as? String == "auth.origin", "\(route.name)")
                    }
                }
            }
            for name in Self.signOutRoutes {
                let route = try #require(routes.first { $0.name == name })
                var foreign = session
                foreign[.origin] = "https://evil.example"
                #expect(try await send(client, route, headers: foreign).status == .forbidden, "\(name) from a foreign page")
            }
            // Nothing above changed anything: no ticket, no pause, the session still works.
            #expect(try await test.store.events(site: "hall").isEmpty)
            #expect(try await client.get("/api/v1/auth/me", headers: session).status == .ok)
        }
    }
}
