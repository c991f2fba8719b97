import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
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
    static let expired = PrinterError(
        zh: "号票等待打印过久，已不再打印，请重新打印。", en: "The ticket waited too long for the printer and was not printed; print it again.")
    static let notQueued = PrinterError(
        zh: "号票未能送往打印机（数据库暂不可用），请稍后重新打印。", en: "The ticket could not be queued for the printer (the database is unavailable); print it again shortly."
    )
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

/// Sends print jobs, each within a time limit: a network printer through NIO (its connect timeout
/// covers the name lookup and every address tried), a device file on NIO's thread pool (device
/// files block); the callers' tasks never do.
public struct PrinterConnection: Sendable {
    /// The longest a job may take unless told otherwise.
    public static let defaultTimeout: TimeInterval = 5

    public let target: PrinterTarget
    /// The longest a job may take: looking up the name, connecting, the paper check and the writing together.
    public let timeout: TimeInterval

    public init(target: PrinterTarget, timeout: TimeInterval = PrinterConnection.defaultTimeout) {
        self.target = target
        self.timeout = timeout
    }

    /// Sends one job.
    /// - Throws: ``PrinterError`` (unreachable, out of paper, timed out, no such device).
    public func send(_ bytes: [UInt8]) async throws {
        let deadline = NIODeadline.now() + .milliseconds(Int64(timeout * 1000))
        switch target {
        case .tcp(let host, let port): try await Self.sendTCP(bytes, host: host, port: port, deadline: deadline, target: target)
        case .device(let path):
            let target = target
            let until = Date().addingTimeInterval(timeout)
            try await NIOThreadPool.singleton.runIfActive { try Self.sendDevice(bytes, path: path, deadline: until, target: target) }
        }
    }

    /// Reads the printer's answer to the paper-sensor query: its first byte, or `nil` once the
    /// connection closes (or the caller stops waiting).
    private final class PaperStatus: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let answer: @Sendable (UInt8?) -> Void

        init(answer: @escaping @Sendable (UInt8?) -> Void) { self.answer = answer }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            answer(unwrapInboundIn(data).getInteger(at: 0, as: UInt8.self))
        }

        func channelInactive(context: ChannelHandlerContext) {
            answer(nil)
            context.fireChannelInactive()
        }
    }

    private static func sendTCP(_ bytes: [UInt8], host: String, port: Int, deadline: NIODeadline, target: PrinterTarget) async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let status = group.any().makePromise(of: UInt8?.self)
        let answered = NIOLockedValueBox(false)
        let answer: @Sendable (UInt8?) -> Void = { byte in
            if answered.withLockedValue({ done in
                defer { done = true }
                return !done
            }) {
                status.succeed(byte)
            }
        }
        defer { answer(nil) }
        let channel: any NIOCore.Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(max(.milliseconds(1), deadline - .now()))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(PaperStatus(answer: answer)) }
                }
                .connect(host: host, port: port).get()
        } catch let error as NIOConnectionError {
            let why =
                error.connectionErrors.first.map { Self.words($0.error) }
                ?? (error.dnsAError != nil || error.dnsAAAAError != nil ? "unknown host" : "no address")
            throw PrinterError.unreachable(target, why)
        } catch ChannelError.connectTimeout {
            throw PrinterError.unreachable(target, "no answer")
        } catch {
            throw PrinterError.unreachable(target, Self.words(error))
        }
        // Past the deadline the connection is closed, failing whatever is still being written.
        let cutOff = channel.eventLoop.scheduleTask(deadline: deadline) { channel.close(promise: nil) }
        defer {
            cutOff.cancel()
            channel.close(promise: nil)
        }
        func write(_ bytes: [UInt8]) async throws {
            do {
                try await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
            } catch {
                throw NIODeadline.now() >= deadline ? PrinterError.timedOut(target) : PrinterError.unreachable(target, Self.words(error))
            }
        }
        // DLE EOT 4: the paper sensor. A printer that answers "paper end" gets no job (it would be
        // lost in its buffer); one that does not answer within half a second is printed to anyway.
        try await write([0x10, 0x04, 0x04])
        let waitForPaper = channel.eventLoop.scheduleTask(in: .milliseconds(500)) { answer(nil) }
        let paper = try await status.futureResult.get()
        waitForPaper.cancel()
        if let paper, paper & 0x60 == 0x60 { throw PrinterError.outOfPaper }
        try await write(bytes)
    }

    /// A socket error in the C library's words ("Connection refused"), not NIO's error value.
    static func words(_ error: any Error) -> String {
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        if let channel = error as? ChannelError, case .ioOnClosedChannel = channel { return "the connection was closed" }
        return "the connection failed"
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
