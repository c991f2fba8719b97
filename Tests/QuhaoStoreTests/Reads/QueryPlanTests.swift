import Foundation
import GRDB
import QuhaoCore
import Testing

@testable import QuhaoStore

/// Every board rebuild runs these queries, and housekeeping once a minute on the writer. A plan
/// that scans, or sorts what it reads, costs what the day or the year holds instead of what it
/// returns: at 20,000 tickets a day the board's were most of the daemon's CPU; with 40,000
/// waiting, housekeeping read them all and held every staff action for half a second.
@Suite(.sqliteOnly) struct QueryPlanTests {
    static func plan(_ sql: String, _ arguments: StatementArguments) async throws -> String {
        let (store, _) = try await Fixture.store()
        return try await store.database!.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }.joined(separator: "\n")
        }
    }

    enum Query: String, CaseIterable, Sendable {
        case serviceTimes, recentCalls, ratings, paused, expireEarlierDays, expireClosedServices
        case reportFacts, reportWaits, reportOpenTickets, reportSteps, reportPauses, reportStaffRatings, reportRatingLevels, reportBadRatings
        case bookingTaken, bookingDaySlots, bookingMissed, bookingSameDay, bookingsOfDay, bookingOfDevice

        var sql: String {
            switch self {
            case .serviceTimes: BoardSQL.serviceTimes(.sqlite)
            case .recentCalls: BoardSQL.recentCalls
            case .ratings: BoardSQL.ratings(.sqlite)
            case .paused: BoardSQL.paused
            case .expireEarlierDays: HousekeepingSQL.earlierDays
            case .expireClosedServices: HousekeepingSQL.today(ofServices: 2)
            case .reportFacts: ReportSQL.facts
            case .reportWaits: ReportSQL.waits
            case .reportOpenTickets: ReportSQL.openTickets
            case .reportSteps: ReportSQL.steps
            case .reportPauses: ReportSQL.pauses
            case .reportStaffRatings: ReportSQL.staffRatings
            case .reportRatingLevels: ReportSQL.ratingLevels
            case .reportBadRatings: ReportSQL.badRatings
            case .bookingTaken: BookingSQL.taken
            case .bookingDaySlots: BookingSQL.daySlots
            case .bookingMissed: BookingSQL.missed
            case .bookingSameDay: BookingSQL.sameDay
            case .bookingsOfDay: BookingSQL.ofDay
            case .bookingOfDevice: BookingSQL.ofDevice
            }
        }

        var arguments: StatementArguments {
            switch self {
            case .serviceTimes: ["hall", "2026-11-25", "general", 20]
            case .recentCalls: ["hall", 1, Date(), Date(), "2026-11-25", 12]
            case .ratings: [1, "hall"]
            case .paused: ["hall"]
            case .expireEarlierDays: ["hall", "2026-11-25"]
            case .expireClosedServices: ["hall", "2026-11-25", "general", "export"]
            case .reportFacts, .reportWaits, .reportOpenTickets: ["hall", "2025-11-25", "2026-11-25"]
            case .reportSteps: [1]
            case .reportPauses, .reportStaffRatings, .reportRatingLevels, .reportBadRatings: ["hall", Date(), Date()]
            case .bookingTaken: ["hall", "general", Date()]
            case .bookingDaySlots: ["hall", "general", Date(), Date()]
            case .bookingMissed: ["person", Date(), Date()]
            case .bookingSameDay: ["person", Date(), Date(), "hall", "general", "2026-11-25"]
            case .bookingsOfDay: ["hall", "2026-11-25"]
            case .bookingOfDevice: ["device", "2026-11-25", "hall"]
            }
        }

        /// What the plan must use.
        var index: String {
            switch self {
            case .serviceTimes: "tickets_done"
            case .recentCalls: "events_calls"
            case .ratings: "INTEGER PRIMARY KEY (rowid>?)"
            case .paused: "counter_states"
            case .expireEarlierDays: "tickets_open (site_id=? AND day<?)"
            case .expireClosedServices: "tickets_queue (site_id=? AND day=? AND state=? AND service_id=?)"
            case .reportFacts: "report_facts USING PRIMARY KEY (site_id=? AND day>? AND day<?)"
            case .reportWaits: "report_waits USING PRIMARY KEY (site_id=? AND day>? AND day<?)"
            case .reportOpenTickets: "tickets_open"
            case .reportSteps: "ticket_events_ticket (ticket_id=?)"
            case .reportPauses: "counter_events_site (site_id=? AND at>? AND at<?)"
            case .reportStaffRatings, .reportRatingLevels, .reportBadRatings: "ratings_site (site_id=? AND at>? AND at<?)"
            case .bookingTaken: "bookings_slot (site_id=? AND service_id=? AND slot_start=?"
            case .bookingDaySlots: "bookings_slot (site_id=? AND service_id=? AND slot_start>? AND slot_start<?)"
            case .bookingMissed, .bookingSameDay: "bookings_person (person_hash=? AND slot_end>? AND slot_end<?)"
            case .bookingsOfDay: "bookings_day (site_id=? AND day=?)"
            case .bookingOfDevice: "bookings_device (device_hash=? AND day=?)"
            }
        }
    }

    @Test(arguments: Query.allCases)
    func queriesSearchAnIndexAndNeverSort(_ query: Query) async throws {
        let plan = try await Self.plan(query.sql, query.arguments)
        #expect(plan.contains(query.index), "\(query): \(plan)")
        #expect(!plan.contains("SCAN"), "\(query) scans: \(plan)")
        #expect(!plan.contains("TEMP B-TREE"), "\(query) sorts: \(plan)")
    }
}
