import Foundation
import Hummingbird
import HummingbirdTesting
import LiveBoard
import Logging
import QuhaoCore
import QuhaoHTTP
import QuhaoStore
import Testing

@Suite struct HealthTests {
    @Test func healthzAnswersOKWhenTheDatabaseAnswers() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_795_600_000))
        let store = try TicketStore.inMemory(clock: clock)
        try await store.sync(sites: [
            Site(
                id: "hall", name: LocalizedText(zh: "大厅"), services: [Service(id: "a", prefix: "A", name: LocalizedText(zh: "综合"))],
                counters: [])
        ])
        let app = try buildApplication(
            settings: AppSettings(host: "127.0.0.1", port: 0, publicURL: "http://127.0.0.1"), store: store, clock: clock,
            logger: Logger(label: "test"))
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                #expect(String(buffer: response.body) == #"{"sites":"1","status":"ok"}"#)
            }
            try await client.execute(uri: "/nope", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }
}

/// `/readyz` tells the truth about the files the daemon holds: a database file moved, deleted or
/// replaced under it (two tickets got 201 into a deleted inode and were gone after the restart),
/// or its lock file gone, is 503 in our words, without paths or raw error text.
@Suite struct ReadinessTests {
    static let site = Site(
        id: "hall", name: LocalizedText(zh: "大厅"), services: [Service(id: "a", prefix: "A", name: LocalizedText(zh: "综合"))], counters: [])

    /// A daemon on a database file in a fresh folder, holding its lock as `quhao serve` does.
    static func withDaemon(_ body: @Sendable (_ folder: String, _ client: any TestClientProtocol) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("readyz-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = "\(folder)/quhao.sqlite"
        let clock = ManualClock(Date(timeIntervalSince1970: 1_795_600_000))
        let lock = try DaemonLock(database: path, purpose: "serve")
        defer { lock.release() }
        let store = try TicketStore.open(path: path, durability: .normal, clock: clock)
        try await store.sync(sites: [site])
        let board = LiveBoard(bootID: "readyz") { try await store.siteDay(site: $0, updating: $1, changes: $2) }
        let app = try buildApplication(
            settings: AppSettings(host: "127.0.0.1", port: 0, publicURL: "http://127.0.0.1", heldFiles: [lock.file]), store: store,
            clock: clock, logger: Logger(label: "test"), board: board)
        try await app.test(.router) { client in
            // Built before the first /readyz: what is asked below is the files, never the start-up.
            _ = try await board.snapshot(site.id)
            try await body(folder, client)
        }
    }

    static func ready(_ client: any TestClientProtocol) async throws -> (status: HTTPResponse.Status, body: String) {
        let response = try await client.execute(uri: "/readyz", method: .get)
        return (response.status, String(buffer: response.body))
    }

    @Test func aDeletedDatabaseFileIsNotReady() async throws {
        try await Self.withDaemon { folder, client in
            #expect(try await Self.ready(client).status == .ok)
            try FileManager.default.removeItem(atPath: "\(folder)/quhao.sqlite")
            let (status, body) = try await Self.ready(client)
            #expect(status == .serviceUnavailable)
            #expect(body.contains("storage.file_replaced") && body.contains("数据库文件"))
            #expect(!body.contains(folder), "no path in the answer: \(body)")
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(!String(buffer: health.body).contains(folder))
        }
    }

    @Test func aDatabaseFileReplacedByAnotherIsNotReady() async throws {
        try await Self.withDaemon { folder, client in
            #expect(try await Self.ready(client).status == .ok)
            let path = "\(folder)/quhao.sqlite"
            try FileManager.default.moveItem(atPath: path, toPath: "\(folder)/moved.sqlite")
            #expect(try await Self.ready(client).status == .serviceUnavailable)
            // Another file at the path (a restore done behind the daemon's back) is not the one held either.
            FileManager.default.createFile(atPath: path, contents: Data())
            let (status, body) = try await Self.ready(client)
            #expect(status == .serviceUnavailable && body.contains("storage.file_replaced"))
            let response = try await client.execute(uri: "/readyz", method: .get)
            #expect(response.headers[values: .cacheControl] == ["no-store"], "each header once")
            // And no number is handed out into the file that is gone (they were lost at the restart).
            let taken = try await client.execute(
                uri: "/api/v1/sites/hall/tickets", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"service": "a"}"#))
            #expect(taken.status == .serviceUnavailable)
            #expect(String(buffer: taken.body).contains("storage.file_replaced"))
        }
    }

    @Test func aLockFileGoneIsNotReady() async throws {
        try await Self.withDaemon { folder, client in
            #expect(try await Self.ready(client).status == .ok)
            try FileManager.default.removeItem(atPath: "\(folder)/quhao.sqlite.lock")
            let (status, body) = try await Self.ready(client)
            #expect(status == .serviceUnavailable)
            #expect(body.contains("锁文件") && !body.contains("数据库文件"))
        }
    }
}
