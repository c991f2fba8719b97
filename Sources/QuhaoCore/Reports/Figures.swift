import Foundation

/// Sums of ticket facts, and the waits to the minute: what every figure is computed from.
public struct FactsTally: Sendable, Hashable {
    public var tickets = 0
    public var byOrigin: [IssueOrigin: Int] = [:]
    /// Tickets called at all.
    public var called = 0
    /// Calls taken by windows: a ticket one window called and transferred and another called again counts at each.
    public var calls = 0
    /// Tickets a window took by a transfer (and called), and tickets it transferred on.
    public var transfersIn = 0
    public var transfersOut = 0
    public var served = 0
    public var noShow = 0
    public var cancelled = 0
    public var expired = 0
    public var waitCount = 0
    public var waitSum = 0.0
    public var walkCount = 0
    public var walkSum = 0.0
    public var serviceCount = 0
    public var serviceSum = 0.0
    public var busySum = 0.0
    /// Waits in whole minutes (rounded down) → how many.
    public var waitMinutes: [Int: Int] = [:]

    public init() {}

    /// The tally of one ticket where it ended (its share of ``TicketFacts/shares``).
    init(ticket facts: TicketFacts) {
        tickets = 1
        byOrigin[facts.origin] = 1
        if facts.called { called = 1 }
        if facts.calledThere { calls = 1 }
        if facts.transferredIn { transfersIn = 1 }
        if facts.served { served = 1 }
        if facts.noShow { noShow = 1 }
        if facts.cancelled { cancelled = 1 }
        if facts.expired { expired = 1 }
        if let wait = facts.waitSeconds {
            waitCount = 1
            waitSum = wait
            waitMinutes[Int(wait / 60)] = 1
        }
        if let walk = facts.walkSeconds {
            walkCount = 1
            walkSum = walk
        }
        if let service = facts.serviceSeconds {
            serviceCount = 1
            serviceSum = service
        }
        busySum = facts.busySeconds
    }

    /// The tally of a window that called a ticket and transferred it on: no ticket of its own.
    init(handover: TicketFacts.Handover) {
        calls = 1
        transfersOut = 1
        if handover.transferredIn { transfersIn = 1 }
        busySum = handover.busySeconds
    }

    /// Adds another tally.
    public mutating func add(_ other: FactsTally) {
        tickets += other.tickets
        byOrigin.merge(other.byOrigin, uniquingKeysWith: +)
        called += other.called
        calls += other.calls
        transfersIn += other.transfersIn
        transfersOut += other.transfersOut
        served += other.served
        noShow += other.noShow
        cancelled += other.cancelled
        expired += other.expired
        waitCount += other.waitCount
        waitSum += other.waitSum
        walkCount += other.walkCount
        walkSum += other.walkSum
        serviceCount += other.serviceCount
        serviceSum += other.serviceSum
        busySum += other.busySum
        waitMinutes.merge(other.waitMinutes, uniquingKeysWith: +)
    }

    /// The `p`-th percentile of the waits in whole minutes, nearest rank: the smallest minute at
    /// or below which at least `p` of the waits fall (`nil`: no waits).
    public func waitPercentile(_ p: Double) -> Int? {
        let total = waitMinutes.values.reduce(0, +)
        guard total > 0 else { return nil }
        let rank = max(1, Int((p * Double(total)).rounded(.up)))
        var seen = 0
        for minute in waitMinutes.keys.sorted() {
            seen += waitMinutes[minute]!
            if seen >= rank { return minute }
        }
        return waitMinutes.keys.max()
    }

    /// The figures a report row shows: by ticket (`called`: tickets called at all).
    public var figures: TicketFigures { figures(called: called) }

    /// The figures of a window's or a staff member's row: `called` is the calls they took (a
    /// ticket they transferred on counts for them as well as for whoever called it next).
    public var windowFigures: TicketFigures { figures(called: calls) }

    private func figures(called: Int) -> TicketFigures {
        func average(_ sum: Double, _ count: Int) -> Double? { count > 0 ? (sum / Double(count) * 10).rounded() / 10 : nil }
        return TicketFigures(
            issued: tickets, issuedInHall: byOrigin[.hall] ?? 0, issuedRemote: byOrigin[.remote] ?? 0, issuedByStaff: byOrigin[.staff] ?? 0,
            called: called, transferredIn: transfersIn, transferredOut: transfersOut, served: served, noShow: noShow, cancelled: cancelled,
            expired: expired,
            waitAverageSeconds: average(waitSum, waitCount), waitP50Minutes: waitPercentile(0.5), waitP90Minutes: waitPercentile(0.9),
            walkAverageSeconds: average(walkSum, walkCount), serviceAverageSeconds: average(serviceSum, serviceCount),
            busySeconds: (busySum * 10).rounded() / 10)
    }
}

/// One row's ticket figures. Averages in seconds (one decimal), percentiles in whole minutes.
public struct TicketFigures: Sendable, Hashable, Codable {
    public let issued: Int
    public let issuedInHall: Int
    public let issuedRemote: Int
    public let issuedByStaff: Int
    public let called: Int
    /// Tickets taken by a transfer from another window (and called), and tickets transferred on.
    public let transferredIn: Int
    public let transferredOut: Int
    public let served: Int
    public let noShow: Int
    public let cancelled: Int
    public let expired: Int
    public let waitAverageSeconds: Double?
    public let waitP50Minutes: Int?
    public let waitP90Minutes: Int?
    public let walkAverageSeconds: Double?
    public let serviceAverageSeconds: Double?
    public let busySeconds: Double

    enum CodingKeys: String, CodingKey {
        case issued, called, served, cancelled, expired
        case issuedInHall = "issued_in_hall"
        case issuedRemote = "issued_remote"
        case issuedByStaff = "issued_by_staff"
        case noShow = "no_show"
        case transferredIn = "transferred_in"
        case transferredOut = "transferred_out"
        case waitAverageSeconds = "wait_average_seconds"
        case waitP50Minutes = "wait_p50_minutes"
        case waitP90Minutes = "wait_p90_minutes"
        case walkAverageSeconds = "walk_average_seconds"
        case serviceAverageSeconds = "service_average_seconds"
        case busySeconds = "busy_seconds"
    }
}

/// One window's (or nobody's) part of a ticket's figures: the rows of the rollup it adds to.
public struct FactsShare: Sendable, Hashable {
    /// 0: no window.
    public let counterID: Int
    /// `staff:12`, or empty.
    public let staff: String
    public let tally: FactsTally
    /// That window's call of the ticket, and when it was done with it (the window's span).
    public let firstCall: Date?
    public let lastFinish: Date?
}

extension TicketFacts {
    /// What the ticket adds, and where: the ticket itself at the window that held it last, and a
    /// call, its time and a transfer out at each window that passed it on.
    public var shares: [FactsShare] {
        [FactsShare(counterID: counterID, staff: staff, tally: FactsTally(ticket: self), firstCall: firstCall, lastFinish: lastFinish)]
            + handovers.map {
                FactsShare(counterID: $0.counterID, staff: $0.staff, tally: FactsTally(handover: $0), firstCall: $0.call, lastFinish: $0.transfer)
            }
    }
}
