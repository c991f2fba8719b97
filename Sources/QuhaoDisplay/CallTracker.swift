import Foundation
import LiveBoard

/// Tells which calls on a board are new since the last board it saw: what a display
/// announces. The first board only sets what is known (a display that starts, or comes back,
/// does not announce calls made before).
public struct CallTracker: Sendable {
    private var known: Set<String>?

    public init() {}

    /// The calls of `board` not seen before, oldest first.
    public mutating func newCalls(in board: BoardView) -> [BoardView.CallView] {
        let keys = board.recentCalls.map(Self.key)
        defer {
            // Only what the board still lists is kept: the set stays as small as the list.
            known = Set(keys)
        }
        guard let known else { return [] }
        return board.recentCalls.filter { !known.contains(Self.key($0)) }.reversed()
    }

    static func key(_ call: BoardView.CallView) -> String {
        "\(call.number)|\(call.counter)|\(call.at.timeIntervalSince1970)"
    }
}
