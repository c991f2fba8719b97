import Crypto
import Foundation
import QuhaoCore

/// Turns announcement text into a WAV file with a local command (no network: halls may be
/// offline), one synthesis at a time, each text once: results are kept in a cache directory.
///
/// The command is a template: `{text}` stands for the words, `{out}` the WAV file to write,
/// `{voice}` `cmn` or `en`; the values reach it through its environment (``CommandTemplate``).
/// By default `espeak-ng` when it is installed.
public actor SpeechSynthesizer {
    /// The command run for each new text; `nil` when there is no speech (the chime only).
    public nonisolated let command: CommandTemplate?
    private let cache: URL?
    private var running: [String: Task<Data, any Error>] = [:]

    /// Files kept in the cache before the oldest are removed.
    static let cacheLimit = 400
    /// Seconds a synthesis may take before the command is stopped.
    let timeout: Double

    /// The default command when `espeak-ng` is installed.
    public static let espeakCommand = "espeak-ng -v {voice} -s 140 -w {out} {text}"

    /// - Parameters:
    ///   - command: The command template, already resolved (``resolve(configured:searchPath:)``); `nil` for none.
    ///   - cacheDirectory: Where WAV files are kept (created when needed); `nil` keeps nothing.
    ///   - timeout: Seconds a synthesis may take.
    /// - Throws: ``CommandTemplate/Problem`` for a template that cannot be used.
    public init(command: String?, cacheDirectory: URL?, timeout: Double = 20) throws {
        self.command = try command.map { try CommandTemplate($0, known: Self.placeholders) }
        self.cache = cacheDirectory
        self.timeout = timeout
    }

    /// The command to use: the configured one; none when configured empty; otherwise
    /// `espeak-ng` when it is on the search path.
    public static func resolve(configured: String?, searchPath: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        if let configured {
            let trimmed = configured.trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty ? nil : trimmed
        }
        let directories = (searchPath ?? "/usr/bin:/bin").split(separator: ":")
        let found = directories.contains { FileManager.default.isExecutableFile(atPath: "\($0)/espeak-ng") }
        return found ? espeakCommand : nil
    }

    /// The speech engine's voice for a language.
    public static func voice(_ language: AnnouncementStyle.Language) -> String {
        switch language {
        case .zh: "cmn"
        case .en: "en"
        }
    }

    /// The placeholders a speech command may use.
    public static let placeholders = ["text", "out", "voice"]

    /// What is wrong with a speech command template, if anything.
    public static func problem(with template: String) -> String? {
        do {
            _ = try CommandTemplate(template, known: placeholders)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// The WAV audio of a text: from the cache, or made now.
    /// - Throws: ``QuhaoError`` `speech.unavailable` (no command), `speech.failed` (the command
    ///   failed, timed out or wrote no WAV).
    public func audio(for text: String, language: AnnouncementStyle.Language) async throws -> Data {
        guard let command else { throw QuhaoError(.speechUnavailable) }
        let voice = Self.voice(language)
        let key = Array(SHA256.hash(data: Data("\(command.script)\n\(voice)\n\(text)".utf8))).hex
        let file = cache?.appendingPathComponent("\(key).wav")
        if let file, let data = try? Data(contentsOf: file), WAV(parsing: data) != nil { return data }
        if let pending = running[key] { return try await pending.value }
        let (cache, timeout) = (self.cache, self.timeout)
        let task = Task.detached { () throws -> Data in
            let data = try await Self.synthesize(command: command, text: text, voice: voice, timeout: timeout)
            if let cache, let file {
                try? FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
                try? data.write(to: file, options: .atomic)
                Self.prune(cache)
            }
            return data
        }
        running[key] = task
        defer { running[key] = nil }
        return try await task.value
    }

    /// Runs the command once, into a temporary file.
    static func synthesize(command: CommandTemplate, text: String, voice: String, timeout: Double) async throws -> Data {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("quhao-speech-\(UUID().uuidString)")
        let out = scratch.appendingPathExtension("wav")
        let log = scratch.appendingPathExtension("log")
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: log)
        }
        let status: Int32
        do {
            // The engine's messages go to a file: a pipe read only after exit could fill and stall it.
            status = try await command.run(["text": text, "out": out.path, "voice": voice], errors: log, timeout: timeout)
        } catch {
            throw QuhaoError(.speechFailed, ["reason": "\(error)"])
        }
        let message = String(decoding: ((try? Data(contentsOf: log)) ?? Data()).prefix(300), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard status == 0 else {
            throw QuhaoError(.speechFailed, ["reason": "exit status \(status)" + (message.isEmpty ? "" : ": \(message)")])
        }
        guard let data = try? Data(contentsOf: out), let wav = WAV(parsing: data), wav.dataBytes > 0 else {
            throw QuhaoError(.speechFailed, ["reason": "the command wrote no WAV audio to {out}"])
        }
        return data
    }

    /// Keeps the newest ``cacheLimit`` files.
    static func prune(_ directory: URL) {
        let manager = FileManager.default
        guard
            let files = try? manager.contentsOfDirectory(
                at: directory, includingPropertiesForKeys: [.contentModificationDateKey], options: [.skipsHiddenFiles]),
            files.count > cacheLimit
        else { return }
        let dated = files.map { file in
            (file, (try? file.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? .distantPast)
        }
        for (file, _) in dated.sorted(by: { $0.1 < $1.1 }).prefix(files.count - cacheLimit) {
            try? manager.removeItem(at: file)
        }
    }
}
