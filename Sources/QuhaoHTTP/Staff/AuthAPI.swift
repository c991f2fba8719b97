import Foundation
import Hummingbird
import QuhaoCore
import QuhaoStore

/// Sign-in for staff: `POST /api/v1/auth/login`, `POST /api/v1/auth/logout`, `GET /api/v1/auth/me`.
/// The session token lives in an HttpOnly, SameSite=Strict cookie (Secure behind https) and only
/// hashed in the database. Attempts are limited per account and per client.
struct AuthAPI {
    let services: AppDependencies
    let signIn: SignIn

    static let cookieName = "qh_session"

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.post("login", use: login)
        routes.post("logout", use: logout)
        routes.get("me", use: me)
        return routes
    }

    struct Credentials: Decodable {
        var login: String
        var password: String
    }

    /// Who is signed in (or whose token this is) and where they may act.
    struct Me: Encodable {
        let login: String?
        let name: String
        let role: String
        let site: String?
        let counters: [Int]
        let expiresAt: Date?

        init(_ principal: Principal) {
            login = principal.account?.login
            name = principal.name
            role = principal.role.rawValue
            site = principal.siteID
            counters = principal.counters
            expiresAt = principal.expiresAt
        }
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        try StaffAuth.checkOrigin(request, settings: services.settings, required: false)
        let credentials = try await request.decode(as: Credentials.self, context: context)
        let (token, session) = try await signIn.attempt(login: credentials.login, password: credentials.password, client: context.clientKey)
        return try JSON.response(Me(Principal(session: session)), headers: [.setCookie: signIn.cookie(token).description])
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await signIn.signOut(request)
        return try JSON.response(["status": "signed out"], headers: [.setCookie: signIn.expiredCookie.description])
    }

    @Sendable func me(_ request: Request, context: AppRequestContext) async throws -> Response {
        try JSON.response(Me(try await StaffAuth.require(request, services: services)))
    }
}

/// Checking passwords and opening sessions, for the JSON API and the sign-in form alike: one
/// set of attempt limits for both.
struct SignIn: Sendable {
    let services: AppDependencies
    let perAccount: RateLimiter
    let perClient: RateLimiter

    init(services: AppDependencies) {
        self.services = services
        // Five tries per account, then one a minute; twenty per client, then one every 15 s.
        perAccount = RateLimiter(capacity: 5, refillPerSecond: 1.0 / 60, clock: services.clock, refusal: .authRateLimited)
        perClient = RateLimiter(capacity: 20, refillPerSecond: 1.0 / 15, clock: services.clock, refusal: .authRateLimited)
    }

    /// Checks a password; opens a session. Throws `auth.failed` or `auth.rate_limited`.
    func attempt(login: String, password: String, client: String) async throws -> (token: String, session: StaffSession) {
        // Only failures spend the budget: an office whose phones share one address signs in and out all
        // day (a shared phone, a shift change), while a guesser is still stopped after a few tries.
        try perClient.take(client, consume: false)
        try perAccount.take(login.lowercased(), consume: false)
        guard let account = try await services.store.accounts.verifyPassword(login: login, password: password) else {
            try? perClient.take(client)
            try? perAccount.take(login.lowercased())
            throw QuhaoError(.authFailed)
        }
        return try await services.store.accounts.openSession(for: account)
    }

    /// Ends the request's session, if it has one (a cookie-carrying logout must come from our pages).
    func signOut(_ request: Request) async throws {
        guard let token = request.cookies[AuthAPI.cookieName]?.value else { return }
        try StaffAuth.checkOrigin(request, settings: services.settings, required: true)
        try await services.store.accounts.closeSession(token: token)
    }

    /// The session cookie: HttpOnly, SameSite=Strict, Secure behind https.
    func cookie(_ token: String) -> Cookie {
        Cookie(
            name: AuthAPI.cookieName, value: token, maxAge: Int(AccountStore.sessionLifetime), path: "/", secure: services.settings.isHTTPS,
            httpOnly: true, sameSite: .strict)
    }

    var expiredCookie: Cookie {
        Cookie(name: AuthAPI.cookieName, value: "", maxAge: 0, path: "/", secure: services.settings.isHTTPS, httpOnly: true, sameSite: .strict)
    }
}

/// Who a staff request comes from.
enum StaffAuth {
    /// The signed-in staff member (session cookie) or integration (`Authorization: Bearer qh_…`),
    /// or `auth.required` (401). Cookie-authenticated requests that change something must come
    /// from our own pages (`Origin`), or `auth.origin` (403); a bearer token cannot be sent by a
    /// browser on its own, so it needs no such check.
    static func require(_ request: Request, services: AppDependencies) async throws -> Principal {
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer",
                let principal = try await services.store.accounts.principal(bearer: String(parts[1]).trimmingCharacters(in: .whitespaces))
            else { throw QuhaoError(.authRequired) }
            return principal
        }
        guard let token = request.cookies[AuthAPI.cookieName]?.value, !token.isEmpty,
            let principal = try await services.store.accounts.principal(session: token)
        else { throw QuhaoError(.authRequired) }
        if request.method != .get && request.method != .head {
            try checkOrigin(request, settings: services.settings, required: true)
        }
        return principal
    }

    /// Like ``require(_:services:)``, and the principal may act at the window (403 otherwise).
    static func require(_ request: Request, services: AppDependencies, site: String, counter: Int) async throws -> Principal {
        let principal = try await require(request, services: services)
        guard principal.mayAct(site: site, counter: counter) else { throw QuhaoError(.authForbidden) }
        return principal
    }

    /// Like ``require(_:services:)``, for admins only (403 otherwise).
    static func requireAdmin(_ request: Request, services: AppDependencies) async throws -> Principal {
        let principal = try await require(request, services: services)
        guard principal.role == .admin else { throw QuhaoError(.authForbidden) }
        return principal
    }

    /// For an admin page: the signed-in admin, or `nil` for a stranger (the page sends them to sign in).
    /// - Throws: `auth.forbidden` for someone signed in who is not an admin.
    static func adminOfPage(_ request: Request, services: AppDependencies) async throws -> Principal? {
        do {
            return try await requireAdmin(request, services: services)
        } catch let error as QuhaoError where error.code == .authRequired {
            return nil
        }
    }

    /// Refuses a request whose `Origin` is another site's. With `required`, a missing `Origin` is refused too.
    static func checkOrigin(_ request: Request, settings: AppSettings, required: Bool) throws {
        guard let origin = request.headers[.origin] else {
            if required { throw QuhaoError(.authOrigin) }
            return
        }
        var allowed: Set<String> = [Self.origin(of: settings.publicURL)]
        if let host = request.head.authority { allowed.formUnion(["http://\(host)", "https://\(host)"]) }
        guard allowed.contains(origin) else { throw QuhaoError(.authOrigin) }
    }

    /// `scheme://host[:port]` of a URL.
    static func origin(of url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else { return url }
        return components.port.map { "\(scheme)://\(host):\($0)" } ?? "\(scheme)://\(host)"
    }
}
