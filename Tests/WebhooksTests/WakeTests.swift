import Foundation
import Testing

@testable import Webhooks

/// A waiting worker is woken by the signal, its limit or its cancellation, not by polling.
@Suite struct WakeTests {
    @Test func aSignalWakesEveryWaiterAtOnce() async throws {
        let wake = Wake()
        let seen = wake.current
        let started = ContinuousClock.now
        async let first: Void = wake.wait(after: seen, limit: .seconds(30))
        async let second: Void = wake.wait(after: seen, limit: .seconds(30))
        // One signal, whenever it lands: a waiter parked before it is resumed, one that parks after
        // it sees the generation moved and returns at once.
        wake.signal()
        _ = await (first, second)
        #expect(ContinuousClock.now - started < .seconds(30), "woken by the signal, not the limit")
        #expect(wake.current > seen)
    }

    @Test func aSignalBeforeTheWaitReturnsAtOnce() async {
        let wake = Wake()
        let seen = wake.current
        wake.signal()
        let started = ContinuousClock.now
        await wake.wait(after: seen, limit: .seconds(30))
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test func theLimitEndsAWaitWithoutASignal() async {
        let wake = Wake()
        await wake.wait(after: wake.current, limit: .milliseconds(20))
        #expect(wake.current == 0, "no signal was sent")
    }

    @Test func cancellingTheTaskEndsItsWait() async {
        let wake = Wake()
        let waiter = Task { await wake.wait(after: wake.current, limit: .seconds(300)) }
        waiter.cancel()
        await waiter.value
        #expect(wake.current == 0)
    }
}
