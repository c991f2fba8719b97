import Foundation
import Printing
import QuhaoCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The spooler: one queue per site, and an answer that says whether the slip came out.
@Suite struct PrintSpoolerTests {
    static func file() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("quhao-spool-\(UUID().uuidString).bin").path
    }

    /// A listening socket whose accept queue is full (one connection made and never accepted): a
    /// printer there never answers a connection (the kernel drops the next handshakes), so each of
    /// its jobs lasts the whole time limit.
    static func deadPrinter() throws -> (port: Int, close: () -> Void) {
        let listener = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        try #require(bound == 0 && listen(listener, 0) == 0)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        let filler = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(filler, $0, length) } }
        try #require(connected == 0)
        return (
            Int(UInt16(bigEndian: address.sin_port)),
            {
                close(filler)
                close(listener)
            }
        )
    }

    /// One hall's printer hangs: another hall's slip prints at once, before the first hall's
    /// first job has even failed (with one queue it would wait behind all three).
    @Test func oneDeadPrinterNeverDelaysAnotherHallsSlips() async throws {
        let dead = try Self.deadPrinter()
        defer { dead.close() }
        let path = Self.file()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let spooler = PrintSpooler(clock: ManualClock(Date(timeIntervalSince1970: 1_795_572_000)), timeout: 2.5)
        let running = Task { await spooler.run() }
        defer { running.cancel() }
        let slip = ESCPOSTests.slip
        for _ in 0..<3 {
            #expect(spooler.enqueue(site: "east", slip: slip, settings: PrinterSettings(target: "tcp://127.0.0.1:\(dead.port)")) == .queued)
        }
        let west = await spooler.print(site: "west", slip: slip, settings: PrinterSettings(target: path), within: .seconds(30))
        #expect(west == .printed)
        #expect(spooler.status(site: "east") == nil, "the east hall's first job has not ended yet")
        #expect(spooler.status(site: "west")?.printed == 1)
        #expect((try? Data(contentsOf: URL(fileURLWithPath: path)).count) ?? 0 > 0)
        // The dead printer's own jobs end as what they are: unreachable, said so.
        let fourth = await spooler.print(
            site: "east", slip: slip, settings: PrinterSettings(target: "tcp://127.0.0.1:\(dead.port)"), within: .seconds(60))
        guard case .failed(let problem) = fourth else {
            Issue.record("the dead printer's job: \(fourth)")
            return
        }
        #expect(problem.zh.contains("打印机无法连接"))
        #expect(fourth.code == "failed")
    }

    /// The answer a window gets: printed, failed with the reason, or still queued when it stopped waiting.
    @Test func theOutcomeSaysWhatHappened() async throws {
        let spooler = PrintSpooler(clock: ManualClock(Date(timeIntervalSince1970: 1_795_572_000)), timeout: 2)
        let running = Task { await spooler.run() }
        defer { running.cancel() }
        let path = Self.file()
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(await spooler.print(site: "hall", slip: ESCPOSTests.slip, settings: PrinterSettings(target: path), within: .seconds(30)) == .printed)
        let missing = await spooler.print(
            site: "hall", slip: ESCPOSTests.slip, settings: PrinterSettings(target: "/dev/quhao-no-printer-\(UUID().uuidString.prefix(6))"),
            within: .seconds(30))
        #expect(missing.code == "failed")
        #expect(missing.problem?.zh.contains("找不到打印机") == true)
        #expect(spooler.enqueue(site: "hall", slip: ESCPOSTests.slip, settings: PrinterSettings(target: "not a printer")) == .unprintable)
        #expect(PrintSpooler.Outcome.unprintable.problem != nil)
        // A job that cannot be done in the time the caller waits is "queued" (it goes on).
        let dead = try Self.deadPrinter()
        defer { dead.close() }
        let slow = await spooler.print(
            site: "other", slip: ESCPOSTests.slip, settings: PrinterSettings(target: "tcp://127.0.0.1:\(dead.port)"), within: .milliseconds(100))
        #expect(slow == .queued)
    }

    /// A name that does not resolve is an unreachable printer within the job's time limit.
    @Test func aPrinterNameThatDoesNotResolveIsUnreachable() async throws {
        let error = await #expect(throws: PrinterError.self) {
            try await PrinterConnection(target: .tcp(host: "no-such-printer.invalid", port: 9100), timeout: 3).send([1])
        }
        #expect(error?.zh.contains("打印机无法连接") == true)
    }
}
