import Foundation

/// Where a ticket is in its life (DESIGN.md, "Ticket life").
public enum TicketState: String, Sendable, CaseIterable, Codable {
    /// Taken away from the hall; keeps its place but is passed over until it checks in.
    case remote
    case waiting
    case called
    case serving
    case done
    case noShow = "no_show"
    case cancelled
    case expired

    /// States in which a ticket still counts as "in the queue or at a window".
    public static let active: Set<TicketState> = [.remote, .waiting, .called, .serving]

    /// Whether nothing more will happen to the ticket (reactivation of a no-show aside).
    public var isFinal: Bool { [.done, .noShow, .cancelled, .expired].contains(self) }
}

/// Everything that can happen to a ticket after it is issued.
public enum TicketAction: String, Sendable, CaseIterable, Codable {
    case checkIn = "check_in"
    case call
    case recall
    case start
    case complete
    case noShow = "no_show"
    case reactivate
    case transfer
    case cancel
    case expire
    /// A called ticket goes back to its place in the queue, uncalled (an inspection team that
    /// cannot go after all hands the unit's request back).
    case release
}

extension TicketState {
    /// The state after an action, or a `ticket.invalid_transition` error.
    ///
    /// This table is the whole state machine; the store applies it inside each write
    /// transaction, after reading the current state there.
    /// - Parameters:
    ///   - action: What is being done.
    ///   - number: The ticket number, for the error message.
    /// - Throws: ``QuhaoError`` `ticket.invalid_transition` when the action is not allowed.
    public func applying(_ action: TicketAction, number: String) throws(QuhaoError) -> TicketState {
        switch (self, action) {
        case (.remote, .checkIn): return .waiting
        case (.waiting, .call): return .called
        case (.called, .recall): return .called
        case (.called, .start): return .serving
        case (.serving, .complete): return .done
        case (.called, .noShow): return .noShow
        case (.noShow, .reactivate): return .waiting
        case (.called, .transfer), (.serving, .transfer): return .waiting
        case (.called, .release): return .waiting
        case (.remote, .cancel), (.waiting, .cancel), (.called, .cancel): return .cancelled
        case (.remote, .expire), (.waiting, .expire), (.called, .expire): return .expired
        default:
            throw QuhaoError(.ticketInvalidTransition, ["number": number, "state": rawValue, "action": action.rawValue])
        }
    }
}
