import Foundation
import LiveBoard

/// One line of `quhao display --jsonl`: a JSON object per event, for LED signs and other systems.
///
/// `{"event":"call","site":"qiantang","id":41,"number":"A023","counter":3,"recall":false,
///   "at":"2026-11-25T06:32:05Z","text":"请 A023 号到 3 号窗口办理","spoken":"请 A零二三 号到三号窗口办理"}`
/// `{"event":"connection","site":"qiantang","state":"lost","at":"…"}` (and `"restored"`).
public struct DisplayEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case call, connection
    }

    public let event: Kind
    public let site: String
    public let at: Date
    /// The call's id: rises with every call and recall at the site (call events).
    public var id: Int64?
    public var number: String?
    public var counter: Int?
    public var recall: Bool?
    public var text: String?
    public var spoken: String?
    /// `lost` or `restored` (connection events).
    public var state: String?

    /// A call or recall.
    public static func call(_ call: BoardView.CallView, site: String) -> DisplayEvent {
        DisplayEvent(
            event: .call, site: site, at: call.at, id: call.id, number: call.number, counter: call.counter, recall: call.recall, text: call.text,
            spoken: call.spoken)
    }

    /// The board stopped (or started again) answering.
    public static func connection(lost: Bool, site: String, at: Date) -> DisplayEvent {
        DisplayEvent(event: .connection, site: site, at: at, state: lost ? "lost" : "restored")
    }

    /// The event as one line of JSON (no newline inside, keys sorted).
    public var jsonLine: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
