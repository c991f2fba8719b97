import Foundation
import QuhaoCore
import QuhaoStore
import Testing

@Suite struct AuditTests {
    @Test func everyStaffActionIsLoggedWithWhoWhereAndFromTo() async throws {
        let (store, clock) = try await Fixture.store()
        let clerk = try await store.accounts.addStaff(
            NewStaff(login: "wang", name: "王芳", role: .staff, siteID: "hall", counters: [2], password: "window-two-only"), cost: 4)
        let by = Initiator.staff(String(clerk.id))
        try await store.take("general")
        try await store.take("general")
        clock.advance(by: 60)
        _ = try await store.callNext(site: "hall", counter: 2, by: by)
        clock.advance(by: 30)
        _ = try await store.start(site: "hall", counter: 2, by: by)
        clock.advance(by: 30)
        _ = try await store.transfer(site: "hall", counter: 2, to: "invoice", by: by)
        clock.advance(by: 30)
        try await store.pause(site: "hall", counter: 2, by: by)
        _ = try await store.callNext(site: "hall", counter: 1, by: .cli)

        let mine = try await store.audit(AuditQuery(siteID: "hall", day: BusinessDay(iso: "2026-11-25"), staffLogin: "wang"))
        #expect(mine.map(\.action) == ["pause", "transfer", "start", "call"], "newest first")
        let transfer = mine[1]
        #expect(transfer.number == "A001")
        #expect(transfer.counterID == 2)
        #expect(transfer.fromState == "serving")
        #expect(transfer.toState == "waiting")
        #expect(transfer.initiatorName == "wang")
        #expect(transfer.detail == "to invoice")
        #expect(mine[0].kind == .counter)

        // Filters: a window, a number, an action, another day, the account's own events without a site.
        #expect(try await store.audit(AuditQuery(siteID: "hall", counterID: 1)).map(\.number) == ["A002"])
        #expect(try await store.audit(AuditQuery(siteID: "hall", number: "a002")).map(\.action) == ["call", "issue"])
        #expect(try await store.audit(AuditQuery(siteID: "hall", day: BusinessDay(iso: "2026-11-24"))).isEmpty)
        #expect(try await store.audit(AuditQuery(staffLogin: "wang", action: "create")).map(\.detail) == ["wang"])
        #expect(try await store.audit(AuditQuery(siteID: "hall", limit: 2)).count == 2)

        await #expect(throws: QuhaoError(.requestInvalid, ["reason": "按日期查询需要指定场所（site）", "reason@en": "a day needs a site"])) {
            try await store.audit(AuditQuery(day: BusinessDay(iso: "2026-11-25")))
        }
        await #expect(throws: QuhaoError(.staffNotFound, ["login": "nobody"])) { try await store.audit(AuditQuery(staffLogin: "nobody")) }
    }
}
