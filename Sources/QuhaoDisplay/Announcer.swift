import Foundation
import LiveBoard
import Speech

/// Runs a speech command for each call (`--announce 'CMD {text}'`), one after another so calls
/// never talk over each other. `{text}` is the spoken text, `{number}` and `{counter}` the call,
/// `{shown}` the text a display shows; values reach the command through its environment
/// (``CommandTemplate``), never inside the shell line.
///
/// A call waits at most ``maxAge`` seconds and the queue holds at most ``capacity`` calls: a hall
/// is better served by the board alone than by a voice reading out calls minutes late.
public actor Announcer {
    let command: CommandTemplate
    private var queue: [(call: BoardView.CallView, queuedAt: ContinuousClock.Instant)] = []
    private var running = false
    /// Seconds a call may wait for its turn before it is dropped unspoken.
    let maxAge: Double
    /// Calls waiting at most; the oldest is dropped for a new one.
    let capacity: Int
    private let run: @Sendable (CommandTemplate, [String: String]) async -> Void
    private let now: @Sendable () -> ContinuousClock.Instant

    /// The placeholders an announce command may use.
    public static let placeholders = ["text", "number", "counter", "shown"]

    /// - Parameters:
    ///   - command: The operator's command (``problem(with:)`` says whether it is usable).
    ///   - maxAge: Seconds a call may wait before it is dropped unspoken.
    ///   - capacity: Calls waiting at most.
    ///   - now: The time, for a call's age (tests move it).
    ///   - run: Runs one command (tests watch it); by default through the shell with a 60 s limit.
    public init(
        command: CommandTemplate, maxAge: Double = 30, capacity: Int = 20, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
        run: @escaping @Sendable (CommandTemplate, [String: String]) async -> Void = Announcer.runCommand
    ) {
        self.command = command
        self.maxAge = maxAge
        self.capacity = capacity
        self.now = now
        self.run = run
    }

    /// The template as a command, or what is wrong with it (it must say where the words go).
    public static func command(_ template: String) -> Result<CommandTemplate, CommandTemplate.Problem> {
        let command: CommandTemplate
        do {
            command = try CommandTemplate(template, known: placeholders)
        } catch let problem as CommandTemplate.Problem {
            return .failure(CommandTemplate.Problem(description: "--announce: \(problem)"))
        } catch {
            return .failure(CommandTemplate.Problem(description: "--announce: \(error)"))
        }
        guard !command.placeholders.isEmpty else {
            return .failure(CommandTemplate.Problem(description: "--announce needs a placeholder, e.g. 'espeak-ng -v cmn {text}'"))
        }
        return .success(command)
    }

    /// What is wrong with an `--announce` template, if anything.
    public static func problem(with template: String) -> String? {
        if case .failure(let problem) = command(template) { return problem.description }
        return nil
    }

    /// The values a call gives the command.
    public static func values(for call: BoardView.CallView) -> [String: String] {
        ["text": call.spoken, "number": call.number, "counter": String(call.counter), "shown": call.text]
    }

    /// Queues a call; its command runs after the ones before it, unless it has waited too long by then.
    public func announce(_ call: BoardView.CallView) {
        if queue.count >= capacity { queue.removeFirst() }
        queue.append((call, now()))
        guard !running else { return }
        running = true
        Task { await drain() }
    }

    private func drain() async {
        while !queue.isEmpty {
            let (call, queuedAt) = queue.removeFirst()
            guard queuedAt.duration(to: now()) <= .seconds(maxAge) else { continue }
            await run(command, Self.values(for: call))
        }
        running = false
    }

    /// Runs one announce command through the shell.
    @Sendable public static func runCommand(_ command: CommandTemplate, _ values: [String: String]) async {
        // A failing or hung command must not stop the calls after it; the board shows them anyway.
        _ = try? await command.run(values, timeout: 60)
    }
}
