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
    /// The ticket's business type as the step left it (the issue's: the type it was issued as).
    public let serviceID: String?

    public init(action: String, at: Date, toState: TicketState, counterID: Int?, initiator: String, serviceID: String? = nil) {
        self.action = action
        self.at = at
        self.toState = toState
        self.counterID = counterID
        self.initiator = initiator
        self.serviceID = serviceID
    }
}

/// What one ticket adds to the figures, computed from its steps alone (the same function for the
/// daily rollup written when a ticket finishes and for today's open tickets read live).
///
/// - Every figure belongs to the ticket's business day and its **arrival hour** (the local hour it
///   was issued): the 09:00 row of a day says how many came then, how long *they* waited, how many
///   of them were served.
/// - A ticket counts once, under the business type it was **issued as** (a transfer does not make
///   a second ticket, nor move the first to the other type).
/// - The window and staff member are where it ended: the window that held it after its last
///   transfer, the staff member who completed it (else who called it there). A window that called
///   it and transferred it on is a ``Handover``: that window's call, its time on the ticket and a
///   transfer out, and a transfer in for the window that took it next.
/// - Wait: from issue (or check-in, for a remote ticket) to its first call; walk: first call to
///   start; service: start to completion at the window that completed it; busy: the last window's
///   time on it (its call to completion, or to the no-show).
public struct TicketFacts: Sendable, Hashable {
    /// A window that called the ticket and transferred it to another business type.
    public struct Handover: Sendable, Hashable {
        public let counterID: Int
        /// Who transferred it (else who called it there); empty when no staff member did.
        public let staff: String
        /// Whether the ticket had come to this window by an earlier transfer.
        public let transferredIn: Bool
        /// From the window's call to the transfer.
        public let busySeconds: Double
        public let call: Date
        public let transfer: Date
    }

    public let day: BusinessDay
    public let hour: Int
    /// The business type it was issued as.
    public let serviceID: String
    /// 0: never held by a window (after its last transfer).
    public let counterID: Int
    /// `staff:12`; empty when no staff member touched it.
    public let staff: String
    public let origin: IssueOrigin
    /// Called at all (at any window).
    public let called: Bool
    /// Called by the window that held it last (after its last transfer).
    public let calledThere: Bool
    /// Whether the last window took it by a transfer (and called it).
    public let transferredIn: Bool
    public let served: Bool
    public let noShow: Bool
    public let cancelled: Bool
    public let expired: Bool
    public let waitSeconds: Double?
    public let walkSeconds: Double?
    public let serviceSeconds: Double?
    public let busySeconds: Double
    /// The last window's first call of it, and when that window was done with it (for the window's span).
    public let firstCall: Date?
    public let lastFinish: Date?
    /// The windows that transferred it on, oldest first.
    public let handovers: [Handover]

    /// The facts of a ticket from its event log.
    /// - Parameters:
    ///   - day: Its business day.
    ///   - serviceID: Its business type now (used when the issue step does not name one).
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
        let firstCall = Self.callThatHeld(steps[...])
        let start = steps.first { $0.action == "start" }
        // The ticket's stretches between transfers: each but the last ended at a window that passed it on.
        var stretches: [ArraySlice<TicketStep>] = []
        var from = steps.startIndex
        for index in steps.indices where steps[index].action == TicketAction.transfer.rawValue {
            stretches.append(steps[from...index])
            from = index + 1
        }
        let last = steps[from...]
        var handovers: [Handover] = []
        for (number, stretch) in stretches.enumerated() {
            guard let transfer = stretch.last, let counter = transfer.counterID, let call = Self.callThatHeld(stretch) else { continue }
            let staff = transfer.initiator.hasPrefix("staff:") ? transfer.initiator : call.initiator.hasPrefix("staff:") ? call.initiator : ""
            handovers.append(
                Handover(
                    counterID: counter, staff: staff, transferredIn: number > 0, busySeconds: max(0, transfer.at.timeIntervalSince(call.at)),
                    call: call.at, transfer: transfer.at))
        }
        let callThere = Self.callThatHeld(last)
        let startThere = last.first { $0.action == "start" }
        let complete = last.last { $0.action == "complete" }
        let noShow = last.last { $0.action == "no_show" }
        let held = last.last { $0.counterID != nil }
        let staffStep =
            complete.flatMap { $0.initiator.hasPrefix("staff:") ? $0 : nil } ?? last.last { $0.action == "call" && $0.initiator.hasPrefix("staff:") }
        let arrived = checkIn ?? issue.at
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let finishedWith = complete?.at ?? noShow?.at
        return TicketFacts(
            day: day, hour: calendar.component(.hour, from: issue.at), serviceID: issue.serviceID ?? serviceID, counterID: held?.counterID ?? 0,
            staff: staffStep?.initiator ?? "", origin: origin, called: firstCall != nil, calledThere: callThere != nil,
            transferredIn: !stretches.isEmpty && callThere != nil, served: complete != nil && steps.last?.toState == .done,
            noShow: noShow != nil, cancelled: steps.last?.toState == .cancelled, expired: steps.last?.toState == .expired,
            waitSeconds: firstCall.map { max(0, $0.at.timeIntervalSince(arrived)) },
            walkSeconds: firstCall.flatMap { call in start.map { max(0, $0.at.timeIntervalSince(call.at)) } },
            serviceSeconds: startThere.flatMap { start in complete.map { max(0, $0.at.timeIntervalSince(start.at)) } },
            busySeconds: callThere.flatMap { call in finishedWith.map { max(0, $0.timeIntervalSince(call.at)) } } ?? 0,
            firstCall: callThere?.at, lastFinish: finishedWith, handovers: handovers)
    }

    /// The call that a window's time on the ticket runs from: the first after the stretch's last hand-back.
    private static func callThatHeld(_ stretch: ArraySlice<TicketStep>) -> TicketStep? {
        let afterRelease = (stretch.lastIndex { $0.action == TicketAction.release.rawValue }).map { $0 + 1 } ?? stretch.startIndex
        return stretch[afterRelease...].first { $0.action == "call" }
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
