import Foundation
import QuhaoCore

/// A row of `tickets`.
struct TicketRecord: SQLRecord, Sendable {
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

    static let table = "tickets"
    static let columns = [
        "token", "site_id", "day", "origin_service_id", "seq", "number", "service_id", "state", "priority", "appointment_start",
        "appointment_end", "channel", "sort_key", "counter_id", "recall_count", "transfer_count", "reactivated", "identity_kind",
        "identity_hash", "identity_masked", "phone_masked", "issued_at", "checked_in_at", "called_at", "started_at", "finished_at",
        "device_hash",
    ]

    var values: [(any SQLConvertible)?] {
        [
            token, siteID, day, originServiceID, seq, number, serviceID, state, priority, appointmentStart, appointmentEnd, channel, sortKey,
            counterID, recallCount, transferCount, reactivated, identityKind, identityHash, identityMasked, phoneMasked, issuedAt, checkedInAt,
            calledAt, startedAt, finishedAt, deviceHash,
        ]
    }

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

extension TicketState: SQLTextEnum {}
extension PriorityClass: SQLTextEnum {}
extension Channel: SQLTextEnum {}
extension IdentityKind: SQLTextEnum {}
extension BookingState: SQLTextEnum {}

extension TicketRecord {
    init(row: SQLRow) throws {
        id = try row["id"]
        token = try row["token"]
        siteID = try row["site_id"]
        day = try row["day"]
        originServiceID = try row["origin_service_id"]
        seq = try row["seq"]
        number = try row["number"]
        serviceID = try row["service_id"]
        state = try row["state"]
        priority = try row["priority"]
        appointmentStart = try row["appointment_start"]
        appointmentEnd = try row["appointment_end"]
        channel = try row["channel"]
        sortKey = try row["sort_key"]
        counterID = try row["counter_id"]
        recallCount = try row["recall_count"]
        transferCount = try row["transfer_count"]
        reactivated = try row["reactivated"]
        identityKind = try row["identity_kind"]
        identityHash = try row["identity_hash"]
        identityMasked = try row["identity_masked"]
        phoneMasked = try row["phone_masked"]
        issuedAt = try row["issued_at"]
        checkedInAt = try row["checked_in_at"]
        calledAt = try row["called_at"]
        startedAt = try row["started_at"]
        finishedAt = try row["finished_at"]
        deviceHash = try row["device_hash"]
    }
}
