import Foundation
import QuhaoCore
import Testing

@testable import QuhaoStore

/// `quhao migrate`: a hall's SQLite file into PostgreSQL, whole, with its ids and its identity key.
@Suite(.enabled(if: testPostgresURL != nil, "needs QUHAO_TEST_POSTGRES (make test starts a cluster)"))
struct DatabaseMoveTests {
    @Test func aHallMovesWholeAndCarriesOnWhereItStopped() async throws {
        try await Fixture.withDatabaseFile { path in
            let hall = try await Fixture.fileStore(path)
            try await hall.take("general")
            let second = try await hall.take("invoice", identity: "91350100M000100Y43")
            #expect(try await hall.call(1) == "A001")
            let target = try await TestDatabases.shared.fresh(from: PostgresLocation(url: try #require(testPostgresURL)))
            // The city's daemons started on it first (schema, synced sites, keys, a chore): still a database to move into.
            let started = try await TicketStore.open(postgres: target, password: nil, clock: ManualClock(Fixture.morning))
            try await started.sync(sites: [Fixture.site])
            _ = try await started.operations.claim("housekeeping", notDoneSince: Fixture.morning)
            await started.close()
            let report = try await DatabaseMove.copy(from: path, to: target, password: nil, clock: ManualClock(Fixture.morning))
            #expect(report.tables.first { $0.name == "tickets" }?.rows == 2)
            #expect(report.tables.first { $0.name == "ticket_events" }?.rows == 3)

            let city = try await TicketStore.open(postgres: target, password: nil, clock: ManualClock(Fixture.morning))
            // The planner has its statistics from the start (without, a hall of 40,000 waiting read them all per call).
            let analyzed = try await city.read { db in
                try db.value(Bool.self, "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'tickets'")
            }
            #expect(analyzed == true)
            #expect(try await city.ticket(.token(second.token)).number.description == "B001", "links keep working")
            // The identity key moved with the data: the same person still has their number for the day.
            let duplicate = await #expect(throws: QuhaoError.self) { try await city.take("invoice", identity: "91350100M000100Y43") }
            #expect(duplicate?.code == .identityDuplicate)
            #expect(try await city.take("general").number.description == "A002", "numbering carries on")
            #expect(try await city.take("general").id > second.id, "new ids follow the moved ones")
            #expect(try await city.events(site: "hall").filter { $0.action == "call" }.count == 1)
            // A second move into the same database is refused, and changes nothing.
            let again = await #expect(throws: DatabaseFileError.self) {
                try await DatabaseMove.copy(from: path, to: target, password: nil, clock: ManualClock(Fixture.morning))
            }
            #expect(again?.description.contains("holds Quhao data already") == true)
            #expect(try await city.siteDay(site: "hall").tickets.count == 4)
            await city.close()
        }
    }
}
