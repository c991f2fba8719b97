import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import QuhaoCore
import QuhaoStore
import Testing

/// The inspection loop over HTTP, as a unit's phone and an inspector's phone drive it, and every
/// refusal with its status.
@Suite struct InspectionPagesTests {
    static let office = Site(
        id: "office", name: LocalizedText(zh: "食品安全监管所", en: "Food-safety office"), kind: .inspection,
        services: [
            Service(id: "routine", prefix: "J", name: LocalizedText(zh: "日常检查申请", en: "Routine"), identity: .uscc, phone: .required),
            Service(id: "recheck", prefix: "K", name: LocalizedText(zh: "整改复查申请", en: "Re-inspection"), identity: .uscc, phone: .required),
        ],
        counters: [Counter(id: 1, services: ["recheck", "routine"]), Counter(id: 2, services: ["routine", "recheck"])],
        rules: QueueRules(allowRemote: false, presence: .static),
        inspection: InspectionRules(
            checklist: [
                ChecklistItem(
                    code: "1.1", section: LocalizedText(zh: "许可", en: "Licence"), text: LocalizedText(zh: "许可证有效", en: "Valid"), isKey: true),
                ChecklistItem(code: "2.1", section: LocalizedText(zh: "人员", en: "Staff"), text: LocalizedText(zh: "健康证明", en: "Health"), isKey: true),
                ChecklistItem(
                    code: "3.1", section: LocalizedText(zh: "环境", en: "Premises"), text: LocalizedText(zh: "清洁", en: "Clean"), isKey: false),
            ], maxPhotoBytes: 8 * 1_048_576, maxPhotos: 3, routineService: "routine", reinspectionService: "recheck"))

    static func unit(_ n: Int) -> UnitDraft {
        let body = "91330100" + String(format: "%09d", n)
        return UnitDraft(
            name: "第\(n)食堂", uscc: body + String(USCC.checkCharacter(for: Array(body))!), licence: "JY1330100" + String(format: "%07d", n),
            address: "钱塘区\(n)号", type: "学校食堂", risk: "B", contactPhone: "13812345678")
    }

