import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import QuhaoCore
import QuhaoStore
import Testing

/// Rectifications over HTTP as the unit and the office see them: each answer keeps its own photos,
/// earlier answers and the reasons they were sent back stay as a history; a refused photo keeps
/// what the unit typed; a double-tapped self-inspection counts once.
@Suite struct RectificationHTTPTests {
    static let inspector = Inspector(initiator: .staff("1"), name: "张检查员")

    /// The office with a unit whose key item 2.1 failed on a visit, and a signed-in inspector.
    static func officeWithFinding() async throws -> (TestApp, RegisteredUnit, Finding) {
        let test = try await TestApp(site: InspectionPagesTests.office)
        let unit = try await test.store.inspections.createUnit(site: "office", InspectionPagesTests.unit(1), by: .cli)
        _ = try await test.store.accounts.addStaff(
            NewStaff(login: "zhang", name: "张检查员", role: .inspector, siteID: "office", counters: [], password: "inspector-pass-1"), cost: 4)
        let visit = try await test.store.inspections.checkIn(posterToken: unit.posterToken, team: 1, by: Self.inspector)
        _ = try await test.store.inspections.join(posterToken: unit.posterToken, by: Inspector(initiator: .staff("2"), name: "李检查员"))
        _ = try await test.store.inspections.record(
            visit.id, items: ["1.1": ItemEntry(.yes), "2.1": ItemEntry(.no, note: "健康证过期"), "3.1": ItemEntry(.yes)], summary: nil,
            by: Self.inspector)
        _ = try await test.store.inspections.checkOut(visit.id, unsignedReason: "负责人不在场", by: Self.inspector)
        let finding = try #require(try await test.store.inspections.findings(unit: unit.unit.id, openOnly: true).first)
        return (test, unit, finding)
    }

    @Test func eachAnswerKeepsItsOwnPhotosAndTheReasonsStayAsAHistory() async throws {
        let (test, unit, finding) = try await Self.officeWithFinding()
        try await test.run { client in
            let uri = "/u/\(unit.privateToken)/findings/\(finding.id)"
            func send(_ text: String, _ photo: Data) async throws -> TestResponse {
                let (headers, body) = InspectionPagesTests.multipart(text: text, files: [("photo.jpg", photo)])
                return try await client.execute(uri: uri, method: .post, headers: headers.merging([.origin: TestApp.origin]), body: body)
            }
            #expect(try await send("已补办一人", InspectionPagesTests.red).status == .seeOther)
            _ = try await test.store.inspections.rejectRectification(finding.id, reason: "另一人的健康证仍未补办", by: Self.inspector)
            #expect(try await send("两人均已补办", InspectionPagesTests.blue).status == .seeOther)
            let answers = try await test.store.inspections.answers(finding: finding.id)
            let red = try #require(answers.first?.photos.first?.sha256)
            let blue = try #require(answers.last?.photos.first?.sha256)
            #expect(answers.count == 2 && red != blue)

            // The office: the answer to verify with its own photo only; the first, its photo and the reason, as history.
            let session = try await client.signIn("zhang", "inspector-pass-1")
            let page = try await client.get("/inspect", headers: session).text
            let article = try #require(page.components(separatedBy: "id=\"finding-\(finding.id)\"").dropFirst().first)
            let (current, history) = try Self.split(article)
            #expect(current.contains("/evidence/\(blue)") && !current.contains("/evidence/\(red)"), "the current answer shows its own photo only")
            #expect(current.contains("两人均已补办"))
            #expect(history.contains("/evidence/\(red)") && history.contains("已补办一人") && history.contains("另一人的健康证仍未补办"))
            #expect(!history.contains("/evidence/\(blue)"))

            // The unit: the same, at its own addresses.
            let mine = try await client.get("/u/\(unit.privateToken)").text
            let own = try #require(mine.components(separatedBy: "id=\"finding-\(finding.id)\"").dropFirst().first)
            let (yours, earlier) = try Self.split(own)
            #expect(yours.contains("/u/\(unit.privateToken)/photos/\(blue)") && !yours.contains(red))
            #expect(earlier.contains("/u/\(unit.privateToken)/photos/\(red)") && earlier.contains("被退回：另一人的健康证仍未补办"))
            #expect(try await client.get("/u/\(unit.privateToken)/photos/\(red)").status == .ok, "an earlier answer's photo stays visible")

            // Sent back again: the page shows both earlier answers and no current one.
            _ = try await test.store.inspections.rejectRectification(finding.id, reason: "照片不清楚", by: Self.inspector)
            let again = try await client.get("/u/\(unit.privateToken)").text
            #expect(again.contains("此前的整改答复（2 次）") && again.contains("照片不清楚") && again.contains("另一人的健康证仍未补办"))
        }
    }

    /// The part of a finding's article before its history, and the history.
    static func split(_ article: String) throws -> (String, String) {
        let end = article.components(separatedBy: "</article>").first ?? article
        let parts = end.components(separatedBy: "<details class=\"history\">")
        return (parts[0], parts.count > 1 ? parts[1] : "")
    }

    @Test func aRefusedPhotoKeepsWhatTheUnitTyped() async throws {
        let (test, unit, finding) = try await Self.officeWithFinding()
        try await test.run { client in
            let (headers, body) = InspectionPagesTests.multipart(text: "已为两名员工补办健康证，并张贴于更衣室", files: [("p.jpg", InspectionPagesTests.fakeJPEG)])
            let refused = try await client.execute(
                uri: "/u/\(unit.privateToken)/findings/\(finding.id)", method: .post, headers: headers.merging([.origin: TestApp.origin]), body: body)
            // Post, redirect, get: Back never asks to send the form again.
            #expect(refused.status == .seeOther && refused.headers[.location]?.hasPrefix("/u/\(unit.privateToken)?m=") == true)
            let page = try await client.following(refused)
            #expect(page.status == .unsupportedMediaType)
            #expect(page.text.contains("只能上传") || page.text.contains("JPEG"))
            #expect(page.text.contains(">已为两名员工补办健康证，并张贴于更衣室</textarea>"))
            #expect(try await test.store.inspections.findings(unit: unit.unit.id, openOnly: true).first?.state == .open, "nothing changed")
        }
    }

    @Test func aDoubleTappedSelfInspectionCountsOnce() async throws {
        let (test, unit, _) = try await Self.officeWithFinding()
        try await test.run { client in
            let page = try await client.get("/u/\(unit.privateToken)").text
            let key = try #require(page.components(separatedBy: "name=\"submission\" value=\"").dropFirst().first?.prefix { $0 != "\"" })
            let form = "submission=\(key)&item.1.1=yes&item.2.1=yes&item.3.1=no"
            for _ in 0..<2 {
                let response = try await client.execute(
                    uri: "/u/\(unit.privateToken)/self-inspection", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded", .origin: TestApp.origin], body: ByteBuffer(string: form))
                #expect(response.status == .seeOther && response.headers[.location] == "/u/\(unit.privateToken)")
            }
            let own = try await test.store.inspections.history(unit: unit.unit.id).filter { $0.kind == .selfInspection }
            #expect(own.count == 1)
            // A new page has a new key: a second self-inspection later is its own.
            let next = try await client.get("/u/\(unit.privateToken)").text
            #expect(!next.contains("value=\"\(key)\""))
        }
    }
}
