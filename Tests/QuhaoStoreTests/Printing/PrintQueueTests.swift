import Foundation
import QuhaoCore
import Testing

@testable import QuhaoStore

/// The print queue on both engines: one holder per site's printer at a time, leases that lapse,
/// slips in the order queued, an outcome recorded once, and every daemon reading the same status.
@Suite struct PrintQueueTests {
    @Test func onePrinterOneHolderUntilItsLeaseLapses() async throws {
        let clock = ManualClock(Fixture.morning)
        try await TestEngine.withTwoStores(clock: clock) { first, second in
            async let a = first.printQueue.hold(site: "hall", holder: "A", lease: 10)
            async let b = second.printQueue.hold(site: "hall", holder: "B", lease: 10)
            let answers = [try await a, try await b]
            #expect(answers.filter { $0 }.count == 1, "two daemons asking at once: \(answers)")
            let (holder, other) = answers[0] ? ("A", "B") : ("B", "A")
            #expect(try await first.printQueue.hold(site: "hall", holder: holder, lease: 10), "the holder renews")
            clock.advance(by: 9)
            #expect(try await second.printQueue.hold(site: "hall", holder: other, lease: 10) == false, "renewed 9 s ago for 10 s")
            clock.advance(by: 2)
            #expect(try await second.printQueue.hold(site: "hall", holder: other, lease: 10), "the lease ran out")
            #expect(try await first.printQueue.printer(site: "hall")?.holder == other)
            try await second.printQueue.release(site: "hall", holder: holder)
            #expect(try await first.printQueue.printer(site: "hall")?.holder == other, "only the holder lets go")
            try await second.printQueue.release(site: "hall", holder: other)
            #expect(try await first.printQueue.hold(site: "hall", holder: holder, lease: 10), "let go: anyone takes it")
        }
    }

    @Test func slipsWaitInOrderAndSettleOnce() async throws {
        let (store, clock) = try await Fixture.store()
        let queue = store.printQueue
        var ids: [Int64] = []
        for byte in UInt8(1)...3 {
            ids.append(try #require(try await queue.enqueue(site: "hall", target: "tcp://printer:9100", bytes: [byte, 0, 255], capacity: 3)))
        }
        #expect(try await queue.enqueue(site: "hall", target: "tcp://printer:9100", bytes: [4], capacity: 3) == nil, "three wait: full")
        #expect(try await queue.sitesWaiting(for: "A") == ["hall"])
        let waiting = try await queue.waiting(site: "hall", limit: 10)
        #expect(waiting.map(\.id) == ids)
        #expect(waiting.map(\.bytes) == [[1, 0, 255], [2, 0, 255], [3, 0, 255]])
        #expect(waiting.allSatisfy { $0.queuedAt == clock.now() && $0.target == "tcp://printer:9100" })
        #expect(try await queue.hold(site: "hall", holder: "B", lease: 10))
        #expect(try await queue.sitesWaiting(for: "A") == [], "held by another")

        try await queue.finish(waiting[0], holder: "B", result: PrintJobResult(outcome: .printed))
        try await queue.finish(waiting[0], holder: "A", result: PrintJobResult(outcome: .failed, problemZH: "缺纸", problemEN: "paper"))
        #expect(try await queue.result(of: ids[0]) == PrintJobResult(outcome: .printed), "the first outcome stands")
        try await queue.finish(waiting[1], holder: "B", result: PrintJobResult(outcome: .failed, problemZH: "缺纸", problemEN: "out of paper"))
        var printer = try #require(try await queue.printer(site: "hall"))
        #expect(printer.ok == false && printer.problemZH == "缺纸" && printer.problemEN == "out of paper" && printer.printed == 1)
        try await queue.finish(waiting[2], holder: "B", result: PrintJobResult(outcome: .expired))
        printer = try #require(try await queue.printer(site: "hall"))
        #expect(printer.ok == false && printer.printed == 1, "an expired slip says nothing of the printer")
        #expect(try await queue.result(of: ids[2])?.outcome == .expired)
        #expect(try await queue.waiting(site: "hall", limit: 10).isEmpty)
        #expect(try await queue.sitesWaiting(for: "B") == [])

        clock.advance(by: 86_401)
        let fresh = try #require(try await queue.enqueue(site: "hall", target: "tcp://printer:9100", bytes: [5], capacity: 3))
        try await queue.finish(
            try #require(try await queue.waiting(site: "hall", limit: 1).first), holder: "B", result: PrintJobResult(outcome: .printed))
        #expect(try await queue.purge(settledBefore: clock.now().addingTimeInterval(-86_400)) == 3, "a day old: gone")
        #expect(try await queue.result(of: ids[0]) == nil)
        #expect(try await queue.result(of: fresh)?.outcome == .printed, "today's kept")
        #expect(try await queue.printers()["hall"]?.printed == 2)
    }
}
