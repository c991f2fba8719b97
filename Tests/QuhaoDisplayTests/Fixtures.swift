import Foundation
import LiveBoard

/// Boards as the daemon sends them (decoded from its JSON, as `quhao display --url` does).
enum Fixtures {
    static let at = Date(timeIntervalSince1970: 1_795_000_000)

    static func callJSON(_ number: String, _ counter: Int, seconds: Double = 0, recall: Bool = false, id: Int? = nil) -> [String: Any] {
        [
            "id": id ?? Int(seconds * 10) + (recall ? 1 : 0), "number": number, "counter": counter,
            "at": ISO8601DateFormatter().string(from: at.addingTimeInterval(seconds)), "recall": recall,
            "text": "请 \(number) 号到 \(counter) 号窗口办理", "spoken": "spoken \(number) \(counter)",
        ]
    }

    static func call(_ number: String, _ counter: Int, seconds: Double = 0, recall: Bool = false, id: Int? = nil) -> BoardView.CallView {
        decode(callJSON(number, counter, seconds: seconds, recall: recall, id: id))
    }

    static func board(calls: [BoardView.CallView] = [], current: [Int: String] = [:], paused: Set<Int> = []) -> BoardView {
        let encoder = JSONEncoder.quhao
        let encodedCalls = calls.map { try! JSONSerialization.jsonObject(with: try! encoder.encode($0)) }
        let json: [String: Any] = [
            "site": [
                "id": "hall", "name": "钱塘区税务局办税服务厅", "name_en": "Qiantang Tax Hall", "kind": "tax_hall", "time_zone": "Asia/Shanghai",
                "announce_language": "zh",
            ],
            "day": "2026-11-25",
            "services": [
                [
                    "id": "general", "prefix": "A", "name": "综合业务", "name_en": "General", "open": true, "waiting": 12, "remote": 1,
                    "estimated_wait_seconds": 600, "identity": "uscc", "phone": "none", "issued_today": 40,
                ],
                [
                    "id": "invoice", "prefix": "B", "name": "发票业务", "name_en": "Invoices", "open": false, "waiting": 0, "remote": 0,
                    "identity": "none", "phone": "none", "issued_today": 3,
                ],
            ],
            "counters": (1...6).map { id -> [String: Any] in
                var counter: [String: Any] = ["id": id, "paused": paused.contains(id), "services": ["general"]]
                if let number = current[id] {
                    counter["current"] = number
                    counter["current_state"] = "called"
                }
                return counter
            },
            "recent_calls": encodedCalls,
        ]
        return decode(json)
    }

    static func decode<T: Decodable>(_ object: Any) -> T {
        try! JSONDecoder.quhao.decode(T.self, from: try! JSONSerialization.data(withJSONObject: object))
    }
}
