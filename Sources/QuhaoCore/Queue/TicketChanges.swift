/// Which tickets a commit touched: what the live board re-reads instead of the whole day.
public enum TicketChanges: Sendable, Hashable {
    /// Unknown (another process wrote, or the board starts): read everything.
    case all
    /// Exactly these rows (inserted, updated or deleted), of any site or day.
    case only(Set<Ticket.ID>)

    public static let none = TicketChanges.only([])

    /// Both sets of changes together.
    public func union(_ other: TicketChanges) -> TicketChanges {
        switch (self, other) {
        case (.only(let mine), .only(let theirs)): .only(mine.union(theirs))
        default: .all
        }
    }

    /// Whether a ticket may have changed.
    public func contains(_ id: Ticket.ID) -> Bool {
        switch self {
        case .all: true
        case .only(let ids): ids.contains(id)
        }
    }
}
