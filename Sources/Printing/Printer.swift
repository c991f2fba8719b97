import Foundation
import QuhaoCore

#if canImport(Glibc)
    import Glibc
#endif

/// Why a print did not happen, in words for the console and the log (zh-CN, then English).
public struct PrinterError: Error, Sendable, Hashable, CustomStringConvertible {
    public let zh: String
    public let en: String
    public var description: String { "\(zh) \(en)" }

    static func unreachable(_ target: PrinterTarget, _ why: String) -> PrinterError {
        PrinterError(zh: "打印机无法连接（\(target)）：请检查电源和网线。", en: "The printer at \(target) cannot be reached (\(why)): is it on and connected?")
    }
    static let outOfPaper = PrinterError(zh: "打印机缺纸，请更换纸卷。", en: "The printer is out of paper.")
    static func timedOut(_ target: PrinterTarget) -> PrinterError {
        PrinterError(zh: "打印机（\(target)）无响应。", en: "The printer at \(target) did not take the ticket in time (busy, jammed or off?).")
    }
    static func device(_ path: String, _ code: Int32) -> PrinterError {
        switch code {
        case ENOENT, ENODEV, ENXIO:
            PrinterError(zh: "找不到打印机 \(path)：请检查 USB 连接和电源。", en: "No printer at \(path): is it plugged in and on?")
        case EACCES, EPERM:
            PrinterError(zh: "无权使用打印机 \(path)。", en: "No permission to write to \(path) (add the quhao user to the lp group).")
        default: PrinterError(zh: "打印机 \(path) 出错。", en: "The printer at \(path) failed: \(String(cString: strerror(code))).")
        }
    }
}

/// Sends print jobs, each within a time limit, on a thread of its own (sockets and device files
/// block; the callers' tasks never do).
public struct PrinterConnection: Sendable {
    public let target: PrinterTarget
    /// The longest a job may take: connecting, the paper check and the writing together.
    public let timeout: TimeInterval

    public init(target: PrinterTarget, timeout: TimeInterval = 5) {
        self.target = target
        self.timeout = timeout
    }

    /// Sends one job.
    /// - Throws: ``PrinterError`` (unreachable, out of paper, timed out, no such device).
    public func send(_ bytes: [UInt8]) async throws {
        let target = target
        let deadline = Date().addingTimeInterval(timeout)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global(qos: .utility).async {
                do {
                    switch target {
                    case .tcp(let host, let port): try Self.sendTCP(bytes, host: host, port: port, deadline: deadline, target: target)
                    case .device(let path): try Self.sendDevice(bytes, path: path, deadline: deadline, target: target)
                    }
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private static func milliseconds(until deadline: Date) -> Int32 { Int32(max(0, min(Double(Int32.max), deadline.timeIntervalSinceNow * 1000))) }

    /// Waits until `descriptor` is ready for `events` or the deadline passes.
    private static func ready(_ descriptor: Int32, _ events: Int16, deadline: Date) -> Bool {
        var poller = pollfd(fd: descriptor, events: events, revents: 0)
        return poll(&poller, 1, milliseconds(until: deadline)) == 1 && poller.revents & events != 0
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, deadline: Date, target: PrinterTarget) throws {
        var offset = 0
        while offset < bytes.count {
            guard ready(descriptor, Int16(POLLOUT), deadline: deadline) else { throw PrinterError.timedOut(target) }
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw PrinterError.unreachable(target, String(cString: strerror(errno)))
            }
            offset += written
        }
    }

    private static func sendTCP(_ bytes: [UInt8], host: String, port: Int, deadline: Date, target: PrinterTarget) throws {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0, let address = found else {
            throw PrinterError.unreachable(target, "unknown host")
        }
        defer { freeaddrinfo(found) }
        let socket = Glibc.socket(address.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard socket >= 0 else { throw PrinterError.unreachable(target, String(cString: strerror(errno))) }
        defer { close(socket) }
        if connect(socket, address.pointee.ai_addr, address.pointee.ai_addrlen) != 0 {
            guard errno == EINPROGRESS else { throw PrinterError.unreachable(target, String(cString: strerror(errno))) }
            guard ready(socket, Int16(POLLOUT), deadline: deadline) else { throw PrinterError.unreachable(target, "no answer") }
            var failure: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(socket, SOL_SOCKET, SO_ERROR, &failure, &length)
            guard failure == 0 else { throw PrinterError.unreachable(target, String(cString: strerror(failure))) }
        }
        // DLE EOT 4: the paper sensor. A printer that answers "paper end" gets no job (it would be
        // lost in its buffer); one that does not answer within half a second is printed to anyway.
        try writeAll([0x10, 0x04, 0x04], to: socket, deadline: deadline, target: target)
        if ready(socket, Int16(POLLIN), deadline: min(deadline, Date().addingTimeInterval(0.5))) {
            var status: UInt8 = 0
            if read(socket, &status, 1) == 1, status & 0x60 == 0x60 { throw PrinterError.outOfPaper }
        }
        try writeAll(bytes, to: socket, deadline: deadline, target: target)
    }

    private static func sendDevice(_ bytes: [UInt8], path: String, deadline: Date, target: PrinterTarget) throws {
        // A device that is not there is an error, never a new file in /dev (a printer unplugged
        // while the daemon runs as root would print into a regular file): only a path elsewhere
        // (a file a test or a spooling directory reads) is created.
        let flags = O_WRONLY | O_NONBLOCK | O_APPEND | (path.hasPrefix("/dev/") ? 0 : O_CREAT)
        let descriptor = open(path, flags, 0o644)
        guard descriptor >= 0 else { throw PrinterError.device(path, errno) }
        defer { close(descriptor) }
        try writeAll(bytes, to: descriptor, deadline: deadline, target: target)
    }
}
