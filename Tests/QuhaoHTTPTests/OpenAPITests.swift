import Foundation
import QuhaoCore
import QuhaoHTTP
import QuhaoStore
import Testing
import Yams

/// docs/openapi.yaml describes exactly the /api/v1 routes the code serves.
@Suite struct OpenAPITests {
    static let specURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/openapi.yaml")

    static func spec() throws -> [String: Any] {
        try #require(try Yams.load(yaml: String(contentsOf: specURL, encoding: .utf8)) as? [String: Any])
    }

    @Test func everyDocumentedOperationIsARouteAndEveryRouteIsDocumented() async throws {
        let spec = try Self.spec()
        #expect(spec["openapi"] as? String == "3.1.0")
        let paths = try #require(spec["paths"] as? [String: [String: Any]])
        var documented: Set<String> = []
        for (path, operations) in paths {
            for method in operations.keys where ["get", "post", "put", "patch", "delete"].contains(method) {
                documented.insert("\(method.uppercased()) /api/v1\(path)")
            }
        }
        let clock = ManualClock(Date(timeIntervalSince1970: 1_795_572_000))
        let served = Set(try routeTable(store: try TicketStore.inMemory(clock: clock), clock: clock).filter { $0.contains(" /api/v1/") })
        #expect(documented == served, "documented only: \(documented.subtracting(served)); served only: \(served.subtracting(documented))")
    }

    /// Each window action says which state the window's ticket must be in, and says what the state
    /// machine says (the API refuses `complete` on a called ticket; only the console sends start first).
    @Test func windowActionsNameTheStatesTheyNeed() throws {
        let spec = try Self.spec()
        let paths = try #require(spec["paths"] as? [String: [String: Any]])
        let actions: [String: TicketAction] = ["recall": .recall, "start": .start, "complete": .complete, "no-show": .noShow, "transfer": .transfer]
        for (path, action) in actions {
            let operation = try #require(paths["/counters/{site}/{counter}/\(path)"]?["post"] as? [String: Any], "\(path)")
            let text = try #require(operation["description"] as? String, "\(path) has no description")
            let phrase = try #require(text.firstMatch(of: /Needs the window's ticket in state: ((?:`[a-z_]+`(?:, )?)+)\./), "\(path): \(text)")
            let documented = Set(phrase.1.matches(of: /`([a-z_]+)`/).map { String($0.1) })
            let allowed = Set(TicketState.allCases.filter { (try? $0.applying(action, number: "A001")) != nil }.map(\.rawValue))
            #expect(documented == allowed, "\(path): documented \(documented), the state machine allows \(allowed)")
        }
    }

    @Test func everyOperationHasAnIdAndRefusalsAreProblems() throws {
        let spec = try Self.spec()
        let paths = try #require(spec["paths"] as? [String: [String: Any]])
        var ids: Set<String> = []
        for (path, operations) in paths {
            for (method, value) in operations {
                guard let operation = value as? [String: Any] else { continue }
                let id = try #require(operation["operationId"] as? String, "\(method) \(path)")
                #expect(ids.insert(id).inserted, "duplicate operationId \(id)")
                let responses = try #require(operation["responses"] as? [String: Any])
                for (status, response) in responses where status.hasPrefix("4") || status.hasPrefix("5") {
                    let reference = (response as? [String: Any])?["$ref"] as? String
                    #expect(reference?.hasPrefix("#/components/responses/") == true, "\(method) \(path) \(status)")
                }
            }
        }
    }
}
