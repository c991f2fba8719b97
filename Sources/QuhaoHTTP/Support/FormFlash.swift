import Foundation
import Hummingbird
import QuhaoCore
import Synchronization

/// Why a form was refused and what it held, kept for the page the refused POST redirects to, so
/// every form posts, redirects and gets: Back and reload never ask to send a form again, and what
/// was typed is still there.
///
/// In memory, bounded (the oldest go first) and short-lived: a message lost (a restart, another
/// daemon) only loses the message, never the data, which a refused form never changed.
final class FormFlash: Sendable {
    struct Entry: Sendable {
        let error: QuhaoError?
        let notice: String?
        /// The form's fields as sent (text typed, checklist answers).
        let fields: [String: String]
        /// Every problem of an import, one line each.
        let problems: [String]
        let at: Date
    }

    static let capacity = 2048
    static let lifetime: TimeInterval = 600

    private let entries = Mutex<[String: Entry]>([:])
    private let clock: any QuhaoClock
    private let random: RandomSource

    init(clock: any QuhaoClock, random: RandomSource) {
        self.clock = clock
        self.random = random
    }

    /// Keeps a message for the next page and returns the address to send the browser to (`m=` added).
    func redirect(
        to path: String, _ request: Request, error: QuhaoError? = nil, notice: String? = nil, fields: [String: String] = [:],
        problems: [String] = []
    ) -> Response {
        let id = random.token(byteCount: 12)
        let now = clock.now()
        let entry = Entry(error: error, notice: notice, fields: fields.mapValues { String($0.prefix(4000)) }, problems: problems, at: now)
        entries.withLock { all in
            all = all.filter { now.timeIntervalSince($0.value.at) < Self.lifetime }
            while all.count >= Self.capacity, let oldest = all.min(by: { $0.value.at < $1.value.at })?.key { all.removeValue(forKey: oldest) }
            all[id] = entry
        }
        var location = StaffPages.withLanguage(path, request)
        location += (location.contains("?") ? "&" : "?") + "m=\(id)"
        return Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// The message kept for this page (`?m=`), while it lasts.
    func message(_ request: Request) -> Entry? {
        guard let id = request.uri.queryParameters.get("m"), id.count <= 32 else { return nil }
        let now = clock.now()
        return entries.withLock { all in
            guard let entry = all[String(id)], now.timeIntervalSince(entry.at) < Self.lifetime else { return nil }
            return entry
        }
    }
}
