import Foundation
import LiveBoard

/// Runs a speech command for each call (`--announce 'CMD {text}'`), one after another so calls
/// never talk over each other. `{text}` is the spoken text, `{number}` and `{counter}` the call,
/// `{shown}` the text a display shows; each is quoted for the shell.
public actor Announcer {
    let template: String
    private var queue: [BoardView.CallView] = []
    private var running = false

    public init(template: String) {
        self.template = template
    }

    /// What is wrong with an `--announce` template, if anything (it must say where the words go).
    public static func problem(with template: String) -> String? {
        ["{text}", "{number}", "{counter}", "{shown}"].contains(where: template.contains)
            ? nil : "--announce needs a placeholder, e.g. 'espeak-ng -v cmn {text}'"
    }

    /// The command line for a call.
    public static func commandLine(_ template: String, for call: BoardView.CallView) -> String {
        template.replacingOccurrences(of: "{number}", with: SpeechSynthesizer.shellQuoted(call.number))
            .replacingOccurrences(of: "{counter}", with: String(call.counter))
            .replacingOccurrences(of: "{shown}", with: SpeechSynthesizer.shellQuoted(call.text))
            .replacingOccurrences(of: "{text}", with: SpeechSynthesizer.shellQuoted(call.spoken))
    }

    /// Queues a call; its command runs after the ones before it.
    public func announce(_ call: BoardView.CallView) {
        queue.append(call)
        guard !running else { return }
        running = true
        Task { await drain() }
    }

    private func drain() async {
        while !queue.isEmpty {
            let call = queue.removeFirst()
            await Self.run(Self.commandLine(template, for: call))
        }
        running = false
    }

    static func run(_ command: String) async {
        // A failing or hung command must not stop the calls after it; the board shows them anyway.
        _ = try? await ShellCommand.run(command, timeout: 60)
    }
}
