import Foundation
import QuhaoCore
import Testing

@testable import QuhaoStore

/// The print queue on both engines: slips in the order queued, a site's printer taken by one
/// daemon at a time, an outcome recorded once, and every daemon reading the same status.
@Suite struct PrintQueueTests {
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
        #expect(try await store.operations.hold(PrintQueue.lease(site: "hall"), holder: "B", for: 10))
        #expect(try await queue.sitesWaiting(for: "A") == [], "held by another")
        #expect(try await queue.sitesWaiting(for: "B") == ["hall"], "its holder")

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
