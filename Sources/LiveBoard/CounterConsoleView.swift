import Foundation
import QuhaoCore

/// A ticket as window staff see it: with its id (for `expecting`) and the masked identity and
/// phone, which public views never carry.
public struct StaffTicketView: Codable, Sendable, Equatable {
    public let id: Int64
    public let number: String
    public let state: String
    public let service: String
    public let serviceName: String
    public let serviceNameEn: String?
    public let priority: String
    public let channel: String
    public let counter: Int?
    public let recallCount: Int
    public let transferCount: Int
    public let identityMasked: String?
    public let phoneMasked: String?
    public let issuedAt: Date
    public let calledAt: Date?
    public let startedAt: Date?
    /// From taking the number to the call (or to now, while it waits).
    public let waitedSeconds: Int
    /// `true` when a call answered with the ticket the window already held (a double press).
    public let alreadyHeld: Bool

    public init(_ ticket: Ticket, site: Site, now: Date, alreadyHeld: Bool = false) {
        let service = site.service(ticket.serviceID)
        id = ticket.id
        number = ticket.number.description
        state = ticket.state.rawValue
        self.service = ticket.serviceID
        serviceName = service?.name.zh ?? ticket.serviceID
        serviceNameEn = service?.name.en
        priority = ticket.priority.rawValue
        channel = ticket.channel.rawValue
        counter = ticket.counterID
        recallCount = ticket.recallCount
        transferCount = ticket.transferCount
        identityMasked = ticket.identityMasked
        phoneMasked = ticket.phoneMasked
        issuedAt = ticket.issuedAt
        calledAt = ticket.calledAt
        startedAt = ticket.startedAt
        waitedSeconds = max(0, Int((ticket.calledAt ?? now).timeIntervalSince(ticket.issuedAt)))
        self.alreadyHeld = alreadyHeld
    }
}

/// One window's console (`GET /api/v1/counters/{site}/{counter}`): what the window holds, the
/// queues it calls from, its last calls and today's figures. Cut from the live snapshot.
public struct CounterConsoleView: Codable, Sendable, Equatable {
    public struct CounterHeader: Codable, Sendable, Equatable {
        public let id: Int
        public let name: String?
        public let nameEn: String?
        public let paused: Bool
        public let services: [String]
    }

    public struct QueueView: Codable, Sendable, Equatable {
        public let service: String
        public let prefix: String
        public let name: String
        public let nameEn: String?
        /// Waiting in the hall (callable now).
        public let waiting: Int
        /// Taken away from the hall, not yet checked in.
        public let remote: Int
        /// The head of this queue alone (green channel first, then by place): a window serving several queues, or an appointment, may call another.
        public let next: String?
    }

    public struct ServiceRef: Codable, Sendable, Equatable {
        public let id: String
        public let prefix: String
        public let name: String
        public let nameEn: String?
    }

    public struct RatingSummary: Codable, Sendable, Equatable {
        /// Mean of today's ratings at this window, 1…5; `nil` before the first.
        public let average: Double?
        public let count: Int
    }

    public let site: BoardView.SiteHeader
    public let day: String
    /// When the view was cut: clients count waiting times from it, not from their own clock.
    public let now: Date
    public let counter: CounterHeader
    public let current: StaffTicketView?
    public let queues: [QueueView]
    /// Every business type: targets of a transfer and of issuing on a visitor's behalf.
    public let services: [ServiceRef]
    /// This window's calls and recalls, newest first.
    public let recentCalls: [BoardView.CallView]
    public let servedToday: Int
    public let rating: RatingSummary
}

extension CounterConsoleView {
    /// The console of one window, or `nil` when the site has no such window.
    /// - Parameter now: The time of the request (the snapshot may be older); defaults to when the day was read.
    public init?(_ day: SiteDay, counter counterID: Int, now: Date? = nil, recentCallLimit: Int = 8) {
        let now = now ?? day.now
        guard let status = day.counters.first(where: { $0.counter.id == counterID }) else { return nil }
        let site = day.site
        let counter = status.counter
        // One pass over the day, copying no ticket: the console is polled all day long, and a
        // busy day is tens of thousands of tickets (grouping and sorting them per request made
        // each poll cost milliseconds).
        var waiting: [String: Int] = [:]
        var remote: [String: Int] = [:]
        var head: [String: Ticket] = [:]
        var servedToday = 0
        var scores: [Int] = []
        for ticket in day.tickets {
            switch ticket.state {
            case .waiting:
                waiting[ticket.serviceID, default: 0] += 1
                if let current = head[ticket.serviceID], !QueueOrder.precedes(ticket, current) { continue }
                head[ticket.serviceID] = ticket
            case .remote:
                remote[ticket.serviceID, default: 0] += 1
            case .done where ticket.counterID == counterID:
                servedToday += 1
                if let score = day.ratings[ticket.id] { scores.append(score) }
            default:
                break
            }
        }
        self.init(
            site: BoardView.SiteHeader(site),
            day: day.day.iso, now: now,
            counter: CounterHeader(
                id: counter.id, name: counter.name?.zh, nameEn: counter.name?.en, paused: status.paused, services: counter.services),
            current: status.current.map { StaffTicketView($0, site: site, now: now) },
            queues: counter.services.compactMap { site.service($0) }.map { service in
                QueueView(
                    service: service.id, prefix: service.prefix, name: service.name.zh, nameEn: service.name.en,
                    waiting: waiting[service.id] ?? 0, remote: remote[service.id] ?? 0, next: head[service.id]?.number.description)
            },
            services: site.services.map { ServiceRef(id: $0.id, prefix: $0.prefix, name: $0.name.zh, nameEn: $0.name.en) },
            recentCalls: day.recentCalls.filter { $0.counterID == counterID }.prefix(recentCallLimit).map { BoardView.CallView($0, site: site) },
            servedToday: servedToday,
            rating: RatingSummary(
                average: scores.isEmpty ? nil : (Double(scores.reduce(0, +)) / Double(scores.count) * 100).rounded() / 100,
                count: scores.count))
    }
}
