import HummingbirdBcrypt
import NIOPosix

/// bcrypt, off the cooperative pool: a hash takes ~0.2 s of CPU on purpose, and on a 2-core hall
/// server two sign-ins hashing on the task threads would stall every request and board rebuild
/// behind them. The work runs on NIO's blocking-work thread pool, as Hummingbird's own examples do.
public enum PasswordHashing {
    /// bcrypt cost: ~0.2 s a hash on the hall PC; slow on purpose.
    public static let cost: UInt8 = 12

    /// The hash of a password.
    public static func hash(_ password: String, cost: UInt8 = cost) async throws -> String {
        try await offloaded { Bcrypt.hash(password, cost: cost) }
    }

    /// Whether a password matches a hash; `nil` hash: checks against the decoy, so an unknown login
    /// costs what a known one does, and answers `false`.
    public static func verify(_ password: String, hash: String?) async throws -> Bool {
        try await offloaded {
            let matches = Bcrypt.verify(password, hash: hash ?? decoy)
            return hash != nil && matches
        }
    }

    /// Builds the decoy hash now (the daemon does it at start, beside opening its socket), so the
    /// first unknown login does not pay for it and take twice as long as a known one. A login that
    /// comes sooner waits for the same one hash (a lazily made constant), never makes a second.
    public static func prepare() async throws {
        _ = try await offloaded { decoy }
    }

    /// Runs blocking work on NIO's thread pool, never on the task threads.
    static func offloaded<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(work)
    }

    /// A hash no password is checked against except to spend the same time.
    private static let decoy = Bcrypt.hash("quhao-decoy-password", cost: cost)
}
