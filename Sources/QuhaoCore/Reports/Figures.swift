import Foundation

/// Sums of ticket facts, and the waits to the minute: what every figure is computed from.
public struct FactsTally: Sendable, Hashable {
    public var tickets = 0
    public var byOrigin: [IssueOrigin: Int] = [:]
    public var called = 0
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

    /// Adds one ticket's facts (a ticket still open today, read live).
    public mutating func add(_ facts: TicketFacts) {
        tickets += 1
        byOrigin[facts.origin, default: 0] += 1
        if facts.called { called += 1 }
        if facts.served { served += 1 }
        if facts.noShow { noShow += 1 }
        if facts.cancelled { cancelled += 1 }
        if facts.expired { expired += 1 }
        if let wait = facts.waitSeconds {
            waitCount += 1
            waitSum += wait
            waitMinutes[Int(wait / 60), default: 0] += 1
        }
        if let walk = facts.walkSeconds {
            walkCount += 1
            walkSum += walk
        }
        if let service = facts.serviceSeconds {
            serviceCount += 1
            serviceSum += service
        }
        busySum += facts.busySeconds
    }

    /// Adds another tally.
    public mutating func add(_ other: FactsTally) {
        tickets += other.tickets
        byOrigin.merge(other.byOrigin, uniquingKeysWith: +)
        called += other.called
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

    /// The figures a report row shows.
    public var figures: TicketFigures {
        func average(_ sum: Double, _ count: Int) -> Double? { count > 0 ? (sum / Double(count) * 10).rounded() / 10 : nil }
        return TicketFigures(
            issued: tickets, issuedInHall: byOrigin[.hall] ?? 0, issuedRemote: byOrigin[.remote] ?? 0, issuedByStaff: byOrigin[.staff] ?? 0,
            called: called, served: served, noShow: noShow, cancelled: cancelled, expired: expired,
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
        case waitAverageSeconds = "wait_average_seconds"
        case waitP50Minutes = "wait_p50_minutes"
        case waitP90Minutes = "wait_p90_minutes"
        case walkAverageSeconds = "walk_average_seconds"
        case serviceAverageSeconds = "service_average_seconds"
        case busySeconds = "busy_seconds"
    }
}
