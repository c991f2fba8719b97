import Foundation
import GRDB
import QuhaoCore

/// A row of `tickets`.
struct TicketRecord: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "tickets"

    var id: Int64?
    var token: String
    var siteID: String
    /// Decoded as a day: a malformed one in a row is a decoding error, never a crash.
    var day: BusinessDay
    var originServiceID: String
    var seq: Int
    var number: String
    var serviceID: String
    var state: TicketState
    var priority: PriorityClass
    var appointmentStart: Date?
    var appointmentEnd: Date?
    var channel: Channel
    var sortKey: Int64
    var counterID: Int?
    var recallCount: Int
    var transferCount: Int
    var reactivated: Bool
    var identityKind: IdentityKind?
    var identityHash: String?
    var identityMasked: String?
    var phoneMasked: String?
    var issuedAt: Date
    var checkedInAt: Date?
    var calledAt: Date?
    var startedAt: Date?
    var finishedAt: Date?
    var deviceHash: String?

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, token, day, seq, number, state, priority, channel, reactivated
        case siteID = "site_id"
        case originServiceID = "origin_service_id"
        case serviceID = "service_id"
        case appointmentStart = "appointment_start"
        case appointmentEnd = "appointment_end"
        case sortKey = "sort_key"
        case counterID = "counter_id"
        case recallCount = "recall_count"
        case transferCount = "transfer_count"
        case identityKind = "identity_kind"
        case identityHash = "identity_hash"
        case identityMasked = "identity_masked"
        case phoneMasked = "phone_masked"
        case issuedAt = "issued_at"
        case checkedInAt = "checked_in_at"
        case calledAt = "called_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case deviceHash = "device_hash"
    }

    typealias Columns = CodingKeys

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// The domain value.
    var ticket: Ticket {
        Ticket(
            id: id ?? 0, token: token, siteID: siteID, day: day,
            number: TicketNumber(prefix: String(number.prefix(1)), sequence: seq), serviceID: serviceID, state: state,
            priority: priority, queueKey: sortKey,
            appointment: appointmentStart.flatMap { start in appointmentEnd.flatMap { try? AppointmentSlot(start: start, end: $0) } },
            channel: channel, counterID: counterID, recallCount: recallCount, transferCount: transferCount, reactivated: reactivated,
            identityMasked: identityMasked, phoneMasked: phoneMasked, issuedAt: issuedAt, calledAt: calledAt, startedAt: startedAt,
            finishedAt: finishedAt)
    }
}

extension TicketState: DatabaseValueConvertible {}
extension PriorityClass: DatabaseValueConvertible {}
extension Channel: DatabaseValueConvertible {}
extension IdentityKind: DatabaseValueConvertible {}