    /// A real image from `Tests/fixtures/images`.
    static func image(_ name: String) -> Data {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? Data(contentsOf: tests.appendingPathComponent("fixtures/images/\(name)"))) ?? Data()
    }

    /// Real images (a 4×4 PNG, two 8×8 JPEGs), and things that only pretend to be images.
    static let png = image("green.png")
    static let red = image("red.jpg")
    static let blue = image("blue.jpg")
    /// A JPEG's first bytes, then a page.
    static let fakeJPEG = Data([0xFF, 0xD8, 0xFF]) + Data("<html><script>alert(1)</script></html>".utf8)
    static let html = Data("<html><script>alert(1)</script></html>".utf8)
    static let svg = Data("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".utf8)

    /// A `multipart/form-data` body with a text and files.
    static func multipart(text: String, files: [(name: String, data: Data)]) -> (HTTPFields, ByteBuffer) {
        let boundary = "----quhao-test-boundary"
        var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n\(text)\r\n".utf8)
        for file in files {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"photos[]\"; filename=\"\(file.name)\"\r\n".utf8)
            body += Data("Content-Type: image/jpeg\r\n\r\n".utf8) + file.data + Data("\r\n".utf8)
        }
        body += Data("--\(boundary)--\r\n".utf8)
        return ([.contentType: "multipart/form-data; boundary=\(boundary)"], ByteBuffer(bytes: body))
    }

    static func form(_ text: String) -> (HTTPFields, ByteBuffer) {
        ([.contentType: "application/x-www-form-urlencoded"], ByteBuffer(string: text))
    }

    @Test func theLoopOverHTTPWithEveryRefusal() async throws {
        let test = try await TestApp(site: Self.office)
        let one = try await test.store.inspections.createUnit(site: "office", Self.unit(1), by: .cli)
        let two = try await test.store.inspections.createUnit(site: "office", Self.unit(2), by: .cli)
        _ = try await test.store.accounts.addStaff(
            NewStaff(login: "zhang", name: "张检查员", role: .inspector, siteID: "office", counters: [], password: "inspector-pass-1"), cost: 4)
        _ = try await test.store.accounts.addStaff(
            NewStaff(login: "li", name: "李检查员", role: .inspector, siteID: "office", counters: [], password: "inspector-pass-2"), cost: 4)
        try await test.run { client throws in
            func post(_ uri: String, _ body: (HTTPFields, ByteBuffer), _ session: HTTPFields = [:]) async throws -> TestResponse {
                var headers = body.0
                // The session's headers carry our Origin; a unit's phone sends its own.
                headers.append(contentsOf: session.isEmpty ? [.origin: TestApp.origin] : session)
                // A refusal comes back as a redirect to the page that shows it (post, redirect, get).
                return try await client.following(try await client.execute(uri: uri, method: .post, headers: headers, body: body.1), headers: session)
            }
            // The unit requests from its own link.
            var response = try await post("/u/\(one.privateToken)/request", Self.form("kind=routine"))
            #expect(response.status == .seeOther)
            // The page it goes back to already shows the place in the queue (the handler waited for the board).
            let mine = try await client.get("/u/\(one.privateToken)").text
            #expect(mine.contains("排队号码 J001") && mine.contains("您是下一家"))
            // Tokens: a forged one, a poster token where the private one is needed, and the reverse.
            #expect(try await client.get("/u/AAAAAAAAAAAAAAAAAAAAAA").status == .notFound)
            #expect(try await client.get("/u/\(one.posterToken)").status == .forbidden)
            #expect(try await client.get("/p/\(one.privateToken)").status == .forbidden)
            #expect(try await client.get("/qr/units/\(one.privateToken).svg").status == .forbidden, "the private link is never drawn")
            #expect(try await client.get("/qr/units/\(one.posterToken).svg").status == .ok)
            // The poster shows public facts only.
            let poster = try await client.get("/p/\(one.posterToken)").text
            #expect(poster.contains("第1食堂") && !poster.contains("13812345678") && !poster.contains(one.privateToken))

            let session = try await client.signIn("zhang", "inspector-pass-1")
            response = try await post("/inspect/office/2/call-next", Self.form(""), session)
            #expect(response.status == .seeOther)
            let location = try #require(response.headers[.location])
            let id = try #require(Int64(location.split(separator: "/").last ?? ""))
            #expect(location == "/inspect/i/\(id)")
            // No results before a check-in.
            response = try await post("/inspect/i/\(id)/record", Self.form("item.1.1=yes&item.2.1=yes&item.3.1=yes"), session)
            #expect(response.status == .conflict)
            #expect(response.text.contains("请先在现场扫码签到"))
            // Check-in: not signed in, then signed in (the poster token is the proof).
            #expect(try await post("/p/\(one.posterToken)/check-in", Self.form("team=2")).status == .unauthorized)
            #expect(try await client.get("/p/\(one.posterToken)", headers: session).text.contains("签到 Check in"))
            response = try await post("/p/\(one.posterToken)/check-in", Self.form("team=2"), session)
            #expect(response.status == .seeOther && response.headers[.location] == "/inspect/i/\(id)")
            // The second officer scans the same poster on their own phone and is on the record too.
            let partner = try await client.signIn("li", "inspector-pass-2")
            response = try await post("/p/\(one.posterToken)/check-in", Self.form("team=2"), partner)
            #expect(response.status == .seeOther && response.headers[.location] == "/inspect/i/\(id)")
            #expect(try await test.store.inspections.inspection(id).inspectors == ["张检查员", "李检查员"])
            // The checklist: 2.1 fails (key), 3.1 fails and is corrected on site.
            response = try await post(
                "/inspect/i/\(id)/record",
                Self.form("item.1.1=yes&item.2.1=no&note.2.1=%E5%81%A5%E5%BA%B7%E8%AF%81%E8%BF%87%E6%9C%9F&item.3.1=no&fixed.3.1=yes"),
                session)
            #expect(response.status == .seeOther)
            let record = try await client.get("/inspect/i/\(id)", headers: session).text
            #expect(record.contains("不符合"))
            #expect(record.contains("凭门口公示码签到（纸质码，较弱凭证"), "the printed poster is recorded as the weaker proof")
            // Neither the unit's signature nor why there is none: refused (it checked out unsigned, silently).
            let unsigned = try await post("/inspect/i/\(id)/check-out", Self.form(""), session)
            #expect(try await client.following(unsigned, headers: session).text.contains("无法签名时（如拒签、负责人不在场），请写明原因"))
            #expect(
                try await post("/inspect/i/\(id)/check-out", Self.form("unsigned_reason=%E8%B4%9F%E8%B4%A3%E4%BA%BA%E6%8B%92%E7%AD%BE"), session)
                    .status
                    == .seeOther)
            #expect(try await client.get("/inspect/i/\(id)", headers: session).text.contains("单位负责人未签名：负责人拒签"))
            let finding = try #require(try await test.store.inspections.findings(unit: one.unit.id, openOnly: true).first)
            #expect(finding.itemCode == "2.1" && finding.description == "健康证过期")
            #expect(try await client.get("/u/\(one.privateToken)").text.contains("健康证过期"))

            // Rectification uploads: told by content, bounded, the unit's own finding only.
            let uri = "/u/\(one.privateToken)/findings/\(finding.id)"
            #expect(try await post(uri, Self.multipart(text: "已整改", files: [("photo.png", Self.html)])).status == .unsupportedMediaType)
            #expect(try await post(uri, Self.multipart(text: "已整改", files: [("photo.png", Self.svg)])).status == .unsupportedMediaType)
            #expect(try await post(uri, Self.multipart(text: "已整改", files: [("photo.jpg", Self.fakeJPEG)])).status == .unsupportedMediaType)
            let big = Data([0xFF, 0xD8, 0xFF, 0xE0]) + Data(repeating: 0, count: 20 * 1_048_576)
            #expect(try await post(uri, Self.multipart(text: "已整改", files: [("big.jpg", big)])).status == .contentTooLarge)
            #expect(try await post("/u/\(two.privateToken)/findings/\(finding.id)", Self.multipart(text: "冒充", files: [])).status == .notFound)
            #expect(try await test.store.inspections.findings(unit: one.unit.id, openOnly: true).first?.state == .open, "nothing changed")
            response = try await post(uri, Self.multipart(text: "已补办健康证", files: [("photo.jpg", Self.png)]))
            #expect(response.status == .seeOther)
            let photos = try await test.store.inspections.answers(finding: finding.id).last?.photos ?? []
            #expect(photos.map(\.contentType) == ["image/png"], "a PNG named .jpg is kept as the PNG it is")
            let sha = try #require(photos.first?.sha256)
            let served = try await client.get("/u/\(one.privateToken)/photos/\(sha)")
            #expect(served.status == .ok && served.headers[.contentType] == "image/png")
            #expect(served.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            #expect(try await client.get("/u/\(two.privateToken)/photos/\(sha)").status == .notFound, "never to another unit")
            #expect(try await client.get("/evidence/\(sha)").status == .unauthorized)
            #expect(try await client.get("/evidence/\(sha)", headers: session).status == .ok)

            // Verify, and verifying twice is refused.
            #expect(try await post("/inspect/findings/\(finding.id)/verify", Self.form(""), session).status == .seeOther)
            #expect(try await post("/inspect/findings/\(finding.id)/verify", Self.form(""), session).status == .conflict)
            #expect(try await test.store.inspections.findings(unit: one.unit.id, openOnly: true).isEmpty)

            // The office's figures: one unit inspected, two findings, both rectified (one on site).
            #expect(try await client.get("/api/v1/inspections/summary?site=office").status == .unauthorized)
            let summary = try await client.get("/api/v1/inspections/summary?site=office", headers: session)
            #expect(summary.status == .ok)
            let total = try #require(summary.json["total"] as? [String: Int])
            #expect(total == ["units_inspected": 1, "inspections": 1, "findings": 2, "rectified": 2])
            #expect((summary.json["by_risk"] as? [String: Any])?.keys.sorted() == ["B"])
            let csv = try await client.get("/api/v1/inspections/summary?site=office&format=csv&from=2026-11-25&to=2026-11-25", headers: session)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.text.hasPrefix("\u{FEFF}group,key,label,units_inspected,inspections,findings,rectified,rectification_rate_percent"))
            #expect(csv.text.contains("total,all,合计 Total,1,1,2,2,100.0,1,0,0,0,0,0,0,,"))
            #expect(try await client.get("/api/v1/inspections/summary?site=office&from=2026-13-01", headers: session).status == .badRequest)
        }
    }

    @Test func theUnitsScreenShowsACodeThatChecksInWithStrongerProof() async throws {
        let test = try await TestApp(site: Self.office)
        let unit = try await test.store.inspections.createUnit(site: "office", Self.unit(1), by: .cli)
        _ = try await test.store.accounts.addStaff(
            NewStaff(login: "zhang", name: "张检查员", role: .inspector, siteID: "office", counters: [], password: "inspector-pass-1"), cost: 4)
        try await test.run { client throws in
            let screen = try await client.get("/u/\(unit.privateToken)/code")
            #expect(screen.status == .ok)
            let code = try await test.store.inspections.onSiteCode(unitToken: unit.privateToken).code
            #expect(screen.text.contains(">\(code)<") && screen.text.contains("/qr/units/\(unit.posterToken).svg?c=\(code)"))
            #expect(screen.text.contains("http-equiv=\"refresh\""), "the screen turns with the code")
            #expect(try await client.get("/qr/units/\(unit.posterToken).svg?c=\(code)").text.contains("现场核验码 \(code)"))
            let session = try await client.signIn("zhang", "inspector-pass-1")
            #expect(try await client.get("/p/\(unit.posterToken)?c=\(code)", headers: session).text.contains("name=\"code\" value=\"\(code)\""))
            var headers = session
            headers[.contentType] = "application/x-www-form-urlencoded"
            let wrong = try await client.following(
                try await client.execute(
                    uri: "/p/\(unit.posterToken)/check-in", method: .post, headers: headers, body: ByteBuffer(string: "team=1&code=000000")),
                headers: session)
            #expect(wrong.status == .forbidden || code == "000000")
            let response = try await client.execute(
                uri: "/p/\(unit.posterToken)/check-in", method: .post, headers: headers, body: ByteBuffer(string: "team=1&code=\(code)"))
            #expect(response.status == .seeOther)
            #expect(try await test.store.inspections.history(unit: unit.unit.id).first?.checkInProof == .rotatingCode)
            let page = try await client.get(try #require(response.headers[.location]), headers: session).text
            #expect(page.contains("凭单位屏幕动态码签到（较强凭证）") && !page.contains("较弱"))
        }
    }

    @Test func aRotatedTokenStopsWorking() async throws {
        let test = try await TestApp(site: Self.office)
        let unit = try await test.store.inspections.createUnit(site: "office", Self.unit(1), by: .cli)
        let rotated = try await test.store.inspections.rotateToken(.private, unit: unit.unit.id, by: .cli)
        try await test.run { client throws in
            #expect(try await client.get("/u/\(unit.privateToken)").status == .notFound)
            #expect(try await client.get("/u/\(rotated.privateToken)").status == .ok)
        }
    }
}

