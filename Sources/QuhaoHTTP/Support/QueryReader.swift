import Foundation
import Hummingbird
import QuhaoCore

/// A page's or an API's query read strictly. A filter value it does not know, a day that is no
/// day, or a period that ends before it starts is refused (`request.invalid`, 400, saying which
/// parameter and what it may be), never ignored: a mistyped link must not list everything, nor a
/// reversed period count nothing as if it were true.
struct QueryReader {
    let parameters: Parameters

    init(_ request: Request) { parameters = request.uri.queryParameters }

    /// A parameter's text, `nil` when absent or empty (a form's "any" choice sends it empty).
    func text(_ name: String) -> String? {
        guard let value = parameters.get(name)?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    /// One value of a fixed set.
    /// - Parameter choices: Every value it may take, as written in a link (named in the refusal).
    func choice<T>(_ name: String, choices: [String], _ read: (String) -> T?) throws -> T? {
        guard let text = text(name) else { return nil }
        guard let value = read(text) else { throw Self.unknown(name, text, choices) }
        return value
    }

    /// One of a few words (`format=csv`).
    func choice(_ name: String, among words: [String]) throws -> String? {
        try choice(name, choices: words) { words.contains($0) ? $0 : nil }
    }

    /// Values of a fixed set, given comma-separated (`risk=C,D`).
    func choices<T>(_ name: String, choices: [String], _ read: (String) -> T?) throws -> [T] {
        guard let text = text(name) else { return [] }
        return try text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map {
            guard let value = read($0) else { throw Self.unknown(name, $0, choices) }
            return value
        }
    }

    /// A day written `YYYY-MM-DD` (a real one: 2026-02-30 is refused).
    func day(_ name: String) throws -> BusinessDay? {
        guard let text = text(name) else { return nil }
        guard let day = BusinessDay(iso: text) else {
            throw QuhaoError(
                .requestInvalid,
                ["reason": "\(name) 应为日期，如 2026-11-30（收到“\(text.prefix(40))”）", "reason@en": "\(name) must be a day like 2026-11-30"])
        }
        return day
    }

    /// The `from`–`to` period of a figure or a list, either end open.
    func period() throws -> (from: BusinessDay?, to: BusinessDay?) {
        let (from, to) = (try day("from"), try day("to"))
        if let from, let to, to < from {
            throw QuhaoError(
                .requestInvalid, ["reason": "截止日期 \(to.iso) 早于起始日期 \(from.iso)", "reason@en": "to (\(to.iso)) is before from (\(from.iso))"])
        }
        return (from, to)
    }

    /// A page number from 1; past the last page is answered with the last.
    func page() throws -> Int {
        guard let text = text("page") else { return 1 }
        guard let number = Int(text), number >= 1 else {
            throw QuhaoError(.requestInvalid, ["reason": "page 应为从 1 开始的页码", "reason@en": "page must be a number from 1"])
        }
        return number
    }

    static func unknown(_ name: String, _ value: String, _ choices: [String]) -> QuhaoError {
        let shown = String(value.prefix(40))
        return QuhaoError(
            .requestInvalid,
            [
                "reason": "筛选条件 \(name) 没有“\(shown)”这一项（可选：\(choices.joined(separator: "、"))）",
                "reason@en": "\(name) has no value “\(shown)” (one of \(choices.joined(separator: ", ")))",
            ])
    }
}
