import Foundation

/// Who is served first.
public enum PriorityClass: String, Sendable, CaseIterable, Codable {
    /// 绿色通道: the elderly, disabled and pregnant; called first.
    case green
    /// Booked in advance: priority only inside the booked slot.
    case appointment
    case normal
}

/// How a ticket was taken.
public enum Channel: String, Sendable, CaseIterable, Codable {
    /// The visitor's own phone.
    case phone
    /// A staff member, for a visitor without a phone.
    case staff
    /// The command line or an integration.
    case cli
    /// The hall's own touch screen (a visitor without a phone), or a staff tablet.
    case kiosk
}

/// A booked time slot.
public struct AppointmentSlot: Hashable, Sendable {
    public let start: Date
    public let end: Date

    /// - Throws: ``QuhaoError`` `appointment.slot_invalid` when `end` is not after `start`.
    public init(start: Date, end: Date) throws(QuhaoError) {
        guard end > start else { throw QuhaoError(.appointmentSlotInvalid) }
        self.start = start
        self.end = end
    }

    /// Whether an instant is inside the slot.
    public func contains(_ date: Date) -> Bool { start <= date && date <= end }
}

/// A queue ticket as the domain sees it.
public struct Ticket: Hashable, Sendable, Identifiable {
    public typealias ID = Int64

    public let id: ID
    /// 128-bit random token: the ticket's public name (`/t/{token}`).
    public let token: String
    public let siteID: String
    public let day: BusinessDay
    /// The number, kept through transfers.
    public let number: TicketNumber
    /// The service whose queue the ticket is in now (changes on transfer).
    public var serviceID: String
    public var state: TicketState
    public var priority: PriorityClass
    /// Place in the queue: lower is called earlier within a priority class (see ``QueueOrder``).
    public var queueKey: Int64
    public var appointment: AppointmentSlot?
    public var channel: Channel
    /// The counter holding or last holding the ticket.
    public var counterID: Int?
    public var recallCount: Int
    public var transferCount: Int
    public var reactivated: Bool
    public var identityMasked: String?
    public var phoneMasked: String?
    public var issuedAt: Date
    public var calledAt: Date?
    public var startedAt: Date?
    public var finishedAt: Date?

    public init(
        id: ID, token: String, siteID: String, day: BusinessDay, number: TicketNumber, serviceID: String, state: TicketState,
        priority: PriorityClass = .normal, queueKey: Int64 = 0, appointment: AppointmentSlot? = nil, channel: Channel = .phone, counterID: Int? = nil,
        recallCount: Int = 0, transferCount: Int = 0, reactivated: Bool = false, identityMasked: String? = nil,
        phoneMasked: String? = nil, issuedAt: Date, calledAt: Date? = nil, startedAt: Date? = nil, finishedAt: Date? = nil
    ) {
        self.id = id
        self.token = token
        self.siteID = siteID
        self.day = day
        self.number = number
        self.serviceID = serviceID
        self.state = state
        self.priority = priority
        self.queueKey = queueKey
        self.appointment = appointment
        self.channel = channel
        self.counterID = counterID
        self.recallCount = recallCount
        self.transferCount = transferCount
        self.reactivated = reactivated
        self.identityMasked = identityMasked
        self.phoneMasked = phoneMasked
        self.issuedAt = issuedAt
        self.calledAt = calledAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}