/// The admin's units pages: register with checked fields, import all or nothing, deactivate.
@Suite struct AdminUnitPagesTests {
    @Test func registerImportExportAndDeactivate() async throws {
        let test = try await TestApp(site: InspectionPagesTests.office)
        _ = try await test.store.accounts.addStaff(
            NewStaff(login: "boss", name: "所长", role: .admin, siteID: nil, counters: [], password: "admin-pass-2026"), cost: 4)
        try await test.run { client throws in
            let session = try await client.signIn("boss", "admin-pass-2026")
            func post(_ uri: String, _ text: String) async throws -> TestResponse {
                var headers = session
                headers[.contentType] = "application/x-www-form-urlencoded"
                return try await client.following(
                    try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: text)), headers: session)
            }
            let good = InspectionPagesTests.unit(1)
            // A bad field comes back with the form filled in and the field marked.
            var response = try await post(
                "/admin/units", "name=%E9%A3%9F%E5%A0%82&uscc=123&licence=\(good.licence)&address=x&type=restaurant&risk=B&contact_phone=13812345678")
            #expect(response.status == .badRequest)
            #expect(response.text.contains("value=\"123\"") && response.text.contains("统一社会信用代码"))
            // Every problem of the form at once, each field marked.
            let several = try await post(
                "/admin/units", "name=%E9%A3%9F%E5%A0%82&uscc=123&licence=JY1&address=x&type=restaurant&risk=E&contact_phone=12")
            #expect(several.status == .badRequest)
            #expect(several.text.components(separatedBy: "<strong class=\"error\">!</strong>").count - 1 == 4, "uscc, licence, risk, phone marked")
            #expect(several.text.contains("风险等级") || several.text.contains("risk"))
            response = try await post(
                "/admin/units",
                "name=%E9%A3%9F%E5%A0%82&uscc=\(good.uscc)&licence=\(good.licence)&address=x&type=restaurant&risk=B&contact_phone=13812345678")
            #expect(response.status == .seeOther)
            let unit = try #require(try await test.store.inspections.units(site: "office").first)
            #expect(response.headers[.location] == "/admin/units/\(unit.unit.id)")
            let page = try await client.get("/admin/units/\(unit.unit.id)", headers: session).text
            #expect(page.contains("/qr/units/\(unit.posterToken).svg") && page.contains("/u/\(unit.privateToken)"))

