import Foundation

/// Order keys for a queue. Tickets are ordered by an integer key (then id); new tickets get
/// keys ``spacing`` apart, so a ticket can be put between two others without touching them.
public enum QueuePlacement {
    /// Distance between the keys of consecutively issued tickets.
    public static let spacing: Int64 = 1 << 20

    /// The key that puts a ticket `offset` places behind the head of a queue.
    /// - Parameters:
    ///   - offset: How many tickets stay ahead (3 puts it 4th).
    ///   - keys: The queue's keys, in call order.
    /// - Returns: The key; `nil` when two neighbouring keys leave no room (renumber the queue
    ///   with ``renumbered(count:)`` and ask again).
    public static func key(behind offset: Int, in keys: [Int64]) -> Int64? {
        guard let last = keys.last else { return 0 }
        guard offset < keys.count else { return last + spacing }
        guard offset > 0 else { return keys[0] - spacing }
        let before = keys[offset - 1]
        let after = keys[offset]
        guard after - before >= 2 else { return nil }
        return before + (after - before) / 2
    }

    /// Fresh keys for a queue of `count` tickets, in order.
    public static func renumbered(count: Int) -> [Int64] {
        (0..<count).map { Int64($0 + 1) * spacing }
    }
}
