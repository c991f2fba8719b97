import Foundation

/// Where a booking stands.
public enum BookingState: String, Sendable, Codable, CaseIterable {
    /// Booked; waits for the visitor's check-in.
    case booked
    /// Given up by the visitor (up to the cut-off) or by staff.
    case cancelled
    /// The visitor arrived and holds a ticket.
    case checkedIn = "checked_in"
}

/// A booked slot (预约) of one business type for one person.
public struct Booking: Hashable, Sendable, Identifiable {
    public typealias ID = Int64

    public let id: ID
    /// The secret in the booking's own link (`/b/{token}`).
    public let token: String
    public let siteID: String
    public let serviceID: String
    public let slot: AppointmentSlot
    public let state: BookingState
    /// The identity as shown (`9133**********Y43`), if the business type asks for one.
    public let identityMasked: String?
    public let phoneMasked: String?
    public let createdAt: Date
    public let cancelledAt: Date?
    public let checkedInAt: Date?
    /// The ticket the check-in gave.
    public let ticketToken: String?
    public let ticketNumber: String?

    public init(
        id: ID, token: String, siteID: String, serviceID: String, slot: AppointmentSlot, state: BookingState, identityMasked: String?,
        phoneMasked: String?, createdAt: Date, cancelledAt: Date?, checkedInAt: Date?, ticketToken: String?, ticketNumber: String?
    ) {
        self.id = id
        self.token = token
        self.siteID = siteID
        self.serviceID = serviceID
        self.slot = slot
        self.state = state
        self.identityMasked = identityMasked
        self.phoneMasked = phoneMasked
        self.createdAt = createdAt
        self.cancelledAt = cancelledAt
        self.checkedInAt = checkedInAt
        self.ticketToken = ticketToken
        self.ticketNumber = ticketNumber
    }

    /// Booked and the slot is over without a check-in: a missed booking (counts towards the bar).
    public func isMissed(at now: Date) -> Bool { state == .booked && slot.end < now }

    /// The state as the visitor and staff read it: `booked`, `cancelled`, `checked_in` or `missed`.
    public func status(at now: Date) -> String { isMissed(at: now) ? "missed" : state.rawValue }
}

/// One slot of a day with its places.
public struct SlotAvailability: Hashable, Sendable {
    public let slot: AppointmentSlot
    public let capacity: Int
    /// Places taken (booked or checked in; cancelled ones are free again).
    public let booked: Int
    /// Checked in so far.
    public let checkedIn: Int
    /// Why it cannot be booked now, if it cannot (closed, too far ahead); a full slot is also refused.
    public let refusal: QuhaoError?

    public init(slot: AppointmentSlot, capacity: Int, booked: Int, checkedIn: Int, refusal: QuhaoError?) {
        self.slot = slot
        self.capacity = capacity
        self.booked = booked
        self.checkedIn = checkedIn
        self.refusal = refusal
    }

    public var left: Int { max(0, capacity - booked) }
    public var isBookable: Bool { refusal == nil && left > 0 }
}