            // Import: one bad row on line 3, nothing imported; the export has the BOM and the unit.
            let csv =
                "id,name,uscc,licence,address,type,risk,contact_name,contact_phone,kitchen_mode,camera_url,active\n"
                + ",新食堂,91350100M000100Y43,JY13301000000999,钱塘区1号,餐馆,B,,13812345678,,,是\n"
                + ",坏食堂,91350100M000100Y4Z,JY13301000000998,钱塘区2号,餐馆,B,,13812345678,,,是\n"
            let boundary = "----admin-import"
            var headers = session
            headers[.contentType] = "multipart/form-data; boundary=\(boundary)"
            let body =
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"units.csv\"\r\nContent-Type: text/csv\r\n\r\n\(csv)\r\n--\(boundary)--\r\n"
            response = try await client.following(
                try await client.execute(uri: "/admin/units/import", method: .post, headers: headers, body: ByteBuffer(string: body)),
                headers: session)
            #expect(response.status == .badRequest)
            #expect(response.text.contains("第 3 行“uscc”列：统一社会信用代码校验位不正确"))
            #expect(try await test.store.inspections.units(site: "office").count == 1)
            let export = try await client.get("/admin/units/export", headers: session)
            #expect(export.text.hasPrefix("\u{FEFF}id,name,uscc") && export.text.contains(good.uscc))

