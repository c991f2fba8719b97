import Foundation
import Hummingbird
import HummingbirdTesting
import LiveBoard
import Presence
import QuhaoCore
import QuhaoHTTP
import QuhaoStore
import Synchronization
import Testing

/// F9 at a window with a ticket printer: the answer says whether the slip came out (not only
/// that it was queued), and a slip that did not can be printed again.
@Suite struct WindowPrintingTests {
    static func app(printer target: String) async throws -> TestApp {
        let base = TestApp.site()
        let site = Site(
            id: base.id, name: base.name, services: base.services, counters: base.counters, rules: base.rules,
            printer: PrinterSettings(target: target))
        // A slip to a file comes out at once; a loaded test machine can take longer than the
        // window's 2 s, and the answer would be "queued" (true, but not what is checked here).
        let test = try await TestApp(site: site, printPatience: .seconds(20))
        _ = try await test.store.accounts.addStaff(
            NewStaff(login: "wang", name: "王芳", role: .staff, siteID: "hall", counters: [3], password: "window-three-pass"), cost: 4)
        return test
    }

    static func slips(_ path: String) -> Int {
        // Each slip ends with a feed and a partial cut (ESC d 4, GS V 66 0): count those.
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path)) else { return 0 }
        let bytes = [UInt8](data)
        let cut: [UInt8] = [0x1B, 0x64, 0x04, 0x1D, 0x56, 0x42, 0x00]
        guard bytes.count >= cut.count else { return 0 }
        return (0...(bytes.count - cut.count)).filter { Array(bytes[$0..<$0 + cut.count]) == cut }.count
    }

    @Test func theWindowIsToldTheSlipCameOutAndMayPrintItAgain() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("quhao-f9-\(UUID().uuidString).bin").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let test = try await Self.app(printer: path)
        try await test.run { client in
            let staff = try await client.signIn()
            let issued = try await client.post("/api/v1/counters/hall/3/issue", json: #"{"service": "consult"}"#, headers: staff)
            #expect(issued.status == .created)
            #expect(issued.json["printing"] as? String == "printed")
            #expect(issued.json["printing_message"] as? String == "号票已送至打印机。")
            #expect(Self.slips(path) == 1)
            let again = try await client.post("/api/v1/counters/hall/3/reprint", json: #"{"number": "h001"}"#, headers: staff)
            #expect(again.status == .ok)
            #expect(again.json["number"] as? String == "H001")
            #expect(again.json["printing"] as? String == "printed")
            #expect(Self.slips(path) == 2)
            // Not for a number never taken, nor one no longer in the queue, nor without a number.
            let never = try await client.post("/api/v1/counters/hall/3/reprint", json: #"{"number": "H099"}"#, headers: staff)
            #expect(never.status == .notFound)
            #expect(try await client.post("/api/v1/counters/hall/3/reprint", json: "{}", headers: staff).status == .badRequest)
            _ = try await client.post("/api/v1/counters/hall/3/call-next", json: "{}", headers: staff)
            _ = try await client.post("/api/v1/counters/hall/3/start", json: "{}", headers: staff)
            _ = try await client.post("/api/v1/counters/hall/3/complete", json: "{}", headers: staff)
            let done = try await client.post("/api/v1/counters/hall/3/reprint", json: #"{"number": "H001"}"#, headers: staff)
            #expect(done.status == .conflict)
            #expect(done.json["code"] as? String == "ticket.reprint_not_open")
            #expect(Self.slips(path) == 2)
            // Signed out: refused like every window action.
            #expect(try await client.post("/api/v1/counters/hall/3/reprint", json: #"{"number": "H001"}"#).status == .unauthorized)
        }
    }

    /// The printer unplugged: F9 says the slip did not come out and why, in the staff member's
    /// language (it said "queued" before).
    @Test func aSlipThatDidNotComeOutIsSaidSo() async throws {
        let test = try await Self.app(printer: "/dev/quhao-unplugged-\(UUID().uuidString.prefix(6))")
        try await test.run { client in
            let staff = try await client.signIn()
            let issued = try await client.post("/api/v1/counters/hall/3/issue", json: #"{"service": "consult"}"#, headers: staff)
            #expect(issued.status == .created, "the ticket is taken whatever the printer does")
            #expect(issued.json["printing"] as? String == "failed")
            let message = try #require(issued.json["printing_message"] as? String)
            #expect(message.hasPrefix("号票未打印：") && message.contains("找不到打印机"), "\(message)")
            var english = staff
            english[.acceptLanguage] = "en"
            // A reprint that did not print is a refusal a script sees by its status, with the reason.
            let reprinted = try await client.post("/api/v1/counters/hall/3/reprint", json: #"{"number": "H001"}"#, headers: english)
            #expect(reprinted.status == .serviceUnavailable)
            #expect(reprinted.json["code"] as? String == "printer.failed")
            let detail = try #require(reprinted.json["detail"] as? String)
            #expect(detail.hasPrefix("Ticket H001 was not printed: No printer at"), "\(detail)")
        }
    }

    @Test func aHallWithoutAPrinterRefusesAReprintInWords() async throws {
        let test = try await TestApp.withWindowThreeStaff()
        try await test.run { client in
            let staff = try await client.signIn()
            let issued = try await client.post("/api/v1/counters/hall/3/issue", json: #"{"service": "consult"}"#, headers: staff)
            #expect(issued.json["printing"] == nil)
            let refused = try await client.post("/api/v1/counters/hall/3/reprint", json: #"{"number": "H001"}"#, headers: staff)
            #expect(refused.status == .conflict)
            #expect(refused.json["code"] as? String == "printer.not_configured")
            #expect((refused.json["detail"] as? String)?.contains("未配置号票打印机") == true)
        }
    }
}
