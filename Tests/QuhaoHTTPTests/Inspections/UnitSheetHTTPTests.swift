import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import QuhaoCore
import QuhaoStore
import Testing

/// The admin prints a unit's two sheets; a closed unit's notice says so instead of a stale result.
@Suite struct UnitSheetHTTPTests {
    @Test func theTwoSheetsAndAClosedUnitsNotice() async throws {
        let test = try await TestApp(site: InspectionPagesTests.office)
        let unit = try await test.store.inspections.createUnit(site: "office", InspectionPagesTests.unit(1), by: .cli)
        _ = try await test.store.accounts.addStaff(NewStaff(login: "boss", name: "所长", role: .admin, password: "admin-pass-2026"), cost: 4)
        let inspector = Inspector(initiator: .staff("1"), name: "张检查员")
        let visit = try await test.store.inspections.checkIn(posterToken: unit.posterToken, team: 1, by: inspector)
        _ = try await test.store.inspections.join(posterToken: unit.posterToken, by: Inspector(initiator: .staff("2"), name: "李检查员"))
        _ = try await test.store.inspections.record(
            visit.id, items: ["1.1": ItemEntry(.yes), "2.1": ItemEntry(.yes), "3.1": ItemEntry(.yes)], summary: nil, by: inspector)
        try await test.run { client in
            #expect(try await client.get("/admin/units/\(unit.unit.id)/sheet?kind=poster").status == .seeOther, "admins only")
            let session = try await client.signIn("boss", "admin-pass-2026")
            let notice = try await client.get("/admin/units/\(unit.unit.id)/sheet?kind=poster", headers: session)
            #expect(notice.status == .ok && notice.headers[.cacheControl] == "no-store")
            #expect(notice.text.contains("食品安全公示") && notice.text.contains("第1食堂") && notice.text.contains("最近检查 2026-11-25：符合"))
            #expect(notice.text.contains("量化分级：良好（2026-11-25评定）"), "the grade at the door, printed")
            #expect(!notice.text.contains("请勿张贴") && !notice.text.contains(unit.privateToken))
            let sheet = try await client.get("/admin/units/\(unit.unit.id)/sheet?kind=private", headers: session).text
            #expect(sheet.contains("仅限本单位使用，请勿张贴") && sheet.contains("stroke-dasharray") && !sheet.contains("最近检查"))
            #expect(
                try await client.get("/admin/units/\(unit.unit.id)", headers: session).text.contains("/admin/units/\(unit.unit.id)/sheet?kind=poster")
            )

            // Closed: the notice and the poster page say 停业/注销, not the old result.
            _ = try await test.store.inspections.setUnitActive(unit.unit.id, false, by: .cli)
            let closed = try await client.get("/admin/units/\(unit.unit.id)/sheet?kind=poster", headers: session).text
            #expect(closed.contains("本单位已停业/注销") && !closed.contains("符合"))
            let page = try await client.get("/p/\(unit.posterToken)").text
            #expect(page.contains("本单位已停业/注销") && !page.contains("最近检查"))
        }
    }
}
