import NIOPosix
import QuhaoCore
import Synchronization

/// At most `capacity` photo uploads are read at once: each may hold up to the office's photo
/// limit in memory (six photos of 8 MB), so a burst of uploads cannot take the daemon's memory.
/// One more is refused (`evidence.busy`, 503 with Retry-After), not queued.
final class UploadGate: Sendable {
    let capacity: Int
    private let active = Mutex(0)

    init(capacity: Int = 4) { self.capacity = capacity }

    /// Runs `body` holding one of the places.
    /// - Throws: `evidence.busy` when every place is taken, or what `body` throws.
    func run<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        let entered = active.withLock { active -> Bool in
            guard active < capacity else { return false }
            active += 1
            return true
        }
        guard entered else { throw QuhaoError(.evidenceBusy) }
        defer { active.withLock { $0 -= 1 } }
        return try await body()
    }
}

/// Blocking file work (photos written and read) on NIO's thread pool, never on the cooperative
/// threads that answer every other request.
enum BlockingIO {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }
}
