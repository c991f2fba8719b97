import Foundation
import Printing
import QuhaoCore
import QuhaoStore
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The spooler: one queue per site, kept in the database; one daemon at a time drives a site's
/// printer; an answer that says whether the slip came out.
@Suite struct PrintSpoolerTests {
    static func file() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("quhao-spool-\(UUID().uuidString).bin").path
    }

    static let start = Date(timeIntervalSince1970: 1_795_572_000)

    /// A store (the daemons' shared database) with these sites.
    static func store(_ clock: ManualClock, sites: [String]) async throws -> TicketStore {
        let store = try TicketStore.inMemory(clock: clock)
        try await store.sync(
            sites: sites.map {
                Site(
                    id: $0, name: LocalizedText(zh: $0, en: $0),
                    services: [Service(id: "general", prefix: "A", name: LocalizedText(zh: "综合", en: "General"))],
                    counters: [Counter(id: 1, services: ["general"])])
            })
        return store
    }

    static func slip(_ number: String) -> TicketSlip {
        TicketSlip(
            hallName: "办税服务厅", number: number, serviceName: "综合业务", peopleAhead: 0, takenAt: "2026-11-30 09:12",
            url: "https://q.example.cn/t/\(number)", footer: "")
    }

    /// The numbers (`Z7` and three digits: nothing else in a slip's bytes reads so) in a printer's
    /// stream, in the order they were printed, each slip's once.
    static func numbers(in path: String) -> [String] {
        let text = String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data(), as: UTF8.self)
        var found: [String] = []
        for match in text.matches(of: /Z7[0-9]{3}/) where found.last != String(match.output) { found.append(String(match.output)) }
        return found
    }

    /// The slips these spoolers drive to their printers from now on (their status listeners, told
    /// after each slip is sent and recorded), as they come.
    static func slipsDriven(by spoolers: PrintSpooler...) -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        for spooler in spoolers { spooler.onStatus { site, _ in continuation.yield(site) } }
        return stream
    }

    /// Whether `count` slips came in `stream` within `seconds` (the deadline is the point of the
    /// pause that races the stream: a slip that never comes fails the test instead of hanging it).
    static func slips(_ count: Int, in stream: AsyncStream<String>, within seconds: Double = 20) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                var seen = 0
                for await _ in stream {
                    seen += 1
                    if seen >= count { return true }
                }
                return false
            }
            group.addTask {
                // The deadline, not a wait for the slips: the stream above ends the race as soon as they come.
                try? await Task.sleep(for: .seconds(seconds))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
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
        let clock = ManualClock(Self.start)
        // Each of the dead printer's jobs waits this long: room enough for the west slip to print first on a loaded
        // machine (a 2.5 s wait once ended the first east job before it), and the four of them end within a minute.
        let spooler = PrintSpooler(store: try await Self.store(clock, sites: ["east", "west"]), clock: clock, timeout: 8)
        let running = Task { await spooler.run() }
        defer { running.cancel() }
        let slip = ESCPOSTests.slip
        for _ in 0..<3 {
            #expect(await spooler.enqueue(site: "east", slip: slip, settings: PrinterSettings(target: "tcp://127.0.0.1:\(dead.port)")) == .queued)
        }
        let west = await spooler.print(site: "west", slip: slip, settings: PrinterSettings(target: path), within: .seconds(30))
        #expect(west == .printed)
        #expect(await spooler.status(site: "east") == nil, "the east hall's first job has not ended yet")
        #expect(await spooler.status(site: "west")?.printed == 1)
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
        let clock = ManualClock(Self.start)
        let spooler = PrintSpooler(store: try await Self.store(clock, sites: ["hall", "other"]), clock: clock, timeout: 2)
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
        #expect(await spooler.enqueue(site: "hall", slip: ESCPOSTests.slip, settings: PrinterSettings(target: "not a printer")) == .unprintable)
        #expect(PrintSpooler.Outcome.unprintable.problem != nil)
        // A job that cannot be done in the time the caller waits is "queued" (it goes on).
        let dead = try Self.deadPrinter()
        defer { dead.close() }
        let slow = await spooler.print(
            site: "other", slip: ESCPOSTests.slip, settings: PrinterSettings(target: "tcp://127.0.0.1:\(dead.port)"), within: .milliseconds(100))
        #expect(slow == .queued)
    }

    /// Two daemons on one database, slips taken through both: one of them drives the printer, and
    /// the slips come out in the order they were queued, each once.
    @Test func twoDaemonsOneDatabaseOneDriverInOrder() async throws {
        let clock = ManualClock(Self.start)
        let store = try await Self.store(clock, sites: ["hall"])
        let a = PrintSpooler(store: store, clock: clock, holder: "A", timeout: 2)
        let b = PrintSpooler(store: store, clock: clock, holder: "B", timeout: 2)
        let drove = Mutex<[String: Int]>([:])
        a.onStatus { _, _ in drove.withLock { $0["A", default: 0] += 1 } }
        b.onStatus { _, _ in drove.withLock { $0["B", default: 0] += 1 } }
        let driven = Self.slipsDriven(by: a, b)
        let runs = [Task { await a.run() }, Task { await b.run() }]
        defer { for run in runs { run.cancel() } }
        let path = Self.file()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let settings = PrinterSettings(target: path)
        let numbers = (1...20).map { String(format: "Z7%03d", $0) }
        for (index, number) in numbers.enumerated() {
            #expect(await (index % 2 == 0 ? a : b).enqueue(site: "hall", slip: Self.slip(number), settings: settings) == .queued)
        }
        #expect(await Self.slips(20, in: driven))
        #expect(Self.numbers(in: path) == numbers)
        let counts = drove.withLock { $0 }
        #expect(counts.values.sorted() == [20], "one daemon drove all 20: \(counts)")
        #expect(await a.status(site: "hall")?.printed == 20)
        #expect(await b.status(site: "hall")?.printed == 20, "every daemon reads the same status")
    }

    /// A daemon that holds the printer and dies (its lease is never renewed): the others' slips
    /// wait, and print once its lease has run out, by another daemon.
    @Test func anotherDaemonTakesOverWhenTheHoldersLeaseRunsOut() async throws {
        let clock = ManualClock(Self.start)
        let store = try await Self.store(clock, sites: ["hall"])
        #expect(try await store.operations.hold("printer:hall", holder: "gone", for: 10))
        #expect(try await store.operations.hold("printer:hall", holder: "B", for: 10) == false, "held by another")
        let b = PrintSpooler(store: store, clock: clock, holder: "B", timeout: 2, lease: 10)
        let driven = Self.slipsDriven(by: b)
        let run = Task { await b.run() }
        defer { run.cancel() }
        let path = Self.file()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let waited = await b.print(site: "hall", slip: Self.slip("Z7001"), settings: PrinterSettings(target: path), within: .milliseconds(600))
        #expect(waited == .queued, "the printer's holder is gone: nothing prints while its lease runs")
        #expect(Self.numbers(in: path).isEmpty)
        clock.advance(by: 11)
        #expect(await Self.slips(1, in: driven))
        #expect(Self.numbers(in: path) == ["Z7001"])
        #expect(try await store.operations.holder(of: "printer:hall") == "B")
    }

    /// The one daemon on an SQLite file, killed while it held its printer and started again, prints
    /// at once: no lease of its previous run holds its printer up (it waited 10 s before). (`quhao
    /// serve` forgets the holders once it has the file's lock; `printing.sh` restarts the daemon.)
    @Test func aRestartedDaemonOnItsFilePrintsAtOnce() async throws {
        let clock = ManualClock(Self.start)
        let store = try await Self.store(clock, sites: ["hall"])
        #expect(try await store.operations.hold("printer:hall", holder: "the run before, killed", for: 10))
        try await store.operations.forgetLeases()
        let spooler = PrintSpooler(store: store, clock: clock, holder: "A", timeout: 2, lease: 10)
        let run = Task { await spooler.run() }
        defer { run.cancel() }
        let path = Self.file()
        defer { try? FileManager.default.removeItem(atPath: path) }
        // The clock is a manual one: a lease of the run before still held would hold the slip for
        // ever, so a long wait proves as much as a short one and survives a loaded machine.
        #expect(
            await spooler.print(site: "hall", slip: Self.slip("Z7001"), settings: PrinterSettings(target: path), within: .seconds(30)) == .printed)
    }

    /// A slip that waited longer than a slip is useful is not printed (nobody is at the kiosk).
    @Test func aSlipThatWaitedTooLongIsNotPrinted() async throws {
        let clock = ManualClock(Self.start)
        let store = try await Self.store(clock, sites: ["hall"])
        let spooler = PrintSpooler(store: store, clock: clock, holder: "A", timeout: 2, staleAfter: 60)
        let path = Self.file()
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(await spooler.enqueue(site: "hall", slip: Self.slip("Z7001"), settings: PrinterSettings(target: path)) == .queued)
        clock.advance(by: 61)
        #expect(await spooler.enqueue(site: "hall", slip: Self.slip("Z7002"), settings: PrinterSettings(target: path)) == .queued)
        let driven = Self.slipsDriven(by: spooler)
        let run = Task { await spooler.run() }
        defer { run.cancel() }
        // Z7002 is driven after Z7001 is settled (in queue order); an expired slip tells no status.
        #expect(await Self.slips(1, in: driven))
        #expect(try await store.printQueue.sitesWaiting(for: "A").isEmpty)
        #expect(Self.numbers(in: path) == ["Z7002"])
        #expect(await spooler.status(site: "hall")?.printed == 1)
    }

    /// A site's queue holds at most `capacity` slips: past it a slip is refused, and said so.
    @Test func aFullQueueIsRefused() async throws {
        let clock = ManualClock(Self.start)
        let store = try await Self.store(clock, sites: ["hall"])
        let spooler = PrintSpooler(store: store, clock: clock, holder: "A", capacity: 2, timeout: 2)
        let settings = PrinterSettings(target: Self.file())
        #expect(await spooler.enqueue(site: "hall", slip: Self.slip("Z7001"), settings: settings) == .queued)
        #expect(await spooler.enqueue(site: "hall", slip: Self.slip("Z7002"), settings: settings) == .queued)
        let third = await spooler.enqueue(site: "hall", slip: Self.slip("Z7003"), settings: settings)
        #expect(third == .queueFull)
        #expect(third.problem?.zh.contains("打印机积压") == true)
    }

    /// A name that does not resolve is an unreachable printer within the job's time limit.
    @Test func aPrinterNameThatDoesNotResolveIsUnreachable() async throws {
        let error = await #expect(throws: PrinterError.self) {
            try await PrinterConnection(target: .tcp(host: "no-such-printer.invalid", port: 9100), timeout: 3).send([1])
        }
        #expect(error?.zh.contains("打印机无法连接") == true)
    }
}
