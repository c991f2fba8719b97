import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

@testable import QuhaoHTTP

/// Silent connections are closed after the idle timeout; a request read and not yet answered (a
/// parked long-poll) never is; an address over its cap is closed before anything is read.
@Suite struct ConnectionGuardTests {
    /// A connection from `address` with the guard in front, on an event loop whose time moves only when told.
    static func connection(
        from address: String = "192.0.2.7", timeout: TimeAmount = .seconds(10), addresses: ConnectionsPerAddress = .init(limit: 0)
    ) throws -> EmbeddedChannel {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(loop: loop)
        try channel.pipeline.syncOperations.addHandler(
            ConnectionGuard(addresses: addresses, idleTimeout: timeout, now: { loop.now }))
        // An embedded channel takes the address it "connects" to as its peer's.
        try channel.connect(to: SocketAddress(ipAddress: address, port: 50_000)).wait()
        return channel
    }

    static let poll = HTTPRequest(method: .get, scheme: nil, authority: "q.example.cn", path: "/api/v1/sites/hall/board?wait=30")

    @Test func aSilentConnectionIsClosedAtTheTimeoutAndNotBefore() throws {
        let channel = try Self.connection()
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(9_999))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive)
    }

    @Test func headersNeverFinishedAreCutAtTheTimeoutAfterTheLastPart() throws {
        let channel = try Self.connection()
        channel.embeddedEventLoop.advanceTime(by: .seconds(6))
        try channel.writeInbound(HTTPRequestPart.head(Self.poll))
        #expect(try channel.readInbound(as: HTTPRequestPart.self) == .head(Self.poll), "handed on")
        // The head came at 6 s: the clock starts again from there, and the end never comes.
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
    }

    @Test func aRequestReadAndNotYetAnsweredIsNeverCutThenTheClockStartsAgainFromItsAnswer() throws {
        let channel = try Self.connection(timeout: .seconds(3))
        try channel.writeInbound(HTTPRequestPart.head(Self.poll))
        try channel.writeInbound(HTTPRequestPart.end(nil))
        // A long-poll parked for ten timeouts.
        for _ in 0..<10 {
            channel.embeddedEventLoop.advanceTime(by: .seconds(3))
            #expect(channel.isActive)
        }
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .notModified)))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(2_999))
        #expect(channel.isActive, "kept alive for the next poll")
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive)
    }

    @Test func anAddressOverItsCapIsClosedAtOnceAndNothingOfItIsHandedOn() throws {
        let addresses = ConnectionsPerAddress(limit: 2)
        let first = try Self.connection(addresses: addresses)
        let second = try Self.connection(addresses: addresses)
        let other = try Self.connection(from: "198.51.100.9", addresses: addresses)
        let third = try Self.connection(addresses: addresses)
        #expect(first.isActive && second.isActive && other.isActive)
        #expect(!third.isActive)
        try? third.writeInbound(HTTPRequestPart.head(Self.poll))
        #expect(try third.readInbound(as: HTTPRequestPart.self) == nil)
        #expect(addresses.counts == ["192.0.2.7": 2, "198.51.100.9": 1])
        _ = try first.finish()
        #expect(addresses.counts == ["192.0.2.7": 1, "198.51.100.9": 1], "a closed connection frees its place")
        let again = try Self.connection(addresses: addresses)
        #expect(again.isActive)
    }
}
