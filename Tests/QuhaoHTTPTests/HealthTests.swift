import Foundation
import Hummingbird
import HummingbirdTesting
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
