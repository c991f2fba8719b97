import Foundation
import QuhaoCore

/// The wall clock: the only place the executable reads it.
///
/// For tests that must cross a midnight or a closing time with the real binary (LD_PRELOAD clock
/// fakers break it), `QUHAO_NOW` (an ISO 8601 instant such as `2026-11-25T23:59:57+08:00`) starts
/// the clock at that instant, from where it runs at the wall clock's pace. It is refused unless
/// `QUHAO_TEST_CLOCK=1` is set as well, so a stray variable cannot move a real hall's day.
struct SystemClock: QuhaoClock {
    /// Seconds added to the wall clock (0 outside tests).
    let offset: TimeInterval

    init(offset: TimeInterval = 0) { self.offset = offset }

    func now() -> Date { Date().addingTimeInterval(offset) }

    /// Whether the clock was moved for a test.
    var isShifted: Bool { offset != 0 }

    /// The clock the environment asks for.
    /// - Throws: ``ExitFailure`` (exit status 2) for `QUHAO_NOW` without the test flag or not an instant.
    static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SystemClock {
        guard let text = environment["QUHAO_NOW"], !text.isEmpty else { return SystemClock() }
        guard environment["QUHAO_TEST_CLOCK"] == "1" else {
            throw ExitFailure(message: "QUHAO_NOW is for tests only: set QUHAO_TEST_CLOCK=1 as well, or unset QUHAO_NOW", code: 2)
        }
        let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        guard let start = (try? Date(text, strategy: .iso8601)) ?? (try? Date(text, strategy: withFraction)) else {
            throw ExitFailure(message: "QUHAO_NOW must be an ISO 8601 instant such as 2026-11-25T23:59:57+08:00, not \"\(text)\"", code: 2)
        }
        return SystemClock(offset: start.timeIntervalSinceNow)
    }
}
