import Foundation

/// How a ticket came to be, for the figures: taken on a phone in the hall, taken away from the
/// hall (queued as remote until checked in), or issued by staff (or the command line) for someone.
public enum IssueOrigin: String, Sendable, Codable, CaseIterable {
    case hall, remote, staff
}

/// One step of a ticket's life as the figures need it (a row of the event log).
public struct TicketStep: Sendable, Hashable {
    public let action: String
    public let at: Date
    public let toState: TicketState
    public let counterID: Int?
    /// `staff:12`, `system`, …
    public let initiator: String

    public init(action: String, at: Date, toState: TicketState, counterID: Int?, initiator: String) {
        self.action = action
        self.at = at
        self.toState = toState
        self.counterID = counterID
        self.initiator = initiator
    }
}

/// What one ticket adds to the figures, computed from its steps alone (the same function for the
/// daily rollup written when a ticket finishes and for today's open tickets read live).
///
/// - Every figure belongs to the ticket's business day and its **arrival hour** (the local hour it
///   was issued): the 09:00 row of a day says how many came then, how long *they* waited, how many
///   of them were served.
/// - The business type, window and staff member are where it ended: the last business type (after
///   transfers), the window that held it last, the staff member who completed it (else who called it).
/// - Wait: from issue (or check-in, for a remote ticket) to its first call; walk: first call to
///   start; service: start to completion; busy: the window's time on it (first call to completion,
///   or to the no-show).
public struct TicketFacts: Sendable, Hashable {
    public let day: BusinessDay
    public let hour: Int
    public let serviceID: String
    /// 0: never held by a window.
    public let counterID: Int
    /// `staff:12`; empty when no staff member touched it.
    public let staff: String
    public let origin: IssueOrigin
    public let called: Bool
    public let served: Bool
    public let noShow: Bool
    public let cancelled: Bool
    public let expired: Bool
    public let waitSeconds: Double?
    public let walkSeconds: Double?
    public let serviceSeconds: Double?
    public let busySeconds: Double
    /// The window's first call of it, and when the window was done with it (for the window's span).
    public let firstCall: Date?
    public let lastFinish: Date?

    /// The facts of a ticket from its event log.
    /// - Parameters:
    ///   - day: Its business day.
    ///   - serviceID: Its business type now.
    ///   - channel: How it was taken (`staff` and `cli`: issued for someone; `kiosk`: by the visitor in the hall).
    ///   - steps: Its events, oldest first (the first is the issue).
    ///   - zone: The site's time zone (the arrival hour).
    /// - Returns: `nil` when `steps` holds no issue.
    public static func of(day: BusinessDay, serviceID: String, channel: Channel, steps: [TicketStep], zone: TimeZone) -> TicketFacts? {
        guard let issue = steps.first(where: { $0.action == "issue" }) else { return nil }
        let origin: IssueOrigin =
            channel == .staff || channel == .cli ? .staff : issue.toState == .remote ? .remote : .hall
        let checkIn = steps.first { $0.action == "check_in" }?.at
        // A call handed back (`release`) was not the call that served it: its wait runs to the next one.
        let afterRelease = (steps.lastIndex { $0.action == TicketAction.release.rawValue }).map { $0 + 1 } ?? 0
        let firstCall = steps[afterRelease...].first { $0.action == "call" }
        let start = steps.first { $0.action == "start" }
        let complete = steps.last { $0.action == "complete" }
        let noShow = steps.last { $0.action == "no_show" }
        let held = steps.last { $0.counterID != nil }
        let staffStep =
            complete.flatMap { $0.initiator.hasPrefix("staff:") ? $0 : nil } ?? steps.last { $0.action == "call" && $0.initiator.hasPrefix("staff:") }
        let arrived = checkIn ?? issue.at
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let finishedWith = complete?.at ?? noShow?.at
        return TicketFacts(
            day: day, hour: calendar.component(.hour, from: issue.at), serviceID: serviceID, counterID: held?.counterID ?? 0,
            staff: staffStep?.initiator ?? "", origin: origin, called: firstCall != nil, served: complete != nil && steps.last?.toState == .done,
            noShow: noShow != nil, cancelled: steps.last?.toState == .cancelled, expired: steps.last?.toState == .expired,
            waitSeconds: firstCall.map { max(0, $0.at.timeIntervalSince(arrived)) },
            walkSeconds: firstCall.flatMap { call in start.map { max(0, $0.at.timeIntervalSince(call.at)) } },
            serviceSeconds: start.flatMap { start in complete.map { max(0, $0.at.timeIntervalSince(start.at)) } },
            busySeconds: firstCall.flatMap { call in finishedWith.map { max(0, $0.timeIntervalSince(call.at)) } } ?? 0,
            firstCall: firstCall?.at, lastFinish: finishedWith)
    }

    /// Whether a ticket in this state is finished for the figures (its facts go into the rollup).
    /// A no-show can still be reactivated: its facts are taken out again when it is.
    public static func isFinal(_ state: TicketState) -> Bool {
        switch state {
        case .done, .noShow, .cancelled, .expired: true
        case .remote, .waiting, .called, .serving: false
        }
    }
}
