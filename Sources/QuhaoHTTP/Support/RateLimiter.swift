import Foundation
import QuhaoCore
import Synchronization

/// Token buckets per client: `capacity` requests at once, refilled at `refillPerSecond`.
///
/// Memory stays bounded and upkeep is O(1) per request: buckets live in two generations. Every
/// full-refill time (`capacity / refillPerSecond`) the current generation becomes the previous one
/// and the old previous one is dropped whole; a client found only in the previous generation moves
/// back to the current. A client unseen for two full-refill times is forgotten, and its bucket
/// would have been full again anyway. More than ``maxClients`` in one generation rotates early (a
/// flood of addresses then forgets buckets sooner, never grows the table).
final class RateLimiter: Sendable {
    struct Bucket {
        var tokens: Double
        var updated: Date
    }

    struct Generations {
        var current: [String: Bucket] = [:]
        var previous: [String: Bucket] = [:]
        var rotated: Date
    }

    let capacity: Double
    let refillPerSecond: Double
    /// Clients kept per generation at most.
    let maxClients: Int
    private let clock: any QuhaoClock
    private let table: Mutex<Generations>

    /// The refusal when a bucket is empty (`rate.limited`, or `auth.rate_limited` for sign-ins).
    let refusal: QuhaoError.Code

    init(capacity: Int, refillPerSecond: Double, clock: any QuhaoClock, refusal: QuhaoError.Code = .rateLimited, maxClients: Int = 50_000) {
        self.refusal = refusal
        self.capacity = Double(capacity)
        self.refillPerSecond = refillPerSecond
        self.maxClients = maxClients
        self.clock = clock
        self.table = Mutex(Generations(rotated: clock.now()))
    }

    /// Seconds an empty bucket takes to fill.
    var fullRefill: Double { capacity / refillPerSecond }

    /// Takes one token for a client (with `consume: false`, only checks that one is there).
    /// - Throws: ``refusal`` with the seconds until a token is back.
    func take(_ client: String, consume: Bool = true) throws {
        let now = clock.now()
        let wait: Double? = table.withLock { table in
            if now.timeIntervalSince(table.rotated) >= fullRefill || table.current.count >= maxClients {
                table.previous = table.current
                table.current = [:]
                table.rotated = now
                // Two full-refill times without a request: the old previous generation is dropped above.
            }
            var bucket = table.current[client] ?? table.previous.removeValue(forKey: client) ?? Bucket(tokens: capacity, updated: now)
            bucket.tokens = min(capacity, bucket.tokens + max(0, now.timeIntervalSince(bucket.updated)) * refillPerSecond)
            bucket.updated = now
            defer { table.current[client] = bucket }
            guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / refillPerSecond }
            if consume { bucket.tokens -= 1 }
            return nil
        }
        if let wait { throw QuhaoError(refusal, ["seconds": String(Int(wait.rounded(.up)))]) }
    }

    /// Gives back part of a token taken for a request that was refused for a mistake in what was
    /// typed (found by a walk: a visitor who mistyped an ID five times was told to wait). Only
    /// part: a flood of bad requests is still bounded (``mistakeCost``).
    func refundMistake(_ client: String) {
        table.withLock { table in
            guard var bucket = table.current[client] else { return }
            bucket.tokens = min(capacity, bucket.tokens + 1 - Self.mistakeCost)
            table.current[client] = bucket
        }
    }

    /// What a request refused for a typing mistake costs, in tokens: a fifth (five mistakes cost one number's token).
    static let mistakeCost = 0.2

    /// Clients remembered now (tests).
    var clientCount: Int { table.withLock { $0.current.count + $0.previous.count } }
}

extension RateLimiter {
    /// Runs `work` (after ``take(_:consume:)``), giving part of the token back when it is refused
    /// for a mistake in what the visitor typed (an ID, a phone): see ``refundMistake(_:)``.
    func refundingMistakes<T>(_ client: String, _ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let error as QuhaoError where Self.typingMistakes.contains(error.code) {
            refundMistake(client)
            throw error
        }
    }

    /// Refusals of what was typed, not of the request itself (a take-over code too: five wrong
    /// tries burn it, and a number gets five codes a day).
    static let typingMistakes: Set<QuhaoError.Code> = [
        .identityRequired, .identityNotAccepted, .identityFormat, .identityChecksum, .identityBirthDate, .identityRegion, .phoneRequired,
        .phoneFormat, .ticketClaimInvalid,
    ]
}
