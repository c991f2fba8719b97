import Foundation
import GRDB
import QuhaoCore
import Testing

@testable import QuhaoStore

/// After the retention period nothing personal is left in the database file or its WAL, and the
/// figures over the purged days are unchanged.
@Suite struct RetentionTests {
    @Test func aMonthLaterNothingPersonalIsLeftAndTheFiguresStand() async throws {
        let clock = ManualClock(Fixture.date(2, 9, month: 11))
        try await Fixture.withStoredStore(clock: clock) { store, stored in
            // Monday 2 November: two numbers with a USCC and a phone number, from two phones; one served and rated.
            let old = [("91350100M000100Y43", "13812345678", "phone-one"), ("91110000600037341L", "13987654321", "phone-two")]
            var tokens: [String] = []
            for (uscc, phone, device) in old {
                tokens.append(
                    try await store.issue(IssueRequest(siteID: "hall", service: "invoice", identity: uscc, phone: phone, device: device)).token)
            }
            clock.advance(by: 300)
            _ = try await store.callNext(site: "hall", counter: 1, by: .staff("1"))
            _ = try await store.start(site: "hall", counter: 1, by: .staff("1"))
            clock.advance(by: 240)
            _ = try await store.complete(site: "hall", counter: 1, by: .staff("1"))
            _ = try await store.rate(.token(tokens[0]), score: 2)
            // What is kept of them, read from the file as it is now.
            let personal = try await store.read { db in
                try db.rows("SELECT identity_hash, identity_masked, phone_masked, device_hash FROM tickets").flatMap { row in
                    try ["identity_hash", "identity_masked", "phone_masked", "device_hash"].map { try row[$0] as String }
                }
            }
            #expect(personal.count == 8)
            #expect(personal.contains { $0.hasPrefix("9135*") && $0.hasSuffix("Y43") } && personal.contains("138****5678"))
            // Thursday 3 December, 31 days on: a new number today keeps its data.
            clock.set(Fixture.date(3, 10, month: 12))
            _ = try await store.expireClosed()
            let recent = try await store.issue(
                IssueRequest(siteID: "hall", service: "invoice", identity: "121200004013590816", phone: "13500001111", device: "phone-three"))
            let november = ReportRange(site: "hall", from: BusinessDay(iso: "2026-11-02")!, to: BusinessDay(iso: "2026-11-02")!)
            let before = try await (store.reports.tickets(november, group: .hour), store.reports.windows(november), store.reports.ratings(november))
            #expect(before.0.total.issued == 2 && before.0.total.served == 1 && before.0.total.expired == 1 && before.2.count == 1)

            #expect(try await store.operations.purgePersonalData(olderThanDays: 30) == 2)
            #expect(try await store.operations.purgePersonalData(olderThanDays: 30) == 0, "nothing left to clear")

            let after = try await (store.reports.tickets(november, group: .hour), store.reports.windows(november), store.reports.ratings(november))
            #expect(after.0 == before.0)
            #expect(after.1 == before.1)
            #expect(after.2 == before.2)
            let bytes = try await stored()
            for value in personal {
                #expect(bytes.range(of: Data(value.utf8)) == nil, "\(value) is still in the database file or its WAL")
            }
            // The recent ticket's data is still there: the search above can find what is in the file.
            let kept = try await store.read { db in try db.value(String.self, "SELECT phone_masked FROM tickets WHERE token = ?", [recent.token]) }
            #expect(kept == "135****1111")
            try await store.writer.dropFreedPages()
            #expect(try await stored().range(of: Data("135****1111".utf8)) != nil)
            // The numbers and the log remain.
            #expect(try await store.ticket(.token(tokens[0])).number.description == "B001")
            #expect(try await store.events(site: "hall").count >= 7)
        }
    }

    @Test func aChoreIsTakenByOneDaemonUntilItIsDueAgain() async throws {
        let clock = ManualClock(Fixture.morning)
        try await TestEngine.withTwoStores(clock: clock) { first, second in
            let since = Fixture.morning.addingTimeInterval(-30)
            async let a = first.operations.claim("housekeeping", notDoneSince: since)
            async let b = second.operations.claim("housekeeping", notDoneSince: since)
            let answers = [try await a, try await b]
            #expect(answers.filter { $0 }.count == 1, "one of two daemons asking at once: \(answers)")
            clock.advance(by: 20)
            let again = try await second.operations.claim("housekeeping", notDoneSince: clock.now().addingTimeInterval(-30))
            #expect(!again, "done 20 s ago")
            let other = try await first.operations.claim("retention", notDoneSince: clock.now().addingTimeInterval(-600))
            #expect(other, "another chore is its own")
            clock.advance(by: 11)
            let due = try await second.operations.claim("housekeeping", notDoneSince: clock.now().addingTimeInterval(-30))
            #expect(due, "31 s on")
        }
    }

    @Test(.sqliteOnly) func thePurgeFindsOldTicketsThroughItsIndex() async throws {
        let plan = try await QueryPlanTests.plan(StoreOperations.personalDataSQL, ["hall", "2026-11-01", 500])
        #expect(plan.contains("tickets_personal (site_id=? AND day<?)"), "\(plan)")
        #expect(!plan.contains("SCAN"))
    }
}
