import Foundation
import Hummingbird
import HummingbirdTesting
import QuhaoCore
import QuhaoStore
import Testing

/// The office's daily lists over HTTP, for its admin: who is due, the findings behind a figure, a
/// plan created and drawn, complaints taken up or closed, a unit's file, the units list searched and paged.
@Suite struct OfficePagesTests {
    @Test func theOfficesListsPlansComplaintsAndAUnitsFile() async throws {
        let test = try await TestApp(site: InspectionPagesTests.office, also: [TestApp.site()])
        var units: [RegisteredUnit] = []
        for n in 1...60 {
            var draft = InspectionPagesTests.unit(n)
            draft.area = n % 2 == 0 ? "白杨街道" : "下沙街道"
            draft.risk = ["A", "B", "C", "D"][n % 4]
            units.append(try await test.store.inspections.createUnit(site: "office", draft, by: .cli))
        }
        _ = try await test.store.accounts.addStaff(NewStaff(login: "boss", name: "所长", role: .admin, password: "admin-pass-2026"), cost: 4)
        for n in 1...3 {
            _ = try await test.store.accounts.addStaff(
                NewStaff(login: "off\(n)", name: "执法员\(n)", role: .inspector, siteID: "office", password: "inspector-pass-\(n)"), cost: 4)
        }
        // One visit with a finding left open past its due day.
        let visit = try await test.store.inspections.checkIn(
            posterToken: units[0].posterToken, team: 1, by: Inspector(initiator: .staff("2"), name: "执法员1"))
        _ = try await test.store.inspections.join(posterToken: units[0].posterToken, by: Inspector(initiator: .staff("3"), name: "执法员2"))
        _ = try await test.store.inspections.record(
            visit.id, items: ["1.1": ItemEntry(.yes), "2.1": ItemEntry(.no, note: "健康证过期"), "3.1": ItemEntry(.yes)], summary: nil,
            by: Inspector(initiator: .staff("2"), name: "执法员1"))
        _ = try await test.store.inspections.checkOut(visit.id, unsignedReason: "负责人不在场", by: Inspector(initiator: .staff("2"), name: "执法员1"))
        test.clock.advance(by: 5 * 86_400)
        let registered = units
        try await test.run { client in
            let units = registered
            let session = try await client.signIn("boss", "admin-pass-2026")
            func post(_ uri: String, _ text: String) async throws -> TestResponse {
                let form = InspectionPagesTests.form(text)
                return try await client.execute(uri: uri, method: .post, headers: form.0.merging(session), body: form.1)
            }
            // The figures open the lists they count.
            let figures = try await client.get("/admin/inspections?site=office", headers: session).text
            #expect(figures.contains("/admin/findings?site=office&from=&to=&state=overdue\">1</a>"))
            #expect(figures.contains("/admin/due?site=office&risk=B\">"))
            // The headline's findings and rectified open their lists, with the same counts.
            #expect(figures.contains("state=all\">全部问题 1</a>") && figures.contains("state=verified\">已整改核实 0</a>"))
            #expect(try await client.get("/admin/findings?site=office&from=&to=&state=all", headers: session).text.contains("全部问题 · 1"))
            let overdue = try await client.get("/admin/findings?site=office&state=overdue", headers: session).text
            #expect(overdue.contains("2.1 健康证过期") && overdue.contains("逾期未整改 · 1"))
            // Who is due: 59 of 60 need a visit this year (unit 1, risk B, had its one), CSV for Excel.
            let due = try await client.get("/admin/due?site=office", headers: session).text
            #expect(due.contains("待检查单位") && due.components(separatedBy: "<tr class=").count - 1 == 59 && due.contains("第 1 / 1 页，共 59 家"))
            let dueA = try await client.get("/admin/due?site=office&risk=A&area=%E7%99%BD%E6%9D%A8%E8%A1%97%E9%81%93", headers: session).text
            #expect(dueA.components(separatedBy: "<tr class=").count - 1 == 15, "A units in 白杨: n = 4, 8, … 60")
            let csv = try await client.get("/admin/due?site=office&risk=D&format=csv", headers: session)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true && csv.text.hasPrefix("\u{FEFF}unit_id,name,"))

            // A plan, created and drawn with a seed, then drawn again: refused.
            var response = try await post(
                "/admin/plans?site=office", "name=%E5%8D%81%E4%BA%8C%E6%9C%88&from=2026-12-01&to=2026-12-31&quota.C=2&quota.D=10%25&area=")
            #expect(response.status == .seeOther)
            let plan = try #require(response.headers[.location]?.split(separator: "?").first.map(String.init))
            #expect(try await client.get(plan, headers: session).text.contains("name=\"seed\""))
            response = try await post("\(plan)/draw", "seed=20261203")
            #expect(response.status == .seeOther)
            let drawn = try await client.get(plan, headers: session).text
            #expect(drawn.contains("随机种子 20261203") && drawn.contains("结果一致") && drawn.contains("id=\"progress\">0/4<"))
            let json = try await client.get("\(plan)?format=json", headers: session)
            #expect(json.text.contains("\"seed\" : \"20261203\"") && json.text.contains("SplitMix64"))
            response = try await post("\(plan)/draw", "seed=again")
            #expect(try await client.following(response, headers: session).text.contains("不能重抽"))

            // Published (双随机、一公开): before, nobody outside sees it; after, anyone does, without the conflicts.
            let id = try #require(plan.split(separator: "/").last.map(String.init))
            #expect(try await client.get("/s/office/plans/\(id)").status == .notFound, "not published yet")
            #expect(try await client.get("/s/office/plans").text.contains("暂无公开的抽查计划"))
            #expect(try await client.get("/s/hall/plans").status == .notFound, "a tax hall has no plans")
            #expect(try await post("\(plan)/publish", "").status == .seeOther)
            #expect(try await client.get(plan, headers: session).text.contains("id=\"published\">已于"))
            let notice = try await client.get("/s/office/plans/\(id)")
            #expect(notice.status == .ok && notice.text.contains("以随机种子 20261203 从") && notice.text.contains("待检查"))
            #expect(notice.text.components(separatedBy: "<li><strong>").count - 1 == 4, "the four units drawn")
            #expect(!notice.text.contains("/admin/"), "no link into the office's pages")
            let published = try await client.get("/s/office/plans/\(id)?format=json").text
            #expect(published.contains("\"recusals_withheld\" : true") && !published.contains("\"recusals\" :") && published.contains("20261203"))
            #expect(try await client.get("/s/office/plans").text.contains("十二月"))
            #expect(try await client.get("/s/office/plans/\(id)?lang=en").text.contains("Drawn at"))
            #expect(try await client.get("/s/office/plans/abc").status == .notFound, "not a plan's number: no such plan")
            #expect(try await client.get("/api/v1/audit?unit=99999", headers: session).status == .notFound)
            let unpublished = try await post("/admin/plans?site=office", "name=%E5%8F%A6%E4%B8%80&from=2026-12-01&to=2026-12-31&quota.A=1")
            let other = try #require(unpublished.headers[.location]?.split(separator: "?").first.map(String.init))
            response = try await post("\(other)/publish", "")
            #expect(try await client.following(response, headers: session).text.contains("尚未抽取，抽取后才能公开"))
            let badPlan = try await post("/admin/plans?site=office", "name=x&from=2026-12-01&to=2026-12-31&quota.A=lots")
            #expect(try await client.following(badPlan, headers: session).text.contains("抽取数量「lots」无法识别"))
            let noDay = try await post("/admin/plans?site=office", "name=x&from=2026-02-30&to=2026-12-31&quota.A=1")
            #expect(try await client.following(noDay, headers: session).text.contains("日期“2026-02-30”不存在"))
            let mars = try await post("/admin/plans?site=office", "name=x&from=2026-12-01&to=2026-12-31&quota.A=1&area=%E7%81%AB%E6%98%9F")
            #expect(try await client.following(mars, headers: session).text.contains("没有单位属于片区「火星」"))

            // Complaints: one taken up as a request, one closed with a reason.
            for text in ["汤里有虫子，很恶心", "餐具有油污没洗干净"] {
                _ = try await test.store.inspections.fileComplaint(
                    posterToken: units[5].posterToken, ComplaintDraft(text: text), photo: nil, device: text, address: nil)
            }
            var list = try await client.get("/admin/complaints?site=office&state=open", headers: session).text
            #expect(list.contains("汤里有虫子") && list.contains("餐具有油污"))
            response = try await post("/admin/complaints/1/convert", "")
            #expect(try await client.following(response, headers: session).text.contains("投诉 #1 已转为对该单位的检查申请"))
            response = try await post("/admin/complaints/2/close", "reason=")
            #expect(try await client.following(response, headers: session).text.contains("办结投诉需要写明理由"))
            #expect(try await post("/admin/complaints/2/close", "reason=%E5%B7%B2%E7%94%B5%E8%AF%9D%E6%A0%B8%E5%AE%9E").status == .seeOther)
            list = try await client.get("/admin/complaints?site=office", headers: session).text
            #expect(list.contains("已转为检查") && list.contains("已电话核实"))
            #expect(!list.contains("src=\"/evidence/\""), "no photo, no image: an empty text opens no section")

            // The unit's file: its inspection and inspectors, its findings, its trail; a conflict declared.
            var file = try await client.get("/admin/units/\(units[0].unit.id)", headers: session).text
            #expect(file.contains("执法员1、执法员2") && file.contains("健康证过期") && file.contains("☹️ 较差") && file.contains("量化分级变化"))
            #expect(file.contains("<strong>已逾期</strong>"), "the overdue finding says so on the unit's file, as on the unit's page")
            response = try await post("/admin/units/\(units[0].unit.id)/recusals", "staff=4&reason=%E4%BA%B2%E5%B1%9E")
            #expect(response.status == .seeOther)
            file = try await client.get("/admin/units/\(units[0].unit.id)", headers: session).text
            #expect(file.contains("执法员3 · 亲属") && file.contains("登记回避"))
            // The same trail through the API: the unit's own events only (it ignored `unit` and gave every log).
            let trail = try await client.get("/api/v1/audit?unit=\(units[0].unit.id)", headers: session)
            let entries = try #require(trail.json["entries"] as? [[String: Any]])
            #expect(!entries.isEmpty && entries.allSatisfy { ($0["unit_id"] as? Int).map(Int64.init) == units[0].unit.id })
            #expect(entries.contains { $0["action"] as? String == "recusal" })
            #expect(try await client.get("/api/v1/audit?unit=abc", headers: session).status == .badRequest)

            // The units list: searched, filtered, paged (50 a page).
            let first = try await client.get("/admin/units?site=office", headers: session).text
            #expect(first.contains("第 1 / 2 页，共 60 家") && first.contains("rel=\"next\"") && !first.contains("rel=\"prev\""))
            let found = try await client.get("/admin/units?site=office&q=%E7%AC%AC7%E9%A3%9F%E5%A0%82", headers: session).text
            #expect(found.contains("共 1 家") && found.contains(">第7食堂</a>"))
            let byCode = try await client.get("/admin/units?site=office&q=\(units[41].unit.uscc.lowercased())", headers: session).text
            #expect(byCode.contains("共 1 家") && byCode.contains(">第42食堂</a>"))
            let past = try await client.get("/admin/units?site=office&page=9", headers: session).text
            #expect(past.contains("第 2 / 2 页，共 60 家") && past.contains(">第60食堂</a>"), "past the last page: the last one")

            // A filter it does not know, a day that is none or a reversed period: refused, never ignored.
            var page = session
            page[.accept] = "text/html"
            for (uri, said) in [
                ("/admin/due?site=office&risk=Z", "筛选条件 risk 没有“Z”这一项（可选：A、B、C、D）"),
                ("/admin/due?site=office&state=late", "筛选条件 state 没有“late”"),
                ("/admin/units?site=office&risk=E", "筛选条件 risk 没有“E”"),
                ("/admin/findings?site=office&state=closed", "筛选条件 state 没有“closed”"),
                ("/admin/complaints?site=office&state=lost", "筛选条件 state 没有“lost”"),
                ("/admin/inspections?site=office&from=2026-12-10&to=2026-12-01", "截止日期 2026-12-01 早于起始日期 2026-12-10"),
                ("/admin/findings?site=office&from=2026-02-30", "from 应为日期"),
                ("/admin/due?site=office&page=0", "page 应为从 1 开始的页码"),
                ("/admin/due?site=office&format=xml", "筛选条件 format 没有“xml”"),
            ] {
                let refused = try await client.get(uri, headers: page)
                #expect(refused.status == .badRequest && refused.text.contains(said), "\(uri): \(refused.text)")
            }
            let hall = try await client.get("/admin/complaints?site=hall", headers: page)
            #expect(hall.status == .notFound && hall.text.contains("「hall」是办事大厅，不是检查机构"), "it said 没有找到 of a hall that exists: \(hall.text)")
        }
    }
}
