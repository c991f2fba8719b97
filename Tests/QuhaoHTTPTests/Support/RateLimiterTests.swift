import Foundation
import QuhaoCore
import Testing

@testable import QuhaoHTTP

@Suite struct RateLimiterTests {
    @Test func aBurstThenARefusalWithTheWaitThenTheAllowanceComesBack() throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let limiter = RateLimiter(capacity: 3, refillPerSecond: 0.5, clock: clock)
        for _ in 0..<3 { try limiter.take("a") }
        let refused = #expect(throws: QuhaoError.self) { try limiter.take("a") }
        #expect(refused?.code == .rateLimited)
        #expect(refused?.parameters["seconds"] == "2")
        try limiter.take("b")
        clock.advance(by: 2)
        try limiter.take("a")
        #expect(throws: QuhaoError.self) { try limiter.take("a") }
    }

    /// Found by a walk: a visitor who mistyped an ID five times was told to wait before taking a
    /// number. A typing mistake costs a fifth of a token; any other refusal, a whole one.
    @Test func aTypingMistakeCostsAFifthOfATokenOtherRefusalsAWholeOne() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let limiter = RateLimiter(capacity: 2, refillPerSecond: 1.0 / 30, clock: clock)
        func attempt(_ code: QuhaoError.Code) async {
            do {
                try limiter.take("a")
                _ = try await limiter.refundingMistakes("a") { () async throws -> Int in throw QuhaoError(code) }
            } catch {}
        }
        // Four mistakes cost 0.8 of the 2 tokens (whole tokens: the third would be refused): the number can still be taken.
        for _ in 0..<4 { await attempt(.identityChecksum) }
        try limiter.take("a")
        #expect(throws: QuhaoError.self) { try limiter.take("a") }
        // A refusal of the request itself (the day's cap) costs its whole token.
        clock.advance(by: 60)
        await attempt(.serviceDailyCapReached)
        try limiter.take("a")
        #expect(throws: QuhaoError.self) { try limiter.take("a") }
    }

    /// Before, past 10,000 clients every request filtered the whole table (O(n) each: a flood of
    /// addresses made each request slower), and clients still refilling were never forgotten.
    @Test func idleClientsAreForgottenAndTheTableStaysBounded() throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let limiter = RateLimiter(capacity: 5, refillPerSecond: 1, clock: clock, maxClients: 1_000)
        for client in 0..<900 { try limiter.take("10.0.\(client / 256).\(client % 256)") }
        #expect(limiter.clientCount == 900)
        // An active client keeps its state across a rotation (every 5 s here): it is still empty.
        clock.advance(by: 4.9)
        for _ in 0..<5 { try limiter.take("busy") }
        clock.advance(by: 0.2)
        #expect(throws: QuhaoError.self) { try limiter.take("busy") }
        // Two full-refill times after they were last seen, the 900 are gone; the busy one stays.
        clock.advance(by: 5.1)
        try limiter.take("busy")
        #expect(limiter.clientCount == 1, "\(limiter.clientCount) clients remembered")
        // A flood of new addresses never grows the table past two generations.
        for client in 0..<20_000 { try limiter.take("flood-\(client)") }
        #expect(limiter.clientCount <= 2_000)
        #expect(limiter.clientCount >= 1_000)
    }
}
