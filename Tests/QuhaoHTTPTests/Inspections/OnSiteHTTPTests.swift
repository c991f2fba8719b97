import Foundation
import Hummingbird
import HummingbirdTesting
import QuhaoCore
import QuhaoStore
import Synchronization
import Testing

@testable import QuhaoHTTP

/// On the premises over HTTP: two officers on one visit (a colleague chosen at check-in, or joining
/// by the same poster), photos on an item, a due day moved, the unit's drawn signature at check-out;
/// the poster's grade and a diner's complaint.
@Suite struct OnSiteHTTPTests {
    static func image(_ name: String) throws -> Data {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("fixtures/images/\(name)")
        return try Data(contentsOf: url)
    }

    /// A `multipart/form-data` body with text fields and files.
    static func multipart(_ fields: [(String, String)], files: [(field: String, name: String, type: String, data: Data)]) -> (HTTPFields, ByteBuffer)
    {
        let boundary = "----quhao-onsite-boundary"
        var body = Data()
        for (name, value) in fields {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        for file in files {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.field)\"; filename=\"\(file.name)\"\r\n".utf8)
            body += Data("Content-Type: \(file.type)\r\n\r\n".utf8) + file.data + Data("\r\n".utf8)
        }
        body += Data("--\(boundary)--\r\n".utf8)
        return ([.contentType: "multipart/form-data; boundary=\(boundary)"], ByteBuffer(bytes: body))
    }

    @Test func twoOfficersPhotosADueDayMovedAndTheUnitsSignature() async throws {
        let test = try await TestApp(site: InspectionPagesTests.office)
        let unit = try await test.store.inspections.createUnit(site: "office", InspectionPagesTests.unit(1), by: .cli)
        let zhang = try await test.store.accounts.addStaff(
            NewStaff(login: "zhang", name: "张检查员", role: .inspector, siteID: "office", password: "inspector-pass-1"), cost: 4)
        let li = try await test.store.accounts.addStaff(
            NewStaff(login: "li", name: "李检查员", role: .inspector, siteID: "office", password: "inspector-pass-2"), cost: 4)
        let jpeg = try Self.image("red.jpg")
        let png = try Self.image("green.png")
        try await test.run { client in
            func post(_ uri: String, _ body: (HTTPFields, ByteBuffer), _ session: HTTPFields) async throws -> TestResponse {
                try await client.execute(uri: uri, method: .post, headers: body.0.merging(session), body: body.1)
            }
            let first = try await client.signIn("zhang", "inspector-pass-1")
            let second = try await client.signIn("li", "inspector-pass-2")
            // The poster offers the signed-in colleague as a companion.
            let poster = try await client.get("/p/\(unit.posterToken)", headers: first).text
            #expect(poster.contains("name=\"with.\(li.id)\"") && poster.contains("李检查员") && !poster.contains("name=\"with.\(zhang.id)\""))
            var response = try await post("/p/\(unit.posterToken)/check-in", InspectionPagesTests.form("team=1&with.\(li.id)=yes"), first)
            #expect(response.status == .seeOther)
            let id = try #require(Int64(response.headers[.location]?.split(separator: "/").last ?? ""))
            let visit = try await test.store.inspections.visitInspectors(id)
            #expect(visit.map(\.name) == ["张检查员", "李检查员"] && visit.map(\.how) == [.checkedIn, .chosen])
            var page = try await client.get("/inspect/i/\(id)", headers: second).text
            #expect(page.contains("检查人员（2 名，至少 2 名）") && page.contains("签到时选定") && !page.contains("id=\"team-short\""))

            // A photo on item 2.1, taken before the results are saved; a file that is no photo is refused.
            response = try await post(
                "/inspect/i/\(id)/photos", Self.multipart([("item", "2.1")], files: [("photos", "wall.jpg", "image/jpeg", jpeg)]), second)
            #expect(response.status == .seeOther && response.headers[.location] == "/inspect/i/\(id)#item-2.1")
            // In English the language goes before the fragment, where the browser reads it.
            response = try await post(
                "/inspect/i/\(id)/photos?lang=en", Self.multipart([("item", "2.1")], files: [("photos", "wall.jpg", "image/jpeg", jpeg)]), second)
            #expect(response.headers[.location] == "/inspect/i/\(id)?lang=en#item-2.1")
            response = try await post(
                "/inspect/i/\(id)/photos",
                Self.multipart([("item", "2.1")], files: [("photos", "x.jpg", "image/jpeg", InspectionPagesTests.fakeJPEG)]), second)
            #expect(try await client.following(response, headers: second).status == .unsupportedMediaType)
            let photos = try await test.store.inspections.sitePhotos(id)
            #expect(photos.count == 1 && photos[0].itemCode == "2.1" && photos[0].addedBy == "李检查员")
            page = try await client.get("/inspect/i/\(id)", headers: first).text
            #expect(page.contains("/evidence/\(photos[0].sha256)") && page.contains("form=\"photo-2.1\""))

            // Results, sent twice with one key (a phone that lost the answer): recorded once.
            let form = "item.1.1=yes&item.2.1=no&note.2.1=%E5%81%A5%E5%BA%B7%E8%AF%81&item.3.1=yes&submission=k-42"
            for _ in 0..<2 {
                let sent = try await post("/inspect/i/\(id)/record", InspectionPagesTests.form(form), first)
                #expect(sent.status == .seeOther && sent.headers[.location] == "/inspect/i/\(id)", "no refusal the second time either")
            }
            let findings = try await test.store.inspections.details(id).findings
            #expect(findings.count == 1 && findings[0].itemCode == "2.1")
            page = try await client.get("/inspect/i/\(id)", headers: first).text
            #expect(page.contains("/evidence/\(photos[0].sha256)"), "the item's photo is the finding's")

            // The due day moved, with a reason the unit sees.
            response = try await post(
                "/inspect/findings/\(findings[0].id)/due",
                InspectionPagesTests.form("due=2026-12-20&reason=%E7%AD%89%E5%BE%85%E8%AE%BE%E5%A4%87&back=\(id)"),
                first)
            #expect(response.status == .seeOther && response.headers[.location] == "/inspect/i/\(id)")
            #expect(try await test.store.inspections.findings(unit: unit.unit.id).first?.due == BusinessDay(iso: "2026-12-20"))
            let told = try await client.get("/u/\(unit.privateToken)").text
            #expect(told.contains("整改期限已由 \(findings[0].due.iso) 调整为 2026-12-20，理由：等待设备"), "the unit is told why")
            response = try await post(
                "/inspect/findings/\(findings[0].id)/due", InspectionPagesTests.form("due=2026-12-21&reason=&back=\(id)"), first)
            #expect(try await client.following(response, headers: first).text.contains("调整整改期限需要写明理由"))

            // Check-out with the drawn signature (a PNG) and the signatory's name.
            response = try await post(
                "/inspect/i/\(id)/check-out",
                Self.multipart([("signed_by", "王师傅")], files: [("signature", "signature.png", "image/png", png)]), first)
            #expect(response.status == .seeOther)
            let done = try await test.store.inspections.inspection(id)
            #expect(done.status == .closed && done.signedBy == "王师傅" && done.signature != nil)
            page = try await client.get("/inspect/i/\(id)", headers: first).text
            #expect(page.contains("单位负责人 王师傅 已于") && page.contains("/evidence/\(done.signature!)"))

            // The record (检查记录表): print-ready in the browser, and as an A4 PDF with its fonts, photos and signature.
            let sheet = try await client.get("/inspect/i/\(id)/sheet", headers: first).text
            #expect(sheet.contains("现场检查记录表") && sheet.contains("张检查员（扫码签到") && sheet.contains("李检查员（签到时选定"))
            #expect(sheet.contains("2.1</td>") && sheet.contains("否（不符合）") && sheet.contains("2026-12-20"))
            #expect(sheet.contains("由 \(findings[0].due.iso) 调整为 2026-12-20（") && sheet.contains("理由：等待设备"))
            #expect(sheet.contains("src=\"/evidence/\(photos[0].sha256)\"") && sheet.contains("src=\"/evidence/\(done.signature!)\""))
            let pdf = try await client.get("/inspect/i/\(id)/sheet.pdf", headers: first)
            #expect(pdf.status == .ok && pdf.headers[.contentType] == "application/pdf")
            let bytes = Data(pdf.body.readableBytesView)
            #expect(bytes.starts(with: Data("%PDF".utf8)) && bytes.count > 20_000, "a PDF with its fonts and images: \(bytes.count) bytes")
            let text = try Self.pdfText(bytes)
            #expect(text.contains("现场检查记录表") && text.contains("第1食堂") && text.contains("张检查员") && text.contains("王师傅"))
            #expect(try Self.pdfImages(bytes) >= 2, "the item's photo and the signature")
            #expect(try await client.get("/inspect/i/\(id)/sheet.pdf").status == .seeOther, "signed-in staff only")

            // Both renders busy (this suite's only PDFs are the ones above): refused with when to come back.
            PDFRenderer.running.withLock { $0 += PDFRenderer.capacity }
            defer { PDFRenderer.running.withLock { $0 -= PDFRenderer.capacity } }
            var asPage = first
            asPage[.accept] = "text/html"
            for headers in [first, asPage] {
                let busy = try await client.get("/inspect/i/\(id)/sheet.pdf", headers: headers)
                #expect(busy.status == .serviceUnavailable && busy.headers[.retryAfter] == "10")
                #expect(busy.text.contains("正在生成其他记录表"))
            }
        }
    }

    /// A PDF's text (poppler's pdftotext).
    static func pdfText(_ pdf: Data) throws -> String { try poppler("pdftotext", pdf, ["-"]) }

    /// How many images a PDF holds (poppler's pdfimages -list: two header lines, then one line each).
    static func pdfImages(_ pdf: Data) throws -> Int {
        try poppler("pdfimages", pdf, ["-list"], inputFirst: false).split(separator: "\n").count - 2
    }

    static func poppler(_ tool: String, _ pdf: Data, _ arguments: [String], inputFirst: Bool = true) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("quhao-test-\(UUID().uuidString).pdf")
        try pdf.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/\(tool)")
        process.arguments = inputFirst ? [file.path] + arguments : arguments + [file.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test func aColleagueJoinsByScanningAndOneAloneCannotSave() async throws {
        let test = try await TestApp(site: InspectionPagesTests.office)
        let unit = try await test.store.inspections.createUnit(site: "office", InspectionPagesTests.unit(1), by: .cli)
        _ = try await test.store.accounts.addStaff(
            NewStaff(login: "zhang", name: "张检查员", role: .inspector, siteID: "office", password: "inspector-pass-1"), cost: 4)
        _ = try await test.store.accounts.addStaff(
            NewStaff(login: "li", name: "李检查员", role: .inspector, siteID: "office", password: "inspector-pass-2"), cost: 4)
        try await test.run { client in
            let first = try await client.signIn("zhang", "inspector-pass-1")
            var response = try await client.execute(
                uri: "/p/\(unit.posterToken)/check-in", method: .post, headers: InspectionPagesTests.form("team=1").0.merging(first),
                body: InspectionPagesTests.form("team=1").1)
            let id = try #require(Int64(response.headers[.location]?.split(separator: "/").last ?? ""))
            #expect(try await client.get("/inspect/i/\(id)", headers: first).text.contains("id=\"team-short\""))
            let form = InspectionPagesTests.form("item.1.1=yes&item.2.1=yes&item.3.1=yes")
            response = try await client.execute(uri: "/inspect/i/\(id)/record", method: .post, headers: form.0.merging(first), body: form.1)
            let refused = try await client.following(response, headers: first)
            #expect(refused.status == .conflict && refused.text.contains("现场检查至少需要 2 名执法人员"))
            let second = try await client.signIn("li", "inspector-pass-2")
            response = try await client.execute(
                uri: "/p/\(unit.posterToken)/check-in", method: .post, headers: InspectionPagesTests.form("team=1").0.merging(second),
                body: InspectionPagesTests.form("team=1").1)
            #expect(response.headers[.location] == "/inspect/i/\(id)", "the colleague lands on the same visit")
            response = try await client.execute(uri: "/inspect/i/\(id)/record", method: .post, headers: form.0.merging(first), body: form.1)
            #expect(response.status == .seeOther && response.headers[.location] == "/inspect/i/\(id)")
            #expect(try await test.store.inspections.inspection(id).inspectors == ["张检查员", "李检查员"])
        }
    }

    @Test func thePosterShowsTheGradeAndTakesAComplaint() async throws {
        let test = try await TestApp(site: InspectionPagesTests.office)
        let unit = try await test.store.inspections.createUnit(site: "office", InspectionPagesTests.unit(1), by: .cli)
        let jpeg = try Self.image("red.jpg")
        try await test.run { client in
            var poster = try await client.get("/p/\(unit.posterToken)").text
            #expect(poster.contains("尚未评定") && poster.contains("我要投诉") && poster.contains("12315"))
            // Graded after an inspection by two officers.
            let visit = try await test.store.inspections.checkIn(
                posterToken: unit.posterToken, team: 1, by: Inspector(initiator: .staff("1"), name: "张检查员"))
            _ = try await test.store.inspections.join(posterToken: unit.posterToken, by: Inspector(initiator: .staff("2"), name: "李检查员"))
            _ = try await test.store.inspections.record(
                visit.id, items: ["1.1": ItemEntry(.yes), "2.1": ItemEntry(.yes), "3.1": ItemEntry(.no)], summary: nil,
                by: Inspector(initiator: .staff("1"), name: "张检查员"))
            poster = try await client.get("/p/\(unit.posterToken)").text
            #expect(poster.contains(">😐</span> 一般") && poster.contains("class=\"grade fair\"") && poster.contains("2026-11-25"))

            // A complaint with a photo, no account; the phone gets its device cookie.
            var response = try await client.execute(
                uri: "/p/\(unit.posterToken)/complaint", method: .post,
                headers: Self.multipart([("text", "餐盘上有油污没洗干净"), ("happened", "今天午餐"), ("phone", "")], files: []).0,
                body: Self.multipart([("text", "餐盘上有油污没洗干净"), ("happened", "今天午餐"), ("phone", "")], files: [("photo", "p.jpg", "image/jpeg", jpeg)]).1
            )
            #expect(response.status == .seeOther && response.headers[.setCookie]?.hasPrefix("qh_device=") == true)
            let done = try await client.get(try #require(response.headers[.location]))
            #expect(done.text.contains("投诉已提交（编号 1）"))
            let complaint = try await test.store.inspections.complaint(1)
            #expect(complaint.text == "餐盘上有油污没洗干净" && complaint.photo != nil && complaint.phone == nil && complaint.state == .open)
            // Refused: too short, and what was typed comes back.
            let short = Self.multipart([("text", "差"), ("happened", ""), ("phone", "13812345678")], files: [])
            response = try await client.execute(uri: "/p/\(unit.posterToken)/complaint", method: .post, headers: short.0, body: short.1)
            let refused = try await client.following(response)
            #expect(refused.status == .badRequest && refused.text.contains("至少 5 个字") && refused.text.contains("value=\"13812345678\""))
        }
    }
}
