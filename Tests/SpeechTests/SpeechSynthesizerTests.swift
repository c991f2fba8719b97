import Foundation
import QuhaoCore
import Testing

@testable import Speech

@Suite struct SpeechSynthesizerTests {
    @Test func theChimeIsAPlausibleWAV() throws {
        let wav = try #require(WAV(parsing: Chime.wav))
        #expect(wav.sampleRate == Chime.sampleRate)
        #expect(wav.channels == 1)
        #expect(wav.bitsPerSample == 16)
        #expect(wav.duration > 1 && wav.duration < 2)
    }

    @Test func notAWAVIsRefused() {
        #expect(WAV(parsing: Data("RIFF....WAVX".utf8)) == nil)
        #expect(WAV(parsing: Data()) == nil)
    }

    @Test func theCommandIsResolvedFromTheConfigurationOrTheSearchPath() {
        #expect(SpeechSynthesizer.resolve(configured: "", searchPath: "/usr/bin") == nil, "empty: chime only")
        #expect(SpeechSynthesizer.resolve(configured: "say {text}", searchPath: "") == "say {text}")
        #expect(SpeechSynthesizer.resolve(configured: nil, searchPath: "/nonexistent") == nil)
    }

    @Test func placeholdersBecomeQuotedVariablesNeverValues() throws {
        let command = try CommandTemplate("tts -v {voice} -w \"{out}\" {text} # {nope}", known: SpeechSynthesizer.placeholders)
        #expect(command.script == #"tts -v "${QUHAO_VOICE}" -w "${QUHAO_OUT}" "${QUHAO_TEXT}" # {nope}"#)
        #expect(command.placeholders == ["voice", "out", "text"])
        #expect(SpeechSynthesizer.problem(with: "tts '{text}'")?.contains("single quotes") == true)
        #expect(SpeechSynthesizer.problem(with: "tts \"{text}") != nil, "an open quote")
        #expect(SpeechSynthesizer.problem(with: #"tts \'{text}"#) == nil, "an escaped quote opens nothing")
    }

    @Test func aCommandThatWritesAWAVIsCachedPerText() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("quhao-speech-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("source.wav")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Chime.wav.write(to: source)
        let counter = directory.appendingPathComponent("runs")
        // A stand-in engine: copies a WAV to {out} and counts its runs.
        let synthesizer = try SpeechSynthesizer(
            command: "echo run >> '\(counter.path)'; cp '\(source.path)' {out} # {text} {voice}",
            cacheDirectory: directory.appendingPathComponent("cache"))
        let first = try await synthesizer.audio(for: "请 A零二三 号到三号窗口办理", language: .zh)
        let again = try await synthesizer.audio(for: "请 A零二三 号到三号窗口办理", language: .zh)
        #expect(first == Chime.wav)
        #expect(again == first)
        #expect(try String(contentsOf: counter, encoding: .utf8).split(separator: "\n").count == 1, "made once, then from the cache")
    }

    @Test func hostileWordsReachTheEngineAsWordsAndRunNothing() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("quhao-speech-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let source = directory.appendingPathComponent("source.wav")
        try Chime.wav.write(to: source)
        let heard = directory.appendingPathComponent("heard")
        let planted = directory.appendingPathComponent("planted")
        let synthesizer = try SpeechSynthesizer(
            command: "printf '%s' {text} > '\(heard.path)'; cp '\(source.path)' {out}", cacheDirectory: nil)
        for text in [
            "{text}' ; touch '\(planted.path)' ; '", "$(touch \(planted.path))", "`touch \(planted.path)`", "\" ; touch \(planted.path) ; \"",
            "{out} {voice} $QUHAO_OUT", "it's 请 A零二三",
        ] {
            _ = try await synthesizer.audio(for: text, language: .zh)
            #expect(try String(contentsOf: heard, encoding: .utf8) == text, "the engine got exactly the words")
            #expect(!FileManager.default.fileExists(atPath: planted.path), "nothing in the words ran: \(text)")
        }
    }

    @Test func aFailingCommandIsASpeechFailure() async throws {
        let synthesizer = try SpeechSynthesizer(command: "echo broken >&2; exit 3", cacheDirectory: nil)
        let error = await #expect(throws: QuhaoError.self) { try await synthesizer.audio(for: "x", language: .zh) }
        #expect(error?.code == .speechFailed)
        #expect(error?.parameters["reason"]?.contains("broken") == true)
        let silent = try SpeechSynthesizer(command: "true", cacheDirectory: nil)
        let none = await #expect(throws: QuhaoError.self) { try await silent.audio(for: "x", language: .zh) }
        #expect(none?.code == .speechFailed, "exit 0 without a WAV is no speech")
        let slow = try SpeechSynthesizer(command: "sleep 30", cacheDirectory: nil, timeout: 0.3)
        let started = Date()
        let stopped = await #expect(throws: QuhaoError.self) { try await slow.audio(for: "x", language: .zh) }
        #expect(stopped?.code == .speechFailed)
        #expect(Date().timeIntervalSince(started) < 10, "a hung engine is stopped, not waited for")
        let off = try SpeechSynthesizer(command: nil, cacheDirectory: nil)
        let unavailable = await #expect(throws: QuhaoError.self) { try await off.audio(for: "x", language: .zh) }
        #expect(unavailable?.code == .speechUnavailable)
    }
}
