import Foundation
import Hummingbird
import LiveBoard
import QuhaoCore
import QuhaoStore

/// A window's actions: `POST /api/v1/counters/{site}/{counter}/{action}`. Signed-in staff only,
/// and only at the windows their account is bound to (admins anywhere).
struct CounterAPI {
    let services: Services

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        for action in Action.allCases { routes.post(":site/:counter/\(action.rawValue)", use: handler(action)) }
        return routes
    }

    enum Action: String, CaseIterable {
        case callNext = "call-next"
        case recall, start, complete
        case noShow = "no-show"
        case transfer, pause, resume
    }

    /// Optional body: the ticket the console believes the window holds (a retried or stale
    /// click is refused with `ticket.stale` instead of acting on another ticket), and the
    /// target of a transfer.
    struct Body: Decodable {
        var expecting: Int64?
        var service: String?
    }

    /// A ticket as window staff see it: with its id and masked identity (never in public JSON).
    struct StaffTicket: Encodable {
        let id: Int64
        let number: String
        let state: String
        let service: String
        let priority: String
        let counter: Int?
        let recallCount: Int
        let transferCount: Int
        let identityMasked: String?
        let phoneMasked: String?
        let issuedAt: Date
        let calledAt: Date?
        let startedAt: Date?
        let alreadyHeld: Bool

        init(_ ticket: Ticket, alreadyHeld: Bool = false) {
            id = ticket.id
            number = ticket.number.description
            state = ticket.state.rawValue
            service = ticket.serviceID
            priority = ticket.priority.rawValue
            counter = ticket.counterID
            recallCount = ticket.recallCount
            transferCount = ticket.transferCount
            identityMasked = ticket.identityMasked
            phoneMasked = ticket.phoneMasked
            issuedAt = ticket.issuedAt
            calledAt = ticket.calledAt
            startedAt = ticket.startedAt
            self.alreadyHeld = alreadyHeld
        }
    }

    func handler(_ action: Action) -> @Sendable (Request, AppRequestContext) async throws -> Response {
        { request, context in
            let site = try context.parameters.require("site")
            let counter = try context.parameters.require("counter", as: Int.self)
            let session = try await StaffAuth.require(request, services: services)
            try Self.authorize(session.account, site: site, counter: counter)
            let body = try await PublicAPI.optionalBody(Body.self, request, context) ?? Body()
            let by = Initiator.staff(String(session.account.id))
            let store = services.store
            let result: Response
            switch action {
            case .callNext:
                let called = try await store.callNext(site: site, counter: counter, by: by)
                result = try JSON.response(StaffTicket(called.ticket, alreadyHeld: called.alreadyHeld))
            case .recall:
                result = try JSON.response(StaffTicket(try await store.recall(site: site, counter: counter, expecting: body.expecting, by: by)))
            case .start:
                result = try JSON.response(StaffTicket(try await store.start(site: site, counter: counter, expecting: body.expecting, by: by)))
            case .complete:
                result = try JSON.response(StaffTicket(try await store.complete(site: site, counter: counter, expecting: body.expecting, by: by)))
            case .noShow:
                result = try JSON.response(
                    StaffTicket(try await store.markNoShow(site: site, counter: counter, expecting: body.expecting, by: by)))
            case .transfer:
                guard let target = body.service else { throw QuhaoError(.requestInvalid, ["reason": "a transfer needs \"service\""]) }
                result = try JSON.response(
                    StaffTicket(try await store.transfer(site: site, counter: counter, to: target, expecting: body.expecting, by: by)))
            case .pause:
                try await store.pause(site: site, counter: counter, by: by)
                result = try JSON.response(["counter": String(counter), "status": "paused"])
            case .resume:
                try await store.resume(site: site, counter: counter, by: by)
                result = try JSON.response(["counter": String(counter), "status": "open"])
            }
            // No refresh here: staff answers come from the store; phones and displays learn of the
            // change through the commit hook, a moment later.
            return result
        }
    }

    /// Admins act anywhere; staff only at their site's windows listed on their account; inspectors at their own office.
    static func authorize(_ account: StaffAccount, site: String, counter: Int) throws {
        switch account.role {
        case .admin: return
        case .staff where account.siteID == site && account.counters.contains(counter): return
        case .inspector where account.siteID == site: return
        default: throw QuhaoError(.authForbidden)
        }
    }
}
