import Foundation
import Logging
import Synchronization

/// The log as JSON lines (`server.log_format: json`), one object per entry on standard error, for
/// journald or a log shipper: `{"ts":"2026-11-30T08:30:00.123Z","level":"info","message":"request",…}`
/// with the entry's metadata as further string fields.
struct JSONLinesLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    /// Where the lines go: standard error unless a test gives its own.
    let output: @Sendable (Data) -> Void

    init(label: String, output: @escaping @Sendable (Data) -> Void = JSONLinesLogHandler.standardError) {
        self.label = label
        self.output = output
    }

    static let standardError: @Sendable (Data) -> Void = { data in
        lock.withLock { _ in FileHandle.standardError.write(data) }
    }
    private static let lock = Mutex(())

    /// Lines through the daemon's ``LogWriter`` (off the request path).
    init(label: String, writer: LogWriter) {
        self.init(label: label) { writer.write(Array($0)) }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [String: String] = [:]
        let merged = metadata.merging(metadataProvider?.get() ?? [:]) { $1 }.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged { fields[key] = Self.text(value) }
        fields["ts"] = Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
        fields["level"] = event.level.rawValue
        fields["message"] = event.message.description
        fields["logger"] = label
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(fields) else { return }
        line.append(0x0A)
        output(line)
    }

    private static func text(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): text
        case .stringConvertible(let value): value.description
        case .array(let values): "[" + values.map(text).joined(separator: ", ") + "]"
        case .dictionary(let values): "{" + values.sorted { $0.key < $1.key }.map { "\($0.key): \(text($0.value))" }.joined(separator: ", ") + "}"
        }
    }
}
