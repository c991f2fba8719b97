import Foundation
import QuhaoCore

/// The official account's access token (WeChat's `cgi-bin/token`, or `stable_token`): fetched once,
/// kept until a few minutes before it expires, shared by every send. Callers that ask while it is
/// being fetched wait for that one fetch (WeChat limits the fetches a day, and a new token can
/// invalidate the old one); a send told the token is invalid or expired (errcode 40001, 40014,
/// 42001) drops it, so the next asks afresh.
public actor WeChatTokenCache {
    /// A token and its lifetime in seconds, as WeChat answers (`access_token`, `expires_in`).
    public struct Token: Sendable, Hashable {
        public let value: String
        public let lifetime: TimeInterval

        public init(value: String, lifetime: TimeInterval) {
            self.value = value
            self.lifetime = lifetime
        }
    }

    /// The error codes that mean the token is no longer good.
    public static let invalidTokenCodes: Set<Int> = [40001, 40014, 42001]

    private let fetch: @Sendable () async throws -> Token
    private let clock: any QuhaoClock
    /// Refreshed this long before WeChat's expiry (its clock and ours differ; a send takes time).
    private let margin: TimeInterval
    private var current: (value: String, until: Date)?
    private var pending: Task<Token, any Error>?
    /// How many times a token was fetched (for the status and the tests).
    public private(set) var fetches = 0
    /// Callers waiting for the fetch under way.
    public private(set) var waiting = 0

    public init(margin: TimeInterval = 300, clock: any QuhaoClock, fetch: @escaping @Sendable () async throws -> Token) {
        self.margin = margin
        self.clock = clock
        self.fetch = fetch
    }

    /// A token good for now: the one kept, or a new one (one fetch for everyone waiting).
    public func token() async throws -> String {
        if let current, clock.now() < current.until { return current.value }
        if let pending {
            waiting += 1
            defer { waiting -= 1 }
            return try await pending.value.value
        }
        let task = Task { try await fetch() }
        pending = task
        fetches += 1
        defer { pending = nil }
        let fetched = try await task.value
        current = (fetched.value, clock.now().addingTimeInterval(max(0, fetched.lifetime - margin)))
        return fetched.value
    }

    /// A send answered with `code`: the token is dropped when the code says it is no longer good.
    /// - Returns: Whether it was dropped (the send may be tried once more with a new token).
    @discardableResult
    public func report(errorCode code: Int, for value: String) -> Bool {
        guard Self.invalidTokenCodes.contains(code), current?.value == value else { return false }
        current = nil
        return true
    }
}
