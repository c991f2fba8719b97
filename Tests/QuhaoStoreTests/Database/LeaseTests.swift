import Foundation
import QuhaoCore
import Testing

@testable import QuhaoStore

/// Leases on both engines: one daemon at a time holds a hall's printer or an endpoint's webhooks;
/// a lease lapses when its holder stops renewing it, and only its holder lets it go.
@Suite struct LeaseTests {
    @Test func oneHolderAtATimeUntilItsLeaseLapses() async throws {
        let clock = ManualClock(Fixture.morning)
        try await TestEngine.withTwoStores(clock: clock) { first, second in
            async let a = first.operations.hold("printer:hall", holder: "A", for: 10)
            async let b = second.operations.hold("printer:hall", holder: "B", for: 10)
            let answers = [try await a, try await b]
            #expect(answers.filter { $0 }.count == 1, "two daemons asking at once: \(answers)")
            let (holder, other) = answers[0] ? ("A", "B") : ("B", "A")
            #expect(try await second.operations.holder(of: "printer:hall") == holder)
            #expect(try await first.operations.hold("printer:hall", holder: holder, for: 10), "the holder renews")
            #expect(try await first.operations.hold("webhook:hall:crm", holder: other, for: 10), "another lease is its own")
            clock.advance(by: 9)
            #expect(try await second.operations.hold("printer:hall", holder: other, for: 10) == false, "renewed 9 s ago for 10 s")
            clock.advance(by: 2)
            #expect(try await first.operations.holder(of: "printer:hall") == nil, "lapsed")
            #expect(try await second.operations.hold("printer:hall", holder: other, for: 10), "the lease ran out")
            try await second.operations.release("printer:hall", holder: holder)
            #expect(try await first.operations.holder(of: "printer:hall") == other, "only the holder lets go")
            try await second.operations.release("printer:hall", holder: other)
            #expect(try await first.operations.holder(of: "printer:hall") == nil)
            #expect(try await first.operations.hold("printer:hall", holder: holder, for: 10), "let go: anyone takes it")
        }
    }

    /// A worker's lease: taken, not written again until a third of it has passed, and another's
    /// valid lease only looked at (a daemon not holding it writes nothing).
    @Test func aKeptLeaseRenewsAThirdOfTheWayAndLetsGo() async throws {
        let clock = ManualClock(Fixture.morning)
        try await TestEngine.withTwoStores(clock: clock) { first, second in
            let mine = KeptLease("webhook:hall:crm", holder: "A", lease: 30, operations: first.operations)
            let theirs = KeptLease("webhook:hall:crm", holder: "B", lease: 30, operations: second.operations)
            #expect(await mine.keep())
            #expect(await theirs.keep() == false)
            #expect(await mine.keep(), "kept (no write: renewed just now)")
            await mine.release()
            #expect(await theirs.keep(), "let go: the other daemon takes it")
            #expect(await mine.keep() == false)
            let holder = try await first.operations.holder(of: "webhook:hall:crm")
            #expect(holder == "B")
        }
    }
}
