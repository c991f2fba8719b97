/// The long-polls parked on a board: who waits on which site and until when, and the ids cancelled
/// before they parked. A value kept inside the board's actor: no tasks, no clock of its own, so
/// its rules (a cancelled id never parks, every waiter is answered once) are checked on their own.
struct WaiterRegistry {
    /// One parked poll: one callback and a deadline, nothing more (10,000 waiting phones must not
    /// mean 30,000 tasks).
    struct Waiter {
        let resume: @Sendable () -> Void
        let deadline: ContinuousClock.Instant
    }

    private var parked: [String: [UInt64: Waiter]] = [:]
    /// Ids cancelled before they parked. Emptied now and then: an id cancelled after it was
    /// answered is never seen again, and must not pile up.
    private var cancelledEarly: Set<UInt64> = []
    static let cancelledLimit = 10_000

    var isEmpty: Bool { parked.isEmpty }

    /// Polls waiting on a site.
    func count(_ siteID: String) -> Int { parked[siteID]?.count ?? 0 }

    /// Parks a poll.
    mutating func add(_ waiter: Waiter, id: UInt64, site siteID: String) {
        parked[siteID, default: [:]][id] = waiter
    }

    /// Takes a poll out because its client went away; one not parked yet is remembered so it never parks.
    /// - Returns: The waiter to answer, if it was parked.
    mutating func cancel(_ id: UInt64, site siteID: String) -> Waiter? {
        if let waiter = parked[siteID]?.removeValue(forKey: id) {
            if parked[siteID]?.isEmpty == true { parked[siteID] = nil }
            return waiter
        }
        if cancelledEarly.count > Self.cancelledLimit { cancelledEarly.removeAll() }
        cancelledEarly.insert(id)
        return nil
    }

    /// Whether `id` was cancelled before it parked; forgets it either way.
    mutating func wasCancelled(_ id: UInt64) -> Bool { cancelledEarly.remove(id) != nil }

    /// Every poll waiting on a site (it changed, or it is gone).
    mutating func takeAll(site siteID: String) -> [Waiter] {
        Array((parked.removeValue(forKey: siteID) ?? [:]).values)
    }

    /// Every poll (the daemon is stopping).
    mutating func takeAll() -> [Waiter] {
        defer { parked = [:] }
        return parked.values.flatMap(\.values)
    }

    /// The polls whose time is up at `now`.
    mutating func takeExpired(at now: ContinuousClock.Instant) -> [Waiter] {
        var expired: [Waiter] = []
        for (siteID, waiting) in parked {
            for (id, waiter) in waiting where waiter.deadline <= now {
                parked[siteID]?.removeValue(forKey: id)
                expired.append(waiter)
            }
            if parked[siteID]?.isEmpty == true { parked[siteID] = nil }
        }
        return expired
    }
}
