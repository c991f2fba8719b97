import Foundation

/// A window at a glance.
public struct CounterStatus: Sendable, Hashable {
    public let counter: Counter
    public let paused: Bool
    /// The called or serving ticket it holds.
    public let current: Ticket?

    public init(counter: Counter, paused: Bool, current: Ticket?) {
        self.counter = counter
        self.paused = paused
        self.current = current
    }
}

/// A call as announced: which number went to which window, when.
public struct AnnouncedCall: Sendable, Hashable {
    /// Rises with every call and recall at the site: tells two calls of one number apart, even
    /// within the same second.
    public let id: Int64
    public let number: TicketNumber
    public let counterID: Int
    public let at: Date
    /// `true` for a recall (the same number called again).
    public let isRecall: Bool

    public init(id: Int64, number: TicketNumber, counterID: Int, at: Date, isRecall: Bool) {
        self.id = id
        self.number = number
        self.counterID = counterID
        self.at = at
        self.isRecall = isRecall
    }
}

/// Everything about one site's business day that boards and ticket pages show, read in one go.
public struct SiteDay: Sendable {
    public let site: Site
    public let day: BusinessDay
    /// When it was read.
    public let now: Date
    /// The day's tickets, in issue order.
    public let tickets: [Ticket]
    public let counters: [CounterStatus]
    /// Seconds per visitor per service (moving average, or the configured default).
    public let averageServiceSeconds: [String: TimeInterval]
    /// Calls and recalls, newest first: each window's latest ``recentCallsPerCounter`` (so the
    /// site's latest that many are all here too).
    public let recentCalls: [AnnouncedCall]
    public static let recentCallsPerCounter = 12
    /// Ratings given today, by ticket.
    public let ratings: [Ticket.ID: Int]

    public init(
        site: Site, day: BusinessDay, now: Date, tickets: [Ticket], counters: [CounterStatus], averageServiceSeconds: [String: TimeInterval],
        recentCalls: [AnnouncedCall], ratings: [Ticket.ID: Int] = [:]
    ) {
        self.ratings = ratings
        self.site = site
        self.day = day
        self.now = now
        self.tickets = tickets
        self.counters = counters
        self.averageServiceSeconds = averageServiceSeconds
        self.recentCalls = recentCalls
    }

    /// Windows serving a service that are not paused.
    public func openCounters(serving serviceID: String) -> Int {
        counters.filter { !$0.paused && $0.counter.services.contains(serviceID) }.count
    }

    /// The estimated wait for someone with `ahead` people before them in a service's queue.
    public func estimatedWait(service serviceID: String, ahead: Int) -> TimeInterval? {
        WaitEstimator.estimate(
            peopleAhead: ahead, openCounters: openCounters(serving: serviceID),
            averageServiceSeconds: averageServiceSeconds[serviceID] ?? 300)
    }
}

extension SiteDay {
    /// One of the day's tickets by id.
    public func ticket(id: Ticket.ID) -> Ticket? { tickets.ticket(id: id) }
}

extension [Ticket] {
    /// A ticket by id in an array in id order (binary search).
    public func ticket(id: Ticket.ID) -> Ticket? {
        let index = partitioningIndex { $0.id >= id }
        return index < endIndex && self[index].id == id ? self[index] : nil
    }
}

extension RandomAccessCollection {
    /// The first index where `belongs` turns true, for a collection where it is false then true (binary search).
    public func partitioningIndex(where belongs: (Element) -> Bool) -> Index {
        var low = startIndex
        var high = endIndex
        while low < high {
            let middle = index(low, offsetBy: distance(from: low, to: high) / 2)
            if belongs(self[middle]) { high = middle } else { low = index(after: middle) }
        }
        return low
    }
}
