import Foundation

/// Estimated wait: people ahead ÷ open counters serving the service × average service time.
public enum WaitEstimator {
    /// How many recent services the moving average covers.
    public static let window = 10

    /// Seconds one visitor takes at a window: the mean of the last ``window`` services of the
    /// day, or the configured default while the day has none.
    /// - Parameters:
    ///   - recent: Durations (seconds) of today's completed services, newest first.
    ///   - defaultMinutes: The configured default.
    public static func averageServiceSeconds(recent: [TimeInterval], defaultMinutes: Double) -> TimeInterval {
        let samples = recent.prefix(window)
        guard !samples.isEmpty else { return defaultMinutes * 60 }
        return samples.reduce(0, +) / Double(samples.count)
    }

    /// The estimated wait in seconds; `nil` when no open counter serves the service.
    /// - Parameters:
    ///   - peopleAhead: Tickets that will be called before this one.
    ///   - openCounters: Counters serving the service that are not paused.
    ///   - averageServiceSeconds: From ``averageServiceSeconds(recent:defaultMinutes:)``.
    public static func estimate(peopleAhead: Int, openCounters: Int, averageServiceSeconds: TimeInterval) -> TimeInterval? {
        guard openCounters > 0 else { return nil }
        return Double(peopleAhead) / Double(openCounters) * averageServiceSeconds
    }
}