            // Deactivating asks first (a confirmation page when no script asked), then acts.
            let ask = try await post("/admin/units/\(unit.unit.id)/active", "active=no")
            #expect(ask.status == .seeOther && ask.headers[.location] == "/admin/units/\(unit.unit.id)?confirm=deactivate")
            let asked = try await client.get("/admin/units/\(unit.unit.id)?confirm=deactivate", headers: session)
            #expect(asked.status == .ok && asked.text.contains("id=\"confirm\"") && asked.text.contains("确定停用"))
            #expect(try await test.store.inspections.unit(unit.unit.id).unit.active, "not yet deactivated")
            // Deactivated: the unit's link still shows its page but refuses to act.
            #expect(try await post("/admin/units/\(unit.unit.id)/active", "active=no&confirm=yes").status == .seeOther)
            var unitHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            unitHeaders[.origin] = TestApp.origin
            response = try await client.following(
                try await client.execute(
                    uri: "/u/\(unit.privateToken)/request", method: .post, headers: unitHeaders, body: ByteBuffer(string: "kind=routine")))
            #expect(response.status == .conflict && response.text.contains("该单位已停用"))
            // Rotating the private link retires the old one.
            #expect(
                try await post("/admin/units/\(unit.unit.id)/rotate", "kind=private").headers[.location]?.hasSuffix("confirm=rotate-private") == true)
            let rotateAsked = try await client.get("/admin/units/\(unit.unit.id)?confirm=rotate-private", headers: session)
            #expect(rotateAsked.status == .ok && rotateAsked.text.contains("专用链接立即作废"))
            #expect(try await client.get("/u/\(unit.privateToken)").status == .ok, "not yet rotated")
            #expect(try await post("/admin/units/\(unit.unit.id)/rotate", "kind=private&confirm=yes").status == .seeOther)
            #expect(try await client.get("/u/\(unit.privateToken)").status == .notFound)
        }
    }
}
