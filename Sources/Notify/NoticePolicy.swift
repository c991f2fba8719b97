import Foundation
import QuhaoCore

/// What is sent to a visitor about a ticket, and when a message no longer is (issue 23): "almost
/// your turn" once, when N places from the front or the estimated wait under M minutes, whichever
/// comes first; "called" and a recall while the call is fresh; nothing for a ticket no longer
/// waiting; at most so many a ticket. A message whose moment has passed is dropped, never sent late.
public struct NoticePolicy: Sendable, Hashable, Codable {
    /// "Almost your turn" at this many people ahead or fewer.
    public var nearPlaces: Int
    /// …or when the estimated wait falls under this many minutes.
    public var nearMinutes: Int
    /// A "called" (or recall) older than this when its turn to be sent comes is dropped as stale.
    public var calledFreshSeconds: TimeInterval
    /// "Almost your turn" waiting longer than this to be sent is dropped (the queue has moved on).
    public var nearFreshSeconds: TimeInterval
    /// The most messages one ticket gets.
    public var maxPerTicket: Int

    public init(
        nearPlaces: Int = 3, nearMinutes: Int = 10, calledFreshSeconds: TimeInterval = 180, nearFreshSeconds: TimeInterval = 600,
        maxPerTicket: Int = 3
    ) {
        self.nearPlaces = nearPlaces
        self.nearMinutes = nearMinutes
        self.calledFreshSeconds = calledFreshSeconds
        self.nearFreshSeconds = nearFreshSeconds
        self.maxPerTicket = maxPerTicket
    }

    /// A ticket's message.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case near, called, recalled
    }

    /// What becomes of a queued message when its turn to be sent comes.
    public enum Verdict: Sendable, Hashable {
        case send
        case drop(Reason)
    }

    public enum Reason: String, Sendable, Hashable, Codable {
        /// Its moment passed while it waited (a provider down, a daemon restarted).
        case stale
        /// The ticket is no longer where the message assumes (a "near" after the call, a "called" after the service).
        case overtaken
        /// The ticket ended (done, cancelled, no-show, expired).
        case ended
        /// The ticket had its share of messages.
        case capped
    }

    /// Whether "almost your turn" is due now.
    /// - Parameters:
    ///   - peopleAhead: Tickets before it in its queue.
    ///   - estimatedWait: The estimate shown on the ticket's page, if there is one.
    public func isNear(peopleAhead: Int, estimatedWait: TimeInterval?) -> Bool {
        peopleAhead <= nearPlaces || (estimatedWait.map { $0 < TimeInterval(nearMinutes * 60) } ?? false)
    }

    /// Send or drop, at `now`, a message of `kind` queued at `queuedAt` for a ticket now in `state`,
    /// which has had `sent` messages already.
    public func verdict(_ kind: Kind, state: TicketState, queuedAt: Date, now: Date, sent: Int) -> Verdict {
        if [.done, .cancelled, .noShow, .expired].contains(state) { return .drop(.ended) }
        if sent >= maxPerTicket { return .drop(.capped) }
        let age = now.timeIntervalSince(queuedAt)
        switch kind {
        case .near:
            guard state == .waiting || state == .remote else { return .drop(.overtaken) }
            return age > nearFreshSeconds ? .drop(.stale) : .send
        case .called, .recalled:
            guard state == .called else { return .drop(.overtaken) }
            return age > calledFreshSeconds ? .drop(.stale) : .send
        }
    }
}
