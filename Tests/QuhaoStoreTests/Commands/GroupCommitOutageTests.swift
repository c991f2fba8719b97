import Foundation
import QuhaoCore
import Testing

@testable import QuhaoStore

/// Issues that find the database unreachable are refused at once.
@Suite struct GroupCommitOutageTests {
    /// An engine whose server cannot be reached: no transaction ever begins (what PostgreSQL's
    /// engine does while the server is down: the connection is refused before the body runs).
    struct Unreachable: StoreEngine {
        static let failure = PostgresFailure(kind: .unreachable, sqlState: nil, message: "connection refused")
        func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) throws -> T) async throws -> T { throw Self.failure }
        func writeInBackground(_ body: @escaping @Sendable (any SQLDatabase) throws -> Void, done: @escaping @Sendable ((any Error)?) -> Void) {
            DispatchQueue.global().async { done(Self.failure) }
        }
        func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) throws -> T) async throws -> T { throw Self.failure }
        func dropFreedPages() async throws {}
        func bytesOnDisk() -> Int64 { 0 }
    }

    @Test func issuesWhileTheServerIsDownAreRefusedAtOnceNotHeldUntilItReturns() async throws {
        let commit = GroupCommit(engine: Unreachable(), clock: ManualClock(Fixture.morning), observers: CommitObservers(), metrics: .none)
        // Twenty at once, each answer sent to a stream with a deadline beside them: before the fix
        // they waited for a server that never came (unstructured tasks: a hung one is left behind).
        let (answers, answer) = AsyncStream.makeStream(of: String.self)
        for _ in 0..<20 {
            Task {
                do {
                    try await commit.submit("hall") { _, _ in }
                    answer.yield("committed")
                } catch let error as QuhaoError {
                    answer.yield(error.code.rawValue)
                }
            }
        }
        // A deadline, not a wait for a condition: answers are due at once, and this bounds how
        // long the test waits for one that never comes (it fails then instead of hanging).
        Task {
            try await Task.sleep(for: .seconds(10))
            answer.yield("still waiting after 10 s")
        }
        var outcomes: [String] = []
        for await outcome in answers {
            outcomes.append(outcome)
            if outcomes.count == 20 || outcome.hasPrefix("still waiting") { break }
        }
        #expect(outcomes == Array(repeating: "storage.unavailable", count: 20))
    }
}
