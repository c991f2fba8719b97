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
        renderLogin(request, login: "", next: Self.safeNext(request.uri.queryParameters.get("next")), error: nil)
    }

    @Sendable func loginSubmit(_ request: Request, context: AppRequestContext) async throws -> Response {
        try StaffAuth.checkOrigin(request, settings: services.settings, required: false)
        let form = try await PublicPages.form(LoginForm.self, request, context)
        let next = Self.safeNext(form.next)
        do {
            let (token, _) = try await signIn.attempt(login: form.login ?? "", password: form.password ?? "", client: context.clientKey)
            return Response(status: .seeOther, headers: [.location: next, .setCookie: signIn.cookie(token).description])
        } catch let error as QuhaoError {
            var response = renderLogin(request, login: form.login ?? "", next: next, error: error)
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
            let board = try await services.board.snapshot(siteID).board
            for counter in board.counters where principal.mayAct(site: siteID, counter: counter.id) {
                windows.append([
                    "href": "/staff/\(siteID)/\(counter.id)\(PublicPages.langQuery(request))",
                    "site": language == .en ? (board.site.nameEn ?? board.site.name) : board.site.name,
                    "label": Catalogue.fill(t["staff_window"] ?? "", with: ["counter": String(counter.id)]),
                    "name": (language == .en ? counter.nameEn : nil) ?? counter.name ?? "",
                ])
            }
        }
        if windows.count == 1, let only = windows.first?["href"] as? String {
            return Response(status: .seeOther, headers: [.location: only])
        }
        return page(
            "staff-pick", request,
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
        let language = request.language
        let (t, script) = Templates.strings(language, script: ["ui.staff."])
        var window = Catalogue.fill(t["staff_window"] ?? "", with: ["counter": String(counter)])
        if let name = snapshot.site.counter(counter)?.name { window += " " + name.text(language) }
        return page(
            "staff-console", request,
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

    static func toLogin(_ request: Request) -> Response {
        let back = request.uri.path + (request.uri.query.map { "?\($0)" } ?? "")
        let next = back.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/staff"
        return Response(status: .seeOther, headers: [.location: "/staff/login?next=\(next)", .cacheControl: "no-store"])
    }

    /// Only our own staff, inspector and poster pages are places to go back to after signing in (no open redirect).
    static func safeNext(_ next: String?) -> String {
        // The staff pages, the inspector's, and a unit's poster (an inspector scanning it signed out).
        guard let next, ["/staff", "/inspect", "/p/"].contains(where: next.hasPrefix), !next.hasPrefix("//"), !next.contains("\\"),
            !next.hasPrefix("/staff/login")
        else {
            return "/staff"
        }
        return next
    }
}
