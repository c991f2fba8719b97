import Foundation
import QuhaoCore

/// The public board of a site: what displays and the take-a-number page show. No ids, no
/// identities: numbers, windows and counts only. Encoded with snake_case keys.
public struct BoardView: Codable, Sendable, Equatable {
    public struct SiteHeader: Codable, Sendable, Equatable {
        public let id: String
        public let name: String
        public let nameEn: String?
        public let kind: String
        public let timeZone: String
        /// The language calls are spoken in (`zh`, `en`).
        public let announceLanguage: String
    }

    public struct ServiceView: Codable, Sendable, Equatable {
        public let id: String
        public let prefix: String
        public let name: String
        public let nameEn: String?
        /// Whether numbers can be taken now (opening hours).
        public let open: Bool
        public let waiting: Int
        public let remote: Int
        /// For someone joining now.
        public let estimatedWaitSeconds: Int?
        public let identity: String
        public let phone: String
        public let dailyCap: Int?
        public let issuedToday: Int
    }

    public struct CounterView: Codable, Sendable, Equatable {
        public let id: Int
        public let name: String?
        public let nameEn: String?
        public let paused: Bool
        public let services: [String]
        /// The number it holds, if any.
        public let current: String?
        public let currentState: String?
    }

    public struct CallView: Codable, Sendable, Equatable {
        /// Rises with every call and recall at the site: a display announces each id once.
        public let id: Int64
        public let number: String
        public let counter: Int
        public let at: Date
        public let recall: Bool
        /// What a display shows: 「请 A023 号到 3 号窗口办理」.
        public let text: String
        /// The words a speech engine is given: 「请 A零二三 号到三号窗口办理」.
        public let spoken: String
    }

    public let site: SiteHeader
    public let day: String
    public let services: [ServiceView]
    public let counters: [CounterView]
    /// Newest first.
    public let recentCalls: [CallView]
}

/// One ticket as its holder sees it (`GET /api/v1/tickets/{token}`). No id, no identity.
public struct TicketView: Codable, Sendable, Equatable {
    public let number: String
    public let site: String
    public let siteName: String
    public let service: String
    public let serviceName: String
    public let serviceNameEn: String?
    public let day: String
    public let state: String
    public let priority: String
    /// Waiting tickets of its service called before it (waiting and remote tickets only).
    public let peopleAhead: Int?
    public let estimatedWaitSeconds: Int?
    /// The window it is called to (called and serving).
    public let counter: Int?
    public let calledAt: Date?
    public let recallCount: Int
    public let transferCount: Int
    public let issuedAt: Date
    public let canCancel: Bool
    public let canCheckIn: Bool
    /// The visitor's rating, once given.
    public let rating: Int?
    /// Done and not rated yet.
    public let canRate: Bool
}

extension TicketView {
    /// The view of a ticket, given its place in the day (`nil` ahead for tickets of other days).
    public init(_ ticket: Ticket, site: Site, peopleAhead: Int?, estimatedWait: TimeInterval?, rating: Int?) {
        let service = site.services.first { $0.id == ticket.serviceID }
        self.init(
            number: ticket.number.description, site: site.id, siteName: site.name.zh, service: ticket.serviceID,
            serviceName: service?.name.zh ?? ticket.serviceID, serviceNameEn: service?.name.en, day: ticket.day.iso,
            state: ticket.state.rawValue, priority: ticket.priority.rawValue, peopleAhead: peopleAhead,
            estimatedWaitSeconds: estimatedWait.map { Int($0.rounded()) },
            counter: [.called, .serving].contains(ticket.state) ? ticket.counterID : nil, calledAt: ticket.calledAt,
            recallCount: ticket.recallCount, transferCount: ticket.transferCount, issuedAt: ticket.issuedAt,
            canCancel: [.remote, .waiting, .called].contains(ticket.state), canCheckIn: ticket.state == .remote, rating: rating,
            canRate: ticket.state == .done && rating == nil)
    }
}

extension BoardView {
    /// The board of a site's day.
    public init(_ day: SiteDay) {
        let site = day.site
        // One pass over the day (it is rebuilt after every change, and a busy day is long).
        var issued: [String: Int] = [:]
        var waitingBy: [String: Int] = [:]
        var remoteBy: [String: Int] = [:]
        for ticket in day.tickets {
            issued[ticket.number.prefix] = max(issued[ticket.number.prefix] ?? 0, ticket.number.sequence)
            switch ticket.state {
            case .waiting: waitingBy[ticket.serviceID, default: 0] += 1
            case .remote: remoteBy[ticket.serviceID, default: 0] += 1
            default: break
            }
        }
        self.init(
            site: SiteHeader(site),
            day: day.day.iso,
            services: site.services.map { service in
                let waiting = waitingBy[service.id] ?? 0
                return ServiceView(
                    id: service.id, prefix: service.prefix, name: service.name.zh, nameEn: service.name.en,
                    open: service.hours?.isOpen(at: day.now, in: site.zone) ?? true, waiting: waiting,
                    remote: remoteBy[service.id] ?? 0,
                    estimatedWaitSeconds: day.estimatedWait(service: service.id, ahead: waiting).map { Int($0.rounded()) },
                    identity: service.identity.rawValue, phone: service.phone.rawValue, dailyCap: service.dailyCap,
                    issuedToday: issued[service.prefix] ?? 0)
            },
            counters: day.counters.map { status in
                CounterView(
                    id: status.counter.id, name: status.counter.name?.zh, nameEn: status.counter.name?.en, paused: status.paused,
                    services: status.counter.services, current: status.current?.number.description,
                    currentState: status.current?.state.rawValue)
            },
            recentCalls: day.recentCalls.prefix(SiteDay.recentCallsPerCounter).map { CallView($0, site: site) })
    }
}

extension BoardView.SiteHeader {
    /// The header of a site.
    public init(_ site: Site) {
        self.init(
            id: site.id, name: site.name.zh, nameEn: site.name.en, kind: site.kind.rawValue, timeZone: site.timeZone,
            announceLanguage: site.announce.language.rawValue)
    }
}

extension BoardView.CallView {
    /// A call as displays show it and speech engines say it, in the site's style.
    public init(_ call: AnnouncedCall, site: Site) {
        let announcement = Announcement(number: call.number, counter: call.counterID)
        self.init(
            id: call.id, number: call.number.description, counter: call.counterID, at: call.at, recall: call.isRecall,
            text: announcement.shown(in: site.announce.language), spoken: announcement.spoken(site.announce))
    }
}
