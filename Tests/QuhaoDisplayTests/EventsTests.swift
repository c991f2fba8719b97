import Foundation
import LiveBoard
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

    @Test func announceCommandsGetEveryValueQuoted() {
        var json = Fixtures.callJSON("A023", 3)
        json["text"] = "it's shown"
        json["spoken"] = "请 A零二三 号到三号窗口办理"
        let call: BoardView.CallView = Fixtures.decode(json)
        #expect(
            Announcer.commandLine("say {text} --n {number} --w {counter} --s {shown}", for: call)
                == "say '请 A零二三 号到三号窗口办理' --n 'A023' --w 3 --s 'it'\\''s shown'")
    }
}
