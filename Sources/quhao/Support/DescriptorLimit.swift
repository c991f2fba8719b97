import Foundation

/// The process's open-file limit. Every phone waiting on a long-poll holds a descriptor, and the
/// soft limit many systems start a service with (1,024) runs out in a busy hall; the hard limit
/// (the systemd unit's `LimitNOFILE`) is what an administrator allows, so the daemon takes all of it.
enum DescriptorLimit {
    /// Raises the soft limit to the hard one.
    /// - Returns: The limits before and after.
    static func raise() -> (before: UInt64, after: UInt64, hard: UInt64) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return (0, 0, 0) }
        let before = UInt64(limit.rlim_cur)
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return (before, UInt64(limit.rlim_cur), UInt64(limit.rlim_max))
    }
}
