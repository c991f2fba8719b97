import Foundation
import QuhaoCore
import QuhaoStore

/// A finding's rectifications as the unit's page and the inspector's page show them: the answer
/// waiting for the office with its own photos only, and the earlier answers, each with its photos
/// and the reason it was sent back, as a history.
enum AnswerHistory {
    /// What a finding's row on a page shows of its answers: `current` (the answer waiting, with its own
    /// photos), `earlier` and `earlierTitle` (the history), `answeredLate` (when it came after the due day).
    /// - Parameter photo: The address a photo is served at on this page (the unit's own, or the office's).
    static func fields(_ finding: Finding, _ answers: [RectificationAnswer], language: Language, zone: TimeZone, photo: (String) -> String)
        -> [String: Any]
    {
        let t = Templates.strings(language).template
        let (current, earlier) = rows(answers, language: language, zone: zone, photo: photo)
        var fields: [String: Any] = [:]
        if let current, finding.state == .submitted { fields["current"] = current }
        if !earlier.isEmpty {
            fields["earlier"] = earlier
            fields["earlierTitle"] = Catalogue.fill(t["answer_history"] ?? "", with: ["n": String(earlier.count)])
        }
        if finding.isAnsweredLate(in: zone) { fields["answeredLate"] = t["unit_answered_late"] }
        return fields
    }

    /// - Parameter photo: The address a photo is served at on this page (the unit's own, or the office's).
    static func rows(_ answers: [RectificationAnswer], language: Language, zone: TimeZone, photo: (String) -> String) -> (
        current: [String: Any]?, earlier: [[String: Any]]
    ) {
        let t = Templates.strings(language).template
        func row(_ answer: RectificationAnswer) -> [String: Any] {
            var row: [String: Any] = [
                "when": LocalTime.minute(answer.submittedAt, in: zone), "text": answer.text,
                "photos": answer.photos.map { ["src": photo($0.sha256)] }, "hasPhotos": !answer.photos.isEmpty,
            ]
            switch answer.outcome {
            case .waiting: break
            case .sentBack(let at, let reason):
                row["sentBack"] = Catalogue.fill(t["answer_sent_back"] ?? "", with: ["when": LocalTime.minute(at, in: zone), "reason": reason])
            case .accepted(let at):
                row["accepted"] = Catalogue.fill(t["answer_accepted"] ?? "", with: ["when": LocalTime.minute(at, in: zone)])
            }
            return row
        }
        guard let last = answers.last, last.outcome == .waiting else { return (nil, answers.reversed().map(row)) }
        return (row(last), answers.dropLast().reversed().map(row))
    }
}
