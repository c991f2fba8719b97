import Foundation
import QuhaoCore
import Speech
import Synchronization

/// HTML to PDF through WeasyPrint (Debian's `weasyprint`, a kept tool: A4 pages, CJK fonts
/// embedded as subsets), run as a program with arguments, never through a shell. At most two
/// renders at once, each stopped after a timeout.
enum PDFRenderer {
    /// Where the program is looked for, in order (the daemon's PATH may be systemd's short one).
    static func program(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        if let given = environment["QUHAO_WEASYPRINT"], FileManager.default.isExecutableFile(atPath: given) { return URL(fileURLWithPath: given) }
        let path = (environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"]
        return path.map { URL(fileURLWithPath: $0).appendingPathComponent("weasyprint") }.first {
            FileManager.default.isExecutableFile(atPath: $0.path)
        }
    }

    static let running = Mutex(0)
    static let capacity = 2
    /// What a refusal while both are busy asks a client to wait (a record renders in a few seconds).
    static let retryAfterSeconds = 10

    /// Renders a page.
    /// - Parameter allowedDirectory: The only directory the page's `file://` images may come from (the evidence files).
    /// - Throws: `inspection.pdf_failed` (with the reason) when the program is missing, fails or takes too long.
    static func render(html: String, timeout: Double = 60) async throws -> Data {
        guard let program = program() else {
            throw QuhaoError(.inspectionPDFFailed, ["reason": "未安装 weasyprint（apt install weasyprint）", "reason@en": "weasyprint is not installed"])
        }
        let admitted = running.withLock { count -> Bool in
            guard count < capacity else { return false }
            count += 1
            return true
        }
        guard admitted else {
            throw QuhaoError(
                .inspectionPDFFailed,
                [
                    "reason": "正在生成其他记录表，请稍后再试", "reason@en": "other records are being rendered: try again",
                    "seconds": String(retryAfterSeconds),
                ])
        }
        defer { running.withLock { $0 -= 1 } }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("quhao-pdf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("record.html")
        let output = directory.appendingPathComponent("record.pdf")
        let errors = directory.appendingPathComponent("errors.txt")
        try Data(html.utf8).write(to: input)
        let status = try await ProgramRun.run(program, arguments: [input.path, output.path], errors: errors, timeout: timeout)
        guard status == 0, let pdf = try? Data(contentsOf: output), pdf.starts(with: Data("%PDF".utf8)) else {
            let said = (try? String(contentsOf: errors, encoding: .utf8))?.split(separator: "\n").last.map(String.init) ?? ""
            let reason = status == SIGKILL ? "超时 timed out" : "exit \(status) \(said.prefix(200))"
            throw QuhaoError(.inspectionPDFFailed, ["reason": reason, "reason@en": reason])
        }
        return pdf
    }
}
