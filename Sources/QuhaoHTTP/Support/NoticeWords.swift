import Foundation
import QuhaoCore
import QuhaoStore

/// A ticket's messages in words, the same for the visitor's page and the window's console: whether
/// reminders were chosen, and how the latest message stands (sending, sent at, retrying and why,
/// not sent and why).
enum NoticeWords {
    /// The words for a ticket, or `nil` when its site sends no messages.
    /// - Parameters:
    ///   - chosen: Whether the visitor chose reminders (their address is kept now, or messages were queued).
    static func describe(
        _ statuses: [NoticeStatus], chosen: Bool, phoneMasked: String?, site: Site, t: [String: String]
    ) -> [String: Any]? {
        guard site.notices != nil else { return nil }
        // A take-over code is not a reminder: the words are about the reminders.
        let statuses = statuses.filter { $0.kind != .code }
        guard chosen || !statuses.isEmpty else { return ["none": t["notice_state_none"] ?? ""] }
        var words: [String: Any] = [:]
        if let phoneMasked { words["on"] = Catalogue.fill(t["ticket_sms_on"] ?? "", with: ["phone": phoneMasked]) }
        // The message being sent (a ticket's go one at a time, in order), else the last one settled.
        if let latest = statuses.first(where: { $0.outcome == nil }) ?? statuses.last {
            let state: String
            let reached: Bool
            switch latest.outcome {
            case nil where latest.attempts == 0:
                (state, reached) = (t["notice_state_pending"] ?? "", false)
            case nil:
                (state, reached) = (Catalogue.fill(t["notice_state_failed"] ?? "", with: ["reason": Self.reason(latest, t)]), false)
            case .sent:
                let time = latest.finishedAt.map { LocalTime.clock($0, in: site.zone) } ?? ""
                (state, reached) = (Catalogue.fill(t["notice_state_sent"] ?? "", with: ["time": time]), true)
            case .givenUp: (state, reached) = (t["notice_state_given_up"] ?? "", false)
            case .refused:
                (state, reached) = (Catalogue.fill(t["notice_state_refused"] ?? "", with: ["service": Self.service(latest.channel, t)]), false)
            case .stale, .overtaken, .ended, .capped: (state, reached) = (t["notice_state_dropped"] ?? "", false)
            }
            words["last"] = Catalogue.fill(
                t["ticket_sms_last"] ?? "",
                with: [
                    "channel": t["notice_channel_\(latest.channel.rawValue)"] ?? latest.channel.rawValue,
                    "kind": t["notice_kind_\(latest.kind.rawValue)"] ?? latest.kind.rawValue, "state": state,
                ])
            words["reached"] = reached
            words["kind"] = latest.kind.rawValue
        }
        return words
    }

    /// A provider's failure in the reader's words (the raw one stays in the log and the database).
    static func reason(_ status: NoticeStatus, _ t: [String: String]) -> String {
        Catalogue.fill(t["notice_reason_\((status.failure ?? .notTaken).rawValue)"] ?? "", with: ["service": service(status.channel, t)])
    }

    /// The channel's service in words (短信服务, 微信服务).
    static func service(_ channel: NoticeChannel, _ t: [String: String]) -> String {
        t["notice_service_\(channel.rawValue)"] ?? channel.rawValue
    }
}
