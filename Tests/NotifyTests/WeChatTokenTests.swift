import Foundation
import QuhaoCore
import Synchronization
import Testing

@testable import Notify

/// The official account's access token: fetched once for many sends, refreshed before it expires,
/// dropped when WeChat says it is no longer good, one fetch for callers that ask at once.
@Suite struct WeChatTokenTests {
    /// Hands out `token-1`, `token-2`…; while `held`, a fetch waits until `release()`.
    final class FakeServer: Sendable {
        let issued = Mutex(0)
        private let gate = Mutex<(held: Bool, parked: [CheckedContinuation<Void, Never>])>((false, []))

        init(held: Bool = false) { gate.withLock { $0.held = held } }

        func token() async throws -> WeChatTokenCache.Token {
            await withCheckedContinuation { continuation in
                let go = gate.withLock { state -> Bool in
                    guard state.held else { return true }
                    state.parked.append(continuation)
                    return false
                }
                if go { continuation.resume() }
            }
            let n = issued.withLock { count -> Int in
                count += 1
                return count
            }
            return .init(value: "token-\(n)", lifetime: 7200)
        }

        func release() {
            let parked = gate.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.held = false
                defer { state.parked = [] }
                return state.parked
            }
            for continuation in parked { continuation.resume() }
        }
    }

    @Test func cachedUntilNearItsExpiryThenRefreshed() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_796_000_000))
        let server = FakeServer()
        let cache = WeChatTokenCache(margin: 300, clock: clock) { try await server.token() }
        #expect(try await cache.token() == "token-1")
        clock.advance(by: 6899)
        #expect(try await cache.token() == "token-1", "still good: 7200 s less the 300 s margin")
        clock.advance(by: 1)
        #expect(try await cache.token() == "token-2", "refreshed 5 minutes before WeChat's expiry")
        #expect(await cache.fetches == 2)
    }

    @Test func manyCallersAtOnceMakeOneFetch() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_796_000_000))
        let server = FakeServer(held: true)
        let cache = WeChatTokenCache(clock: clock) { try await server.token() }
        let tokens = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { try await cache.token() } }
            // The server answers only once the other 19 wait for the one fetch under way.
            let deadline = ContinuousClock.now + .seconds(10)
            while await cache.waiting < 19 {
                guard ContinuousClock.now < deadline else { throw CancellationError() }
                await Task.yield()
            }
            server.release()
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(tokens.count == 20 && Set(tokens) == ["token-1"])
        #expect(server.issued.withLock { $0 } == 1)
    }

    @Test func anInvalidTokenAnswerDropsItAndTheNextSendFetchesAnew() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_796_000_000))
        let server = FakeServer()
        let cache = WeChatTokenCache(clock: clock) { try await server.token() }
        let first = try await cache.token()
        #expect(await cache.report(errorCode: 43101, for: first) == false, "user refused: the token is fine")
        #expect(try await cache.token() == first)
        #expect(await cache.report(errorCode: 42001, for: first), "expired early")
        #expect(await cache.report(errorCode: 40001, for: first) == false, "already dropped: once")
        #expect(try await cache.token() == "token-2")
    }
}
