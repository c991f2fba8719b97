import Dispatch
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The daemon's log, written off the request path: a handler formats its line and appends it to
/// a buffer (one lock, no system call); a thread of its own writes what has gathered in one
/// `write(2)`. At `info` there is a line per request, and writing each one to standard error as
/// it came cost a quarter to two fifths of the board polls' throughput.
///
/// Bounded: past ``capacity`` bytes waiting (a disk or a journal that stopped taking lines),
/// new lines are counted and dropped, and the count is written once there is room again.
/// ``stop()`` (the daemon's clean exit) writes everything still waiting, and lines logged after
/// it are written at once, so nothing logged before a clean stop is lost.
final class LogWriter: Sendable {
    /// Bytes that may wait to be written.
    static let capacity = 4 << 20

    private struct State {
        var pending: [UInt8] = []
        var dropped = 0
        var stopped = false
    }

    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let descriptor: Int32

    /// Starts the writing thread for a descriptor (standard error by default).
    init(descriptor: Int32 = STDERR_FILENO) {
        self.descriptor = descriptor
        let thread = Thread { [self] in self.run() }
        thread.name = "quhao-log"
        thread.start()
    }

    /// Queues a line (its newline included).
    func write(_ line: [UInt8]) {
        let direct = state.withLock { state -> Bool in
            if state.stopped { return true }
            guard state.pending.count + line.count <= Self.capacity else {
                state.dropped += 1
                return false
            }
            let wasEmpty = state.pending.isEmpty
            state.pending.append(contentsOf: line)
            if wasEmpty { wake.signal() }
            return false
        }
        if direct { Self.writeAll(line, to: descriptor) }
    }

    /// Writes what is waiting and stops the thread; later lines are written directly.
    func stop() {
        let running = state.withLock { state -> Bool in
            defer { state.stopped = true }
            return !state.stopped
        }
        guard running else { return }
        wake.signal()
        finished.wait()
    }

    private func run() {
        while true {
            wake.wait()
            let (batch, dropped, stopped) = state.withLock { state -> ([UInt8], Int, Bool) in
                defer {
                    state.pending = []
                    state.dropped = 0
                }
                return (state.pending, state.dropped, state.stopped)
            }
            if dropped > 0 { Self.writeAll(Array("quhao log: \(dropped) lines dropped (the log output was not taking them)\n".utf8), to: descriptor) }
            if !batch.isEmpty { Self.writeAll(batch, to: descriptor) }
            if stopped {
                // Anything appended between the swap and `stopped` was written by its caller.
                finished.signal()
                return
            }
        }
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}

/// The text log (`server.log_format: text`), in swift-log's own layout
/// (`2026-12-02T21:05:09+0800 info quhao : method=GET route=/t/{token} [QuhaoHTTP] request`),
/// through a ``LogWriter``.
struct TextLogHandler: LogHandler {
    let label: String
    let writer: LogWriter
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let own = event.metadata { merged.merge(own) { $1 } }
        var line = Self.timestamp()
        line += " \(event.level) \(label) :"
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) { line += " \(key)=\(value)" }
        line += " [\(event.source)] \(event.message)\n"
        writer.write(Array(line.utf8))
    }

    /// The local time to the second; made once per second, not per line.
    static func timestamp() -> String {
        var now = time(nil)
        return cache.withLock { cache in
            if cache.second == now { return cache.text }
            var parts = tm()
            localtime_r(&now, &parts)
            var buffer = [Int8](repeating: 0, count: 32)
            let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
            cache = (now, String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self))
            return cache.text
        }
    }
    private static let cache = Mutex<(second: time_t, text: String)>((0, ""))
}
