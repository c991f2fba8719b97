import Foundation
import QuhaoCore

/// The wall clock: the only place the daemon reads it.
struct SystemClock: QuhaoClock {
    func now() -> Date { Date() }
}
