import Foundation
import Hummingbird
import LiveBoard
import QuhaoCore
import QuhaoStore

/// The staff pages: `/staff/login`, `/staff` (choose a window), `/staff/{site}/{counter}` (the
/// window console). Pages that need a signed-in user send others to the sign-in form and back.
struct StaffPages {
    let services: AppDependencies
    let templates: Templates
    let signIn: SignIn

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get("login", use: loginPage)
        routes.post("login", use: loginSubmit)
        routes.post("logout", use: logoutSubmit)
        routes.get(use: pickPage)
        routes.get(":site/:counter", use: consolePage)
        return routes
    }

    struct LoginForm: Decodable {
        var login: String?
        var password: String?
        var next: String?
    }

    @Sendable func loginPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let flash = services.flash.message(request)
        return renderLogin(
            request, login: flash?.fields["login"] ?? "", next: Self.safeNext(request.uri.queryParameters.get("next")) ?? "", error: flash?.error)
    }

    @Sendable func loginSubmit(_ request: Request, context: AppRequestContext) async throws -> Response {
        try StaffAuth.checkOrigin(request, settings: services.settings, required: false)
        let form = try await PublicPages.form(LoginForm.self, request, context)
        let next = Self.safeNext(form.next)
        do {
            let (token, session) = try await signIn.attempt(login: form.login ?? "", password: form.password ?? "", client: context.clientKey)
            // Back to the page that asked for a sign-in; else where the role works (``StaffNav/landing(role:siteID:sites:)``).
            var landing = next
            if landing == nil {
                let sites = try await services.allSites()
                landing = Self.withLanguage(StaffNav.landing(role: session.account.role, siteID: session.account.siteID, sites: sites), request)
            }
            return Response(status: .seeOther, headers: [.location: landing ?? "/staff", .setCookie: signIn.cookie(token).description])
        } catch let error as QuhaoError {
            // Post, redirect, get: the form again with the refusal and the login typed (never the password).
            let back = next.flatMap { $0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) }.map { "/staff/login?next=\($0)" }
            var response = services.flash.redirect(to: back ?? "/staff/login", request, error: error, fields: ["login": form.login ?? ""])
            response.headers.append(contentsOf: ProblemMiddleware<AppRequestContext>.extraHeaders(error))
            return response
        }
    }

    @Sendable func logoutSubmit(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await signIn.signOut(request)
        return Response(
            status: .seeOther, headers: [.location: "/staff/login\(PublicPages.langQuery(request))", .setCookie: signIn.expiredCookie.description])
    }

    /// Lists the windows the user may sit at; with exactly one, goes straight to it.
    @Sendable func pickPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = try await principal(request) else { return Self.toLogin(request) }
        var windows: [[String: Any]] = []
        let language = request.language
        let (t, _) = Templates.strings(language)
        for siteID in try await services.store.siteIDs() {
            let snapshot = try await services.board.snapshot(siteID)
            // An inspection office's teams work from the inspection desk, not a window console.
            guard snapshot.site.kind == .taxHall else { continue }
            let board = snapshot.board
            for counter in board.counters where principal.mayAct(site: siteID, counter: counter.id) {
                windows.append([
                    "href": "/staff/\(siteID)/\(counter.id)\(PublicPages.langQuery(request))",
                    "site": language == .en ? (board.site.nameEn ?? board.site.name) : board.site.name,
                    "label": Catalogue.fill(t["staff_window"] ?? "", with: ["counter": String(counter.id)]),
                    "name": (language == .en ? counter.nameEn : nil) ?? counter.name ?? "",
                ])
            }
        }
        if windows.isEmpty, principal.role == .inspector {
            return Response(status: .seeOther, headers: [.location: Self.withLanguage("/inspect", request)])
        }
        if windows.count == 1, let only = windows.first?["href"] as? String {
            return Response(status: .seeOther, headers: [.location: only])
        }
        return try await services.staffPage(
            templates, "staff-pick", request, principal,
            [
                "title": t["staff_pick_title"] ?? "", "siteName": principal.name, "user": principal.name, "windows": windows,
                "hasWindows": !windows.isEmpty,
            ])
    }

    /// The console shell; its script fills it from `GET /api/v1/counters/{site}/{counter}`.
    @Sendable func consolePage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let siteID = try context.parameters.require("site")
        let counter = try context.parameters.require("counter", as: Int.self)
        guard let principal = try await principal(request) else { return Self.toLogin(request) }
        guard principal.mayAct(site: siteID, counter: counter) else { throw QuhaoError(.authForbidden) }
        let snapshot = try await services.board.snapshot(siteID)
        guard snapshot.site.counter(counter) != nil else { throw QuhaoError(.counterNotFound, ["counter": String(counter)]) }
        if snapshot.site.kind == .inspection { return Response(status: .seeOther, headers: [.location: Self.withLanguage("/inspect", request)]) }
        let language = request.language
        let (t, script) = Templates.strings(language, script: ["ui.staff."])
        var window = Catalogue.fill(t["staff_window"] ?? "", with: ["counter": String(counter)])
        if let name = snapshot.site.counter(counter)?.name { window += " " + name.text(language) }
        return try await services.staffPage(
            templates, "staff-console", request, principal,
            [
                "title": window, "siteName": snapshot.site.name.text(language), "siteID": siteID, "counter": counter, "window": window,
                "user": principal.name, "stringsJSON": script,
            ])
    }

    // MARK: - Helpers

    func renderLogin(_ request: Request, login: String, next: String, error: QuhaoError?) -> Response {
        let language = request.language
        var data: [String: Any] = [
            "title": Templates.strings(language).template["staff_login_title"] ?? "", "siteName": "Quhao", "login": login, "next": next,
        ]
        if let error { data["error"] = Catalogue.of(language).message(for: error) }
        return page("staff-login", request, data, status: error?.status ?? .ok)
    }

    /// Renders a staff page with what every one of them uses: strings, language, the staff stylesheet.
    func page(_ name: String, _ request: Request, _ data: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        templates.staffPage(name, request, data, status: status)
    }

    /// The signed-in user of a page request, or `nil` (then the page sends them to sign in).
    func principal(_ request: Request) async throws -> Principal? {
        do {
            return try await StaffAuth.require(request, services: services)
        } catch let error as QuhaoError where error.code == .authRequired {
            return nil
        }
    }

    /// An address of ours in the request's language (`lang=…` added to the query it may already have).
    static func withLanguage(_ path: String, _ request: Request) -> String {
        let query = PublicPages.langQuery(request)
        guard !query.isEmpty else { return path }
        return path + (path.contains("?") ? "&" : "?") + query.dropFirst()
    }

    /// Sends a request without a session to the sign-in form, remembering the page to come back to.
    ///
    /// A page (GET) comes back to itself. A form sent without a session (the session expired while the
    /// inspector filled it in) comes back to the page the form was on, named by the browser's `Referer`
    /// when that is one of our pages, never to the POST route itself; without one, the role's own page.
    static func toLogin(_ request: Request) -> Response {
        var back: String?
        if request.method == .get || request.method == .head {
            back = request.uri.path + (request.uri.query.map { "?\($0)" } ?? "")
        } else if let referer = request.headers[.referer], let url = URLComponents(string: referer) {
            // Only its path is kept, and only when it is one of our staff pages (``safeNext(_:)``): a Referer
            // from another site can at worst name one of our own pages.
            back = url.percentEncodedPath + (url.percentEncodedQuery.map { "?\($0)" } ?? "")
        }
        let next = safeNext(back).flatMap { $0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) }
        let location = next.map { "/staff/login?next=\($0)" } ?? "/staff/login\(PublicPages.langQuery(request))"
        return Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// Only our own staff pages (the windows, the inspector's, the admin's) and a unit's poster (an
    /// inspector scanning it signed out) are places to go back to after signing in: no open redirect,
    /// never the sign-in form itself. `nil`: go where the role works.
    static func safeNext(_ next: String?) -> String? {
        guard let next, !next.isEmpty else { return nil }
        let path = String(next.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        let pages = ["/staff", "/inspect", "/admin"]
        let accepted = pages.contains { path == $0 || path.hasPrefix($0 + "/") } || path.hasPrefix("/p/")
        guard accepted, !next.hasPrefix("//"), !next.contains("\\"), !path.hasPrefix("/staff/login"), !path.hasPrefix("/staff/logout")
        else { return nil }
        return next
    }
}
