import Foundation

/// How a visitor is reached once they leave the hall.
public enum NoticeChannel: String, Sendable, Hashable, Codable, CaseIterable {
    /// A text message through the provider's HTTP API (the daemon's `notify.sms`).
    case sms
    /// A WeChat subscription message through the official account (the daemon's `notify.wechat`).
    case wechat
}

/// What is sent to a visitor about a ticket, and when a message no longer is (issue 23): a
/// confirmation with the ticket's link when it is taken; "almost your turn" once, when N places from
/// the front or the estimated wait under M minutes, whichever comes first; "called" and a recall
/// while the call is fresh; nothing for a ticket no longer waiting; at most so many a ticket. A
/// message whose moment has passed is dropped, never sent late.
public struct NoticeRules: Sendable, Hashable, Codable {
    /// The channels a visitor may choose at this site.
    public var channels: [NoticeChannel]
    /// What is sent, unless a business type says otherwise in ``kindsByService``.
    public var kinds: Set<Kind>
    /// A business type's own choice of messages (by service id).
    public var kindsByService: [String: Set<Kind>]
    /// "Almost your turn" at this many people ahead or fewer.
    public var nearPlaces: Int
    /// …or when the estimated wait falls under this many minutes.
    public var nearMinutes: Int
    /// A "called" (or recall) older than this when its turn to be sent comes is dropped as stale.
    public var calledFreshSeconds: TimeInterval
    /// "Almost your turn" or a confirmation waiting longer than this to be sent is dropped (the queue has moved on).
    public var nearFreshSeconds: TimeInterval
    /// The most messages one ticket gets.
    public var maxPerTicket: Int
    /// A booking's reminder this many minutes before its slot.
    public var bookingReminderMinutes: Int
    /// A finding's reminder this many days before its due day (at 09:00 in the site's zone).
    public var findingDueDays: Int

    public init(
        channels: [NoticeChannel] = [.sms], kinds: Set<Kind> = Kind.reminders, kindsByService: [String: Set<Kind>] = [:],
        nearPlaces: Int = 3, nearMinutes: Int = 10, calledFreshSeconds: TimeInterval = 180, nearFreshSeconds: TimeInterval = 600,
        maxPerTicket: Int = 4, bookingReminderMinutes: Int = 60, findingDueDays: Int = 1
    ) {
        self.bookingReminderMinutes = bookingReminderMinutes
        self.findingDueDays = findingDueDays
        self.channels = channels
        self.kinds = kinds
        self.kindsByService = kindsByService
        self.nearPlaces = nearPlaces
        self.nearMinutes = nearMinutes
        self.calledFreshSeconds = calledFreshSeconds
        self.nearFreshSeconds = nearFreshSeconds
        self.maxPerTicket = maxPerTicket
    }

    /// A ticket's message.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
        /// The number is taken: its link, so a closed browser loses nothing.
        case taken
        /// Almost your turn.
        case near
        /// Called to window N.
        case called
        /// Called again.
        case recalled
        /// A code that lets another browser take the number over (asked for by the visitor; never configured).
        case code
        /// A booking made: its time and link.
        case booked
        /// Before a booked slot.
        case bookingReminder = "booking_reminder"
        /// A canteen unit: an inspection found problems (how many, the first due day).
        case finding
        /// A unit: a finding's due day is near and no rectification was sent.
        case findingDue = "finding_due"
        /// A unit: a rectification sent back, with the reason.
        case findingRejected = "finding_rejected"

        /// What a site may choose to send.
        public static let reminders: Set<Kind> = Set(allCases).subtracting([.code])

        /// What a tax hall sends (its tickets and bookings), and what an inspection office sends (its units' findings).
        public static let forHalls: Set<Kind> = [.taken, .near, .called, .recalled, .booked, .bookingReminder]
        public static let forOffices: Set<Kind> = [.finding, .findingDue, .findingRejected]

        public static func < (lhs: Kind, rhs: Kind) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// Whether a business type's tickets get messages of `kind`.
    public func sends(_ kind: Kind, service serviceID: String) -> Bool {
        kind == .code || (kindsByService[serviceID] ?? kinds).contains(kind)
    }

    /// How long a code to take a number over in another browser is good for.
    public static let codeLifetime: TimeInterval = 600

    /// What becomes of a queued message when its turn to be sent comes.
    public enum Verdict: Sendable, Hashable {
        case send
        case drop(Reason)
    }

    /// Why a message was not sent.
    public enum Reason: String, Sendable, Hashable, Codable, CaseIterable {
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
        let age = now.timeIntervalSince(queuedAt)
        // A code was asked for just now, by the visitor: not one of the reminders the cap counts.
        if kind == .code { return age > Self.codeLifetime ? .drop(.stale) : .send }
        if sent >= maxPerTicket { return .drop(.capped) }
        switch kind {
        case .taken:
            return age > nearFreshSeconds ? .drop(.stale) : .send
        case .near:
            guard state == .waiting || state == .remote else { return .drop(.overtaken) }
            return age > nearFreshSeconds ? .drop(.stale) : .send
        case .called, .recalled:
            guard state == .called else { return .drop(.overtaken) }
            return age > calledFreshSeconds ? .drop(.stale) : .send
        case .code, .booked, .bookingReminder, .finding, .findingDue, .findingRejected:
            return .send
        }
    }

    /// Send or drop a message about a booking: only while it is booked and before its slot; a
    /// confirmation only while fresh.
    public func bookingVerdict(_ kind: Kind, stillBooked: Bool, slotStart: Date, queuedAt: Date, now: Date) -> Verdict {
        guard stillBooked else { return .drop(.ended) }
        guard now < slotStart else { return .drop(.stale) }
        if kind == .booked, now.timeIntervalSince(queuedAt) > nearFreshSeconds { return .drop(.stale) }
        return .send
    }

    /// Send or drop a message about a unit's finding: nothing once it is verified; a due-day
    /// reminder only while no rectification is waiting and the day has not passed; a finding or a
    /// sent-back rectification within a day.
    public func findingVerdict(_ kind: Kind, state: FindingState, dueDayPassed: Bool, queuedAt: Date, now: Date) -> Verdict {
        guard state != .verified else { return .drop(.ended) }
        switch kind {
        case .findingDue:
            guard state == .open else { return .drop(.overtaken) }
            return dueDayPassed ? .drop(.stale) : .send
        case .findingRejected:
            guard state == .open else { return .drop(.overtaken) }
            return now.timeIntervalSince(queuedAt) > 86_400 ? .drop(.stale) : .send
        default:
            return now.timeIntervalSince(queuedAt) > 86_400 ? .drop(.stale) : .send
        }
    }

    /// Whether a ticket in `state` has ended: its clear contact is erased and nothing more is sent.
    public static func hasEnded(_ state: TicketState) -> Bool { [.done, .cancelled, .noShow, .expired].contains(state) }
}
