import Foundation
import Synchronization

/// Runs one command line through `/bin/sh -c`, without blocking a thread while it runs: the
/// speech engine and the `--announce` command both go through here.
enum ShellCommand {
    /// Runs `command`; its standard error goes to `errors` when given (a file, never a pipe that
    /// could fill and stall the command). Past `timeout` seconds it is terminated.
    /// - Parameters:
    ///   - command: A fixed script (an operator's ``CommandTemplate``); values never go into it.
    ///   - environment: Variables added to the daemon's own for this command: where values travel.
    /// - Returns: The exit status.
    /// - Throws: When the shell cannot be started.
    static func run(_ command: String, environment: [String: String] = [:], errors: URL? = nil, timeout: Double? = nil) async throws -> Int32 {
        try await ProgramRun.run(
            URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", command], environment: environment, errors: errors, timeout: timeout)
    }
}

/// Runs one program with its arguments (never through a shell), without blocking a thread while it
/// runs: the speech command (as `/bin/sh -c` of an operator's fixed script) and the PDF renderer.
public enum ProgramRun {
    /// Runs `program`; its standard error goes to `errors` when given (a file, never a pipe that could
    /// fill and stall it). Past `timeout` seconds it is killed, with any process it started.
    /// - Parameter environment: Variables added to the daemon's own for this run: where values travel.
    /// - Returns: The exit status (the signal's number when a signal ended it).
    /// - Throws: When the program cannot be started.
    public static func run(
        _ program: URL, arguments: [String], environment: [String: String] = [:], errors: URL? = nil, timeout: Double? = nil
    ) async throws -> Int32 {
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, given in given }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        if let errors {
            FileManager.default.createFile(atPath: errors.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: errors)
        } else {
            process.standardError = FileHandle.nullDevice
        }
        let finished = Finished()
        return try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = {
                finished.mark()
                continuation.resume(returning: $0.terminationStatus)
            }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
                return
            }
            if let timeout {
                let pid = process.processIdentifier
                DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
                    // Only while it has not ended: its pid could belong to another process by then.
                    // The whole process group (Foundation starts the program as its leader): Foundation
                    // reports the end only once every process holding its descriptors is gone.
                    if !finished.isSet { kill(-pid, SIGKILL) }
                }
            }
        }
    }
}

/// Set once the command has ended (read from the timer's thread).
private final class Finished: Sendable {
    private let value = Atomic<Bool>(false)

    var isSet: Bool { value.load(ordering: .acquiring) }
    func mark() { value.store(true, ordering: .releasing) }
}
