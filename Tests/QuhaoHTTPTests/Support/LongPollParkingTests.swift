import Foundation
import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import QuhaoCore
import QuhaoStore
import Testing

@testable import LiveBoard
@testable import QuhaoHTTP

/// Polls that are up to date wait in the connection's pipeline (no request task), then go on to
/// the router without `wait`; anything else goes on as it came.
@Suite struct LongPollParkingTests {
    struct Hall {
        let store: TicketStore
        let board: LiveBoard
        let channel: NIOAsyncTestingChannel

        init() async throws {
            store = try TicketStore.inMemory(clock: ManualClock(TestApp.morning), random: .seeded(7))
            try await store.sync(sites: [TestApp.site()])
            let store = store
            board = LiveBoard(bootID: "t", settle: .zero) { try await store.siteDay(site: $0, updating: $1, changes: $2) }
            store.onCommit { [board] in board.invalidate($0, changes: $1, through: $2) }
            channel = NIOAsyncTestingChannel()
            try await channel.pipeline.addHandler(LongPollParking(board: board, maxWait: 30))
        }

        func poll(_ path: String, etag: String) async throws {
            var head = HTTPRequest(method: .get, scheme: nil, authority: "q.example.cn", path: path)
            head.headerFields[.ifNoneMatch] = etag
            try await channel.writeInbound(HTTPRequestPart.head(head))
            try await channel.writeInbound(HTTPRequestPart.end(nil))
        }

        /// The next part handed on to the router, running the loop until one comes (or 2 s pass).
        func handedOn() async throws -> HTTPRequestPart? {
            for _ in 0..<400 {
                await channel.testingEventLoop.run()
                if let part = try await channel.readInbound(as: HTTPRequestPart.self) { return part }
                try await Task.sleep(for: .milliseconds(5))
            }
            return nil
        }

        /// Returns once a poll is parked on the board, running the channel's loop meanwhile.
        func parked() async throws {
            for _ in 0..<400 where await board.waiterCount("hall") == 0 {
                await channel.testingEventLoop.run()
                try await Task.sleep(for: .milliseconds(5))
            }
        }
    }

    @Test func aCurrentBoardPollWaitsThenGoesOnWithoutWaitWhenTheBoardChanges() async throws {
        let hall = try await Hall()
        let etag = try await hall.board.snapshot("hall").etag
        try await hall.poll("/api/v1/sites/hall/board?wait=20", etag: etag)
        try await hall.parked()
        #expect(await hall.board.waiterCount("hall") == 1)
        #expect(try await hall.channel.readInbound(as: HTTPRequestPart.self) == nil, "parked here, not in the router")
        _ = try await hall.store.issue(IssueRequest(siteID: "hall", service: "consult"))
        try await hall.board.refresh("hall")
        guard case .head(let onward) = try await hall.handedOn() else {
            Issue.record("the poll was not handed on after the change")
            return
        }
        #expect(onward.path == "/api/v1/sites/hall/board", "without wait: the router answers at once")
        #expect(onward.headerFields[.ifNoneMatch] == etag)
        #expect(try await hall.channel.readInbound(as: HTTPRequestPart.self) == .end(nil))
    }

    @Test func staleOrOddPollsGoOnAsTheyCame() async throws {
        let hall = try await Hall()
        let etag = try await hall.board.snapshot("hall").etag
        for path in ["/api/v1/sites/hall/board?wait=20", "/api/v1/sites/hall/board?wait=abc", "/api/v1/counters/hall/3?wait=20"] {
            try await hall.poll(path, etag: path.hasSuffix("abc") || path.contains("counters") ? etag : "\"stale\"")
            guard case .head(let onward) = try await hall.handedOn() else {
                Issue.record("\(path) was held")
                return
            }
            #expect(onward.path == path)
            #expect(try await hall.channel.readInbound(as: HTTPRequestPart.self) == .end(nil))
            // The router answers it before the next one.
            try await hall.channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .notModified)))
            try await hall.channel.writeOutbound(HTTPResponsePart.end(nil))
        }
        #expect(await hall.board.waiterCount("hall") == 0)
    }

    @Test func aTicketPollWaitsForItsOwnTicketNotJustTheBoard() async throws {
        let hall = try await Hall()
        let mine = try await hall.store.issue(IssueRequest(siteID: "hall", service: "consult"))
        let snapshot = try await hall.board.refresh("hall")
        let etag = try #require(snapshot.tickets[mine.token]?.etag)
        try await hall.poll("/api/v1/tickets/\(mine.token)?wait=20", etag: etag)
        try await hall.parked()
        // Someone else takes a number: the board changes, this ticket does not.
        _ = try await hall.store.issue(IssueRequest(siteID: "hall", service: "general", identity: "91350100M000100Y43"))
        try await hall.board.refresh("hall")
        // The board's change woke it; it looked at its ticket and parked again.
        for _ in 0..<20 { await hall.channel.testingEventLoop.run() }
        try await hall.parked()
        #expect(await hall.board.waiterCount("hall") == 1)
        #expect(try await hall.channel.readInbound(as: HTTPRequestPart.self) == nil, "still waiting: its ticket looks the same")
        // Window 3 calls it: now it goes on.
        _ = try await hall.store.callTicket(site: "hall", counter: 3, number: mine.number.description)
        try await hall.board.refresh("hall")
        guard case .head(let onward) = try await hall.handedOn() else {
            Issue.record("the ticket poll was not handed on after its call")
            return
        }
        #expect(onward.path == "/api/v1/tickets/\(mine.token)")
    }

    @Test func aStoppingServerAnswersParkedPollsAtOnce() async throws {
        let hall = try await Hall()
        let etag = try await hall.board.snapshot("hall").etag
        try await hall.poll("/api/v1/sites/hall/board?wait=30", etag: etag)
        try await hall.parked()
        hall.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        guard case .head(let onward) = try await hall.handedOn() else {
            Issue.record("the parked poll was not handed on when the server began to stop")
            return
        }
        #expect(onward.path == "/api/v1/sites/hall/board")
    }
}
