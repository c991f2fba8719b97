import Foundation
import Hummingbird
import QuhaoCore
import QuhaoStore

/// Sign-in for staff: `POST /api/v1/auth/login`, `POST /api/v1/auth/logout`, `GET /api/v1/auth/me`.
/// The session token lives in an HttpOnly, SameSite=Strict cookie (Secure behind https) and only
/// hashed in the database. Attempts are limited per account and per client.
struct AuthAPI {
    let services: Services
    let perAccount: RateLimiter
    let perClient: RateLimiter

    static let cookieName = "qh_session"

    init(services: Services) {
        self.services = services
        // Five tries per account, then one a minute; twenty per client, then one every 15 s.
        perAccount = RateLimiter(capacity: 5, refillPerSecond: 1.0 / 60, clock: services.clock, refusal: .authRateLimited)
        perClient = RateLimiter(capacity: 20, refillPerSecond: 1.0 / 15, clock: services.clock, refusal: .authRateLimited)
    }

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

    struct Me: Encodable {
        let login: String
        let name: String
        let role: String
        let site: String?
        let counters: [Int]
        let expiresAt: Date

        init(_ session: StaffSession) {
            login = session.account.login
            name = session.account.name
            role = session.account.role.rawValue
            site = session.account.siteID
            counters = session.account.counters
            expiresAt = session.expiresAt
        }
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        try StaffAuth.checkOrigin(request, settings: services.settings, required: false)
        let credentials = try await request.decode(as: Credentials.self, context: context)
        try perClient.take(context.clientKey)
        try perAccount.take(credentials.login.lowercased())
        guard let account = try await services.store.verifyPassword(login: credentials.login, password: credentials.password) else {
            throw QuhaoError(.authFailed)
        }
        let (token, session) = try await services.store.openSession(for: account)
        let cookie = Cookie(
            name: Self.cookieName, value: token, maxAge: Int(TicketStore.sessionLifetime), path: "/", secure: services.settings.isHTTPS,
            httpOnly: true, sameSite: .strict)
        return try JSON.response(Me(session), headers: [.setCookie: cookie.description])
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        if let token = request.cookies[Self.cookieName]?.value {
            try StaffAuth.checkOrigin(request, settings: services.settings, required: true)
            try await services.store.closeSession(token: token)
        }
        let expired = Cookie(name: Self.cookieName, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .strict)
        return try JSON.response(["status": "signed out"], headers: [.setCookie: expired.description])
    }

    @Sendable func me(_ request: Request, context: AppRequestContext) async throws -> Response {
        try JSON.response(Me(try await StaffAuth.require(request, services: services)))
    }
}

/// Who a staff request comes from.
enum StaffAuth {
    /// The signed-in staff member, or `auth.required` (401). Cookie-authenticated requests that
    /// change something must come from our own pages (`Origin`), or `auth.origin` (403).
    static func require(_ request: Request, services: Services) async throws -> StaffSession {
        guard let token = request.cookies[AuthAPI.cookieName]?.value, !token.isEmpty,
            let session = try await services.store.session(token: token)
        else { throw QuhaoError(.authRequired) }
        if request.method != .get && request.method != .head {
            try checkOrigin(request, settings: services.settings, required: true)
        }
        return session
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
