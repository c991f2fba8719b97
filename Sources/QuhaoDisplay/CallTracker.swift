import Foundation
import LiveBoard

/// Tells which calls on a board are new since the last board it saw: what a display
/// announces. The first board only sets what is known (a display that starts, or comes back,
/// does not announce calls made before).
public struct CallTracker: Sendable {
    private var known: Set<Int64>?

    public init() {}

    /// The calls of `board` not seen before, oldest first.
    public mutating func newCalls(in board: BoardView) -> [BoardView.CallView] {
        let keys = board.recentCalls.map(\.id)
        defer {
            // Only what the board still lists is kept: the set stays as small as the list.
            known = Set(keys)
        }
        guard let known else { return [] }
        return board.recentCalls.filter { !known.contains($0.id) }.reversed()
    }
}
