import Foundation
import QuhaoCore
import QuhaoHTTP
import QuhaoStore
import Testing

/// `docs/architecture.md` is the living map of targets and routes: every route the application
/// serves is in its routes table, and nothing in the table is a route that no longer exists.
@Suite struct ArchitectureDocTests {
    @Test func everyRouteIsOnTheMapAndTheMapHasNoOthers() throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_795_572_000))
        let served = Set(try routeTable(store: try TicketStore.inMemory(clock: clock), clock: clock))
        let doc = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/architecture.md")
        let text = try String(contentsOf: doc, encoding: .utf8)
        // Routes are written `METHOD /path` in backquotes, the path as Hummingbird prints it ({name} for parameters).
        let mapped = Set(text.matches(of: #/`((?:GET|POST|PUT|DELETE|PATCH|HEAD) /[^`]*)`/#).map { String($0.output.1) })
        #expect(served.count > 50)
        let missing = served.subtracting(mapped).sorted()
        let stale = mapped.subtracting(served).sorted()
        #expect(missing.isEmpty, "routes not on the map:\n\(missing.joined(separator: "\n"))")
        #expect(stale.isEmpty, "on the map but not served:\n\(stale.joined(separator: "\n"))")
    }
}
