import AsyncHTTPClient
import Foundation
import LiveBoard
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import QuhaoCore

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

/// The board of a daemon, long-polled over HTTP like the TV page does (AsyncHTTPClient: a
/// request is cancelled with its task, so Ctrl-C never waits out a 25-second long-poll).
public struct HTTPBoardFeed: BoardFeed {
    public let base: URL
    public let site: String
    /// The display key (`/display/{site}?key=…`), for the rotating QR.
    public let key: String?
    let client: HTTPClient

    public init(base: URL, site: String, key: String?, client: HTTPClient = HTTPBoardFeed.client) {
        self.base = base
        self.site = site
        self.key = key
        self.client = client
    }

    /// The displays' client: a daemon that is down is told at once (信号中断), not after the
    /// long-poll's deadline (AsyncHTTPClient would otherwise keep retrying the connection until it).
    /// Lives as long as the process.
    public static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// A board or a hall code is small; anything longer is not the daemon's answer.
    static let maxBody = 4 << 20

    public func next(after previous: BoardUpdate?, wait: Int) async throws -> BoardUpdate {
        var url = base.appendingPathComponent("api/v1/sites/\(site)/board").absoluteString
        if previous != nil { url += "?wait=\(wait)" }
        var request = HTTPClientRequest(url: url)
        if let previous { request.headers.add(name: "If-None-Match", value: previous.etag) }
        let response = try await client.execute(request, timeout: .seconds(Int64(wait + 10)))
        let body = try await response.body.collect(upTo: Self.maxBody)
        if response.status.code == 304, let previous { return previous }
        guard response.status.code == 200 else {
            throw DisplayFeedError.status(
                Int(response.status.code), String(buffer: body.getSlice(at: 0, length: min(300, body.readableBytes)) ?? body))
        }
        let board = try JSONDecoder.quhao.decode(BoardView.self, from: Data(buffer: body))
        return BoardUpdate(board: board, etag: response.headers.first(name: "ETag") ?? "", version: nil)
    }

    public func hallCode() async throws -> (url: String, refreshIn: Int)? {
        var components = URLComponents(url: base.appendingPathComponent("display/\(site)/hall-code"), resolvingAgainstBaseURL: false)
        components?.queryItems = [URLQueryItem(name: "key", value: key ?? "")]
        guard let url = components?.url?.absoluteString else { throw DisplayFeedError.status(0, "bad address \(base)") }
        let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: Self.maxBody)
        if response.status.code == 403 { return nil }
        guard response.status.code == 200 else { throw DisplayFeedError.status(Int(response.status.code), String(buffer: body)) }
        struct Code: Decodable {
            let url: String
            let refreshIn: Int
        }
        let code = try JSONDecoder.quhao.decode(Code.self, from: Data(buffer: body))
        return (code.url, code.refreshIn)
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
