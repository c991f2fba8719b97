import Synchronization
import Testing

@testable import LiveBoard

@Suite struct WaiterRegistryTests {
    final class Answers: Sendable {
        let count = Atomic<Int>(0)
        func waiter(_ deadline: ContinuousClock.Instant) -> WaiterRegistry.Waiter {
            .init(resume: { self.count.add(1, ordering: .relaxed) }, deadline: deadline)
        }
        var value: Int { count.load(ordering: .relaxed) }
    }

    @Test func aCancelledIdNeverParksAndEveryWaiterIsTakenOnce() {
        var registry = WaiterRegistry()
        let answers = Answers()
        let now = ContinuousClock.now
        registry.add(answers.waiter(now + .seconds(30)), id: 1, site: "hall")
        registry.add(answers.waiter(now + .seconds(1)), id: 2, site: "hall")
        registry.add(answers.waiter(now + .seconds(30)), id: 3, site: "annex")
        #expect(registry.count("hall") == 2)
        // Cancelled before it parked: remembered once.
        let early = registry.cancel(9, site: "hall")
        #expect(early == nil)
        let (first, second) = (registry.wasCancelled(9), registry.wasCancelled(9))
        #expect(first && !second, "remembered once")
        let parked = registry.cancel(1, site: "hall")
        #expect(parked != nil)
        let expired = registry.takeExpired(at: now + .seconds(2))
        #expect(expired.count == 1, "only id 2's time is up")
        #expect(registry.count("hall") == 0)
        let annex = registry.takeAll(site: "annex")
        #expect(annex.count == 1)
        #expect(registry.isEmpty)
        let rest = registry.takeAll()
        #expect(rest.isEmpty)
        for waiter in expired + annex { waiter.resume() }
        #expect(answers.value == 2)
    }
}
