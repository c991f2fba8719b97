import Foundation
import Synchronization
import Testing

@testable import QuhaoStore

@Suite struct PasswordHashingTests {
    /// Twice as many sign-ins as the machine has cores, all hashing at once: a task started after
    /// them still runs before any of them finishes. On the task threads (as before) every thread
    /// would be inside bcrypt and the task would wait for the first hash to end.
    @Test func hashingLeavesTheTaskThreadsFree() async throws {
        let hash = try await PasswordHashing.hash("correct horse battery", cost: 4)
        let finished = Finished()
        let signIns = ProcessInfo.processInfo.activeProcessorCount * 2
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<signIns {
                group.addTask {
                    _ = try await PasswordHashing.hash("a long password to hash", cost: 13)
                    finished.count.add(1, ordering: .sequentiallyConsistent)
                }
            }
            // Let the sign-ins reach their hashing before the probe is queued behind them.
            for _ in 0..<100 { await Task.yield() }
            let seenByProbe = await Task { finished.count.load(ordering: .sequentiallyConsistent) }.value
            #expect(seenByProbe == 0, "a task waited for \(seenByProbe) bcrypt hashes to end")
            try await group.waitForAll()
        }
        #expect(finished.count.load(ordering: .sequentiallyConsistent) == signIns)
        #expect(try await PasswordHashing.verify("correct horse battery", hash: hash))
        #expect(try await !PasswordHashing.verify("wrong horse battery", hash: hash))
        #expect(try await !PasswordHashing.verify("quhao-decoy-password", hash: nil), "the decoy never signs anyone in")
    }
}

/// Hashes finished so far.
final class Finished: Sendable {
    let count = Atomic<Int>(0)
}
