import Foundation
import LiveBoard
import QuhaoCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A board as a display received it.
public struct BoardUpdate: Sendable {
    public let board: BoardView
    public let etag: String
    /// The live board's version, when read in-process.
    let version: UInt64?
}

/// Where a display reads the board from: the daemon over HTTP, or the live board in-process.
public protocol BoardFeed: Sendable {
    /// The board once it differs from `previous` (the first one at once), or `previous` again
    /// after about `wait` seconds without a change.
    /// - Throws: When the board cannot be read (the display shows 信号中断 and tries again).
    func next(after previous: BoardUpdate?, wait: Int) async throws -> BoardUpdate

    /// What the hall QR should carry now, and for how many seconds; `nil` when the display may not
    /// show it (no display key for a site with rotating codes).
    func hallCode() async throws -> (url: String, refreshIn: Int)?
}

/// The board of a daemon, long-polled over HTTP like the TV page does.
public struct HTTPBoardFeed: BoardFeed {
    public let base: URL
    public let site: String
    /// The display key (`/display/{site}?key=…`), for the rotating QR.
    public let key: String?

    public init(base: URL, site: String, key: String?) {
        self.base = base
        self.site = site
        self.key = key
    }

    public func next(after previous: BoardUpdate?, wait: Int) async throws -> BoardUpdate {
        var components = URLComponents(url: base.appendingPathComponent("api/v1/sites/\(site)/board"), resolvingAgainstBaseURL: false)!
        if previous != nil { components.queryItems = [URLQueryItem(name: "wait", value: String(wait))] }
        var request = URLRequest(url: components.url!, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: Double(wait + 10))
        if let previous { request.setValue(previous.etag, forHTTPHeaderField: "If-None-Match") }
        let (data, http) = try await Self.fetch(request)
        if http.statusCode == 304, let previous { return previous }
        guard http.statusCode == 200 else { throw DisplayFeedError.status(http.statusCode, String(decoding: data.prefix(300), as: UTF8.self)) }
        let board = try JSONDecoder.quhao.decode(BoardView.self, from: data)
        return BoardUpdate(board: board, etag: http.value(forHTTPHeaderField: "ETag") ?? "", version: nil)
    }

    public func hallCode() async throws -> (url: String, refreshIn: Int)? {
        var components = URLComponents(url: base.appendingPathComponent("display/\(site)/hall-code"), resolvingAgainstBaseURL: false)!
        components.queryItems = [URLQueryItem(name: "key", value: key ?? "")]
        let (data, http) = try await Self.fetch(URLRequest(url: components.url!, timeoutInterval: 10))
        if http.statusCode == 403 { return nil }
        guard http.statusCode == 200 else { throw DisplayFeedError.status(http.statusCode, String(decoding: data.prefix(300), as: UTF8.self)) }
        struct Code: Decodable {
            let url: String
            let refreshIn: Int
        }
        let code = try JSONDecoder.quhao.decode(Code.self, from: data)
        return (code.url, code.refreshIn)
    }
}

extension HTTPBoardFeed {
    /// One request, cancelled with its task (Ctrl-C must not wait out a 25-second long-poll).
    static func fetch(_ request: URLRequest) async throws -> (Data, HTTPURLResponse) {
        let box = TaskBox()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let task = URLSession.shared.dataTask(with: request) { data, response, error in
                    if let http = response as? HTTPURLResponse, let data {
                        continuation.resume(returning: (data, http))
                    } else {
                        continuation.resume(throwing: error ?? URLError(.badServerResponse))
                    }
                }
                box.set(task)
                task.resume()
            }
        } onCancel: {
            box.cancel()
        }
    }
}

/// The request in flight, for cancelling it from another thread.
private final class TaskBox: @unchecked Sendable {
    private let lock = NSLock()
    private var task: URLSessionDataTask?
    private var cancelled = false

    func set(_ task: URLSessionDataTask) {
        let cancelNow = lock.withLock {
            self.task = task
            return cancelled
        }
        if cancelNow { task.cancel() }
    }

    func cancel() {
        let task = lock.withLock {
            cancelled = true
            return self.task
        }
        task?.cancel()
    }
}

/// The live board of the daemon the display runs in (`quhao serve --display SITE`).
public struct LiveBoardFeed: BoardFeed {
    let board: LiveBoard
    let site: String
    let code: @Sendable (Site) -> (url: String, refreshIn: Int)?

    /// - Parameter hallCode: The hall QR's address for the site now, and its seconds left.
    public init(board: LiveBoard, site: String, hallCode: @escaping @Sendable (Site) -> (url: String, refreshIn: Int)?) {
        self.board = board
        self.site = site
        self.code = hallCode
    }

    public func next(after previous: BoardUpdate?, wait: Int) async throws -> BoardUpdate {
        let snapshot: LiveBoard.Snapshot
        if let version = previous?.version {
            snapshot = try await board.snapshot(site, changedFrom: version, timeout: .seconds(wait))
        } else {
            snapshot = try await board.snapshot(site)
        }
        return BoardUpdate(board: snapshot.board, etag: snapshot.etag, version: snapshot.version)
    }

    public func hallCode() async throws -> (url: String, refreshIn: Int)? { code(try await board.snapshot(site).site) }
}

/// The daemon answered, but not with a board.
public enum DisplayFeedError: Error, CustomStringConvertible {
    case status(Int, String)

    public var description: String {
        switch self {
        case .status(let status, let body): "HTTP \(status): \(body)"
        }
    }
}
