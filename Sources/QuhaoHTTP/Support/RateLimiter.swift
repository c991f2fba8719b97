import Foundation
import QuhaoCore
import Synchronization

/// Token buckets per client: `capacity` requests at once, refilled at `refillPerSecond`.
/// Buckets that are full again are forgotten, so memory stays bounded by recent clients.
final class RateLimiter: Sendable {
    struct Bucket {
        var tokens: Double
        var updated: Date
    }

    let capacity: Double
    let refillPerSecond: Double
    private let clock: any QuhaoClock
    private let buckets = Mutex<[String: Bucket]>([:])

    /// The refusal when a bucket is empty (`rate.limited`, or `auth.rate_limited` for sign-ins).
    let refusal: QuhaoError.Code

    init(capacity: Int, refillPerSecond: Double, clock: any QuhaoClock, refusal: QuhaoError.Code = .rateLimited) {
        self.refusal = refusal
        self.capacity = Double(capacity)
        self.refillPerSecond = refillPerSecond
        self.clock = clock
    }

    /// Takes one token for a client.
    /// - Throws: ``refusal`` with the seconds until a token is back.
    func take(_ client: String) throws {
        let now = clock.now()
        let wait: Double? = buckets.withLock { buckets in
            var bucket = buckets[client] ?? Bucket(tokens: capacity, updated: now)
            bucket.tokens = min(capacity, bucket.tokens + now.timeIntervalSince(bucket.updated) * refillPerSecond)
            bucket.updated = now
            guard bucket.tokens >= 1 else {
                buckets[client] = bucket
                return (1 - bucket.tokens) / refillPerSecond
            }
            bucket.tokens -= 1
            buckets[client] = bucket
            if buckets.count > 10_000 {
                // Forget clients whose buckets have refilled.
                buckets = buckets.filter { $0.value.tokens + now.timeIntervalSince($0.value.updated) * refillPerSecond < capacity }
            }
            return nil
        }
        if let wait { throw QuhaoError(refusal, ["seconds": String(Int(wait.rounded(.up)))]) }
    }
}
