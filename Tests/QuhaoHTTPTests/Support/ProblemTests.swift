import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import QuhaoCore
import Synchronization
import Testing

@testable import QuhaoHTTP

/// How faults are answered: a bug is `internal` with a reference found in the log; a storage fault stays `storage.unavailable`.
@Suite struct ProblemTests {
    struct Bug: Error {}

    @Test func aBugIsAnsweredAsInternalWithTheRequestIdItIsLoggedUnder() async throws {
        let lines = LogLines()
        let router = Router(context: AppRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        router.get("/bug") { _, _ -> Response in throw Bug() }
        router.get("/framework") { _, _ -> Response in throw HTTPError(.internalServerError) }
        router.get("/disk") { _, _ -> Response in
            throw QuhaoError(.storageUnavailable, ["reason": "磁盘已满", "reason@en": "disk full", "sqlite": "13"])
        }
        let app = Application(router: router, logger: Logger(label: "test") { _ in lines.handler })
        try await app.test(.router) { client in
            for path in ["/bug", "/framework"] {
                let response = try await client.get(path)
                #expect(response.status == .internalServerError)
                #expect(response.json["code"] as? String == "internal")
                let detail = try #require(response.json["detail"] as? String)
                let logged = try #require(lines.all.last { $0.contains("request failed") })
                let id = try #require(logged.split(separator: "request=").last.map { String($0.prefix { !$0.isWhitespace }) })
                #expect(id.count >= 4, "\(logged)")
                #expect(detail.contains("编号 \(id)"), "the visitor's reference is the log's: \(detail) / \(logged)")
            }
            let page = try await client.get("/bug", headers: [.accept: "text/html"])
            #expect(page.status == .internalServerError)
            #expect(page.text.contains("系统内部错误"))
            let disk = try await client.get("/disk")
            #expect(disk.status == .serviceUnavailable)
            #expect(disk.json["code"] as? String == "storage.unavailable", "a real storage fault keeps its code")
        }
    }

    /// A malformed address (`/admin/units/abc`) is the request's fault: a page in a browser, a problem elsewhere.
    @Test func aMalformedParameterIsAPageInABrowser() async throws {
        let router = Router(context: AppRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        router.get("/units/:id") { _, context -> String in String(try context.parameters.require("id", as: Int.self)) }
        let app = Application(router: router)
        try await app.test(.router) { client in
            let page = try await client.get("/units/abc", headers: [.accept: "text/html,application/xhtml+xml"])
            #expect(page.status == .badRequest && page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.text.contains("请求格式不正确：请求内容缺少必填字段或格式不对") && !page.text.contains("converted"), "\(page.text)")
            let english = try await client.get("/units/abc", headers: [.accept: "text/html", .acceptLanguage: "en"])
            #expect(english.text.contains("The request is not well formed") && english.text.contains("abc"), "the framework's words in English")
            let problem = try await client.get("/units/abc")
            #expect(problem.status == .badRequest && problem.json["code"] as? String == "request.invalid")
            #expect(try await client.get("/units/7").text == "7")
        }
    }
}

/// Log lines captured in memory, as `message key=value …`.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    var handler: Handler { Handler(sink: self) }

    struct Handler: LogHandler {
        let sink: LogLines
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(
            level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?, source: String, file: String, function: String,
            line: UInt
        ) {
            let all = metadata.merging(extra ?? [:]) { $1 }
            let text = "\(message) " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            sink.lines.withLock { $0.append(text) }
        }
    }
}
