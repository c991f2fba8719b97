import Foundation
import Testing

@testable import QuhaoStore

@Suite struct PasswordHashingTests {
    /// Twice as many blocking jobs as the machine has cores, each waiting (up to 10 s) for a task
    /// started after them: on NIO's pool the task runs at once and lets them go; on the task threads
    /// (as bcrypt ran before) every thread would be inside a job and the task could not run.
    @Test func hashingLeavesTheTaskThreadsFree() async throws {
        let probeRan = DispatchSemaphore(value: 0)
        let jobs = ProcessInfo.processInfo.activeProcessorCount * 2
        let released = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<jobs {
                group.addTask { try await PasswordHashing.offloaded { probeRan.wait(timeout: .now() + 10) == .success } }
            }
            group.addTask {
                for _ in 0..<jobs { probeRan.signal() }
                return true
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(released.count == jobs + 1)
        #expect(released.allSatisfy { $0 }, "a job waited 10 s for a task that could not run")
    }

    @Test func hashesVerifyAndTheDecoySignsNobodyIn() async throws {
        let hash = try await PasswordHashing.hash("correct horse battery", cost: 4)
        #expect(try await PasswordHashing.verify("correct horse battery", hash: hash))
        #expect(try await !PasswordHashing.verify("wrong horse battery", hash: hash))
        #expect(try await !PasswordHashing.verify("quhao-decoy-password", hash: nil), "the decoy never signs anyone in")
    }
}
