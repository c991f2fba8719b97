import Foundation
import LiveBoard
import Synchronization
import Testing

@testable import QuhaoDisplay

@Suite struct EventsTests {
    @Test func theFirstBoardAnnouncesNothingAndLaterCallsComeOldestFirst() {
        var tracker = CallTracker()
        let old = Fixtures.call("A020", 1)
        #expect(tracker.newCalls(in: Fixtures.board(calls: [old])).isEmpty)
        let a021 = Fixtures.call("A021", 2, seconds: 5)
        let a022 = Fixtures.call("A022", 3, seconds: 6)
        #expect(tracker.newCalls(in: Fixtures.board(calls: [a022, a021, old])).map(\.number) == ["A021", "A022"])
        #expect(tracker.newCalls(in: Fixtures.board(calls: [a022, a021, old])).isEmpty, "nothing new: nothing announced")
        // A recall in the same second as the call (the board's times are whole seconds).
        let recall = Fixtures.call("A022", 3, seconds: 6, recall: true, id: 99)
        #expect(tracker.newCalls(in: Fixtures.board(calls: [recall, a022, a021])).map(\.recall) == [true], "a recall is announced again")
    }

    @Test func aJSONLineIsOneObjectWithTheDocumentedFields() throws {
        let line = DisplayEvent.call(Fixtures.call("A023", 3), site: "hall").jsonLine
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["event"] as? String == "call")
        #expect(object["site"] as? String == "hall")
        #expect(object["number"] as? String == "A023")
        #expect(object["counter"] as? Int == 3)
        #expect(object["id"] as? Int != nil)
        #expect(object["recall"] as? Bool == false)
        #expect(object["text"] as? String == "请 A023 号到 3 号窗口办理")
        #expect(object["spoken"] as? String == "spoken A023 3")
        #expect((object["at"] as? String)?.hasSuffix("Z") == true)
        let lost = try #require(
            try JSONSerialization.jsonObject(with: Data(DisplayEvent.connection(lost: true, site: "hall", at: Fixtures.at).jsonLine.utf8))
                as? [String: Any])
        #expect(lost["event"] as? String == "connection")
        #expect(lost["state"] as? String == "lost")
    }

    @Test func anAnnounceCommandMustSayWhereTheWordsGo() {
        #expect(Announcer.problem(with: "espeak-ng -v cmn {text}") == nil)
        #expect(Announcer.problem(with: "led-sign --number {number}") == nil)
        #expect(Announcer.problem(with: "espeak-ng -v cmn hello") != nil)
        #expect(Announcer.problem(with: "say {words}") != nil, "an unknown placeholder says nothing")
    }

    @Test func announceCommandsGetEveryValueAsDataNeverAsShell() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("quhao-announce-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let heard = directory.appendingPathComponent("heard")
        let planted = directory.appendingPathComponent("planted")
        var json = Fixtures.callJSON("A023", 3)
        // A display following a daemon over the network gets these texts from the network.
        json["spoken"] = "{shown}' ; touch \(planted.path) ; '$(touch \(planted.path))"
        json["text"] = "`touch \(planted.path)` \"{text}\" it's"
        let call: BoardView.CallView = Fixtures.decode(json)
        let command = try Announcer.command("printf '%s|' {text} \"{number}\" {counter} {shown} > '\(heard.path)'").get()
        await Announcer.runCommand(command, Announcer.values(for: call))
        #expect(try String(contentsOf: heard, encoding: .utf8) == "\(call.spoken)|A023|3|\(call.text)|")
        #expect(!FileManager.default.fileExists(atPath: planted.path))
        #expect(Announcer.problem(with: "say '{text}'") != nil, "a placeholder in single quotes could not be given")
    }

    @Test func anAnnouncerDropsCallsThatWaitedTooLong() async throws {
        let spoken = Spoken()
        let gate = Gate()
        let elapsed = Mutex(Duration.zero)
        let start = ContinuousClock.now
        let command = try Announcer.command("say {number}").get()
        let announcer = Announcer(
            command: command, maxAge: 30, capacity: 3, now: { start + elapsed.withLock { $0 } },
            run: { _, values in
                await spoken.add(values["number"] ?? "")
                await gate.wait()
            })
        for number in ["A001", "A002", "A003", "A004", "A005"] {
            await announcer.announce(Fixtures.decode(Fixtures.callJSON(number, 1)))
        }
        // A001 is being spoken (held by the gate); A002 fell off the bounded queue; A003–A005 age.
        try await spoken.wait(for: 1)
        elapsed.withLock { $0 = .seconds(31) }
        await gate.open()
        await announcer.announce(Fixtures.decode(Fixtures.callJSON("A006", 1)))
        try await spoken.wait(for: 2)
        #expect(await spoken.numbers == ["A001", "A006"], "late calls dropped unspoken, a fresh one still spoken")
    }
}

/// The numbers a test announcer spoke.
private actor Spoken {
    var numbers: [String] = []
    private var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    func add(_ number: String) {
        numbers.append(number)
        let ready = waiters.filter { $0.count <= numbers.count }
        waiters.removeAll { $0.count <= numbers.count }
        for waiter in ready { waiter.continuation.resume() }
    }
    /// Returns once `count` numbers were spoken.
    func wait(for count: Int) async throws {
        guard numbers.count < count else { return }
        await withCheckedContinuation { waiters.append((count, $0)) }
    }
}

/// Holds the first command until opened.
private actor Gate {
    var isOpen = false
    var waiting: [CheckedContinuation<Void, Never>] = []
    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiting.append($0) }
    }
    func open() {
        isOpen = true
        for continuation in waiting { continuation.resume() }
        waiting = []
    }
}
