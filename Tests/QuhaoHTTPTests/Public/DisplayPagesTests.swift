import Foundation
import Hummingbird
import HummingbirdTesting
import Presence
import QuhaoCore
import QuhaoHTTP
import QuhaoStore
import Speech
import Testing

/// The hall TV's routes: the page, its QR, its chime and its spoken calls.
@Suite struct DisplayPagesTests {
    /// The board's entry for a call made through the store, once the board holds it.
    static func waitForCall(_ test: TestApp, _ client: any TestClientProtocol, _ number: String) async throws -> [String: Any] {
        try await test.boardCaughtUp()
        let board = try await client.get("/api/v1/sites/hall/board").json
        guard let calls = board["recent_calls"] as? [[String: Any]], let call = calls.first(where: { $0["number"] as? String == number }) else {
            throw TestApp.Failure("\(number) is not on the board")
        }
        return call
    }

    @Test func thePageLoadsAndNamesTheHall() async throws {
        let test = try await TestApp()
        try await test.run { client in
            let page = try await client.get("/display/hall")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(page.text.contains("办税服务厅"))
            #expect(page.text.contains("/static/display.js"))
            #expect(page.text.contains("信号中断"))
            let english = try await client.get("/display/hall?lang=en")
            #expect(english.text.contains("Connection lost"))
            let unknown = try await client.get("/display/nowhere", headers: [.accept: "application/json"])
            #expect(unknown.status == .notFound)
            #expect(unknown.json["code"] as? String == "site.not_found")
        }
    }

    @Test func theRotatingCodeIsOnlyForADisplayWithTheKey() async throws {
        let test = try await TestApp()
        let key = test.presence.displayKey(site: "hall")
        try await test.run { client in
            let refused = try await client.get("/display/hall/hall-code?key=0123456789abcdef01234567")
            #expect(refused.status == .forbidden)
            #expect(refused.json["code"] as? String == "display.key_required")
            #expect(try await client.get("/display/hall/hall-code").status == .forbidden)
            let code = try await client.get("/display/hall/hall-code?key=\(key)")
            #expect(code.status == .ok)
            #expect(code.json["url"] as? String == "\(TestApp.origin)/s/hall?p=\(test.presence.current(site: "hall"))")
            #expect((code.json["svg"] as? String)?.hasPrefix("<svg") == true)
            let refresh = try #require(code.json["refresh_in"] as? Int)
            #expect((1...60).contains(refresh))
        }
    }

    @Test func aSiteWithoutRotatingCodesNeedsNoKey() async throws {
        let test = try await TestApp(site: TestApp.site(presence: .static))
        try await test.run { client in
            let code = try await client.get("/display/hall/hall-code")
            #expect(code.status == .ok)
            #expect(code.json["url"] as? String == "\(TestApp.origin)/s/hall")
        }
    }

    @Test func theChimeIsAWAV() async throws {
        let test = try await TestApp()
        try await test.run { client in
            let chime = try await client.get("/display/hall/chime.wav")
            #expect(chime.status == .ok)
            #expect(chime.headers[.contentType] == "audio/wav")
            let wav = try #require(WAV(parsing: Data(chime.body.readableBytesView)))
            #expect(wav.duration > 1)
        }
    }

    @Test func onlyCallsOnTheBoardAreSpokenInTheSitesWords() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("quhao-display-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Chime.wav.write(to: directory.appendingPathComponent("voice.wav"))
        let said = directory.appendingPathComponent("said.txt")
        // A stand-in engine: notes the words it was given and writes a WAV.
        let engine = "printf '%s' {text} > '\(said.path)'; cp '\(directory.path)/voice.wav' {out}"
        let test = try await TestApp(speechCommand: engine)
        try await test.run { client in
            let early = try await client.get("/display/hall/speech.wav?number=A001&counter=3")
            #expect(early.status == .notFound)
            #expect(early.json["code"] as? String == "call.not_found")
            #expect(try await client.get("/display/hall/speech.wav?number=A01&counter=3").json["code"] as? String == "ticket.number_invalid")
            #expect(try await client.get("/display/hall/speech.wav?number=A001").status == .badRequest)

            #expect(
                try await client.take("general", identity: "91350100M000100Y43", presence: test.presence.current(site: "hall")).status == .created)
            _ = try await test.store.callNext(site: "hall", counter: 3)
            let call = try await Self.waitForCall(test, client, "A001")
            #expect(call["text"] as? String == "请 A001 号到 3 号窗口办理")
            #expect(call["spoken"] as? String == "请 A零零一 号到三号窗口办理")
            let speech = try await client.get("/display/hall/speech.wav?number=a001&counter=3")
            #expect(speech.status == .ok)
            #expect(speech.headers[.contentType] == "audio/wav")
            #expect(WAV(parsing: Data(speech.body.readableBytesView)) != nil)
            #expect(try String(contentsOf: said, encoding: .utf8) == "请 A零零一 号到三号窗口办理")
            #expect(try await client.get("/display/hall/speech.wav?number=A001&counter=4").status == .notFound, "not called to window 4")
        }
    }

    @Test func withoutASpeechEngineTheDisplayIsToldChimeOnly() async throws {
        let test = try await TestApp()
        try await test.run { client in
            #expect(
                try await client.take("general", identity: "91350100M000100Y43", presence: test.presence.current(site: "hall")).status == .created)
            _ = try await test.store.callNext(site: "hall", counter: 3)
            _ = try await Self.waitForCall(test, client, "A001")
            let speech = try await client.get("/display/hall/speech.wav?number=A001&counter=3")
            #expect(speech.status == .serviceUnavailable)
            #expect(speech.json["code"] as? String == "speech.unavailable")
        }
    }
}
