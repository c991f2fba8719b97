import Foundation
import Synchronization

/// The source of "now". Everything below the executable gets time from one of these,
/// never from the wall clock, so tests can cross midnight.
public protocol QuhaoClock: Sendable {
    /// The current instant.
    func now() -> Date
}

/// A clock that only moves when told to: for tests and simulations.
public final class ManualClock: QuhaoClock {
    private let current: Mutex<Date>

    /// Creates a clock standing at `start`.
    public init(_ start: Date) { current = Mutex(start) }

    public func now() -> Date { current.withLock { $0 } }

    /// Moves the clock forward (or back, for a negative interval).
    public func advance(by seconds: TimeInterval) { current.withLock { $0 += seconds } }

    /// Sets the clock to an instant.
    public func set(_ date: Date) { current.withLock { $0 = date } }
}
