import Foundation
import Testing

@testable import QuhaoHTTP

/// The binary carries every template and static file of the source tree, byte for byte: a file
/// added to Resources but not to Package.swift and ``EmbeddedFiles`` would be missing from an
/// installed daemon.
@Suite struct EmbeddedFilesTests {
    static let resources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources/QuhaoHTTP/Resources")

    @Test func everyResourceFileIsEmbeddedAsItIs() throws {
        for (folder, embedded, suffix) in [
            ("static", EmbeddedFiles.staticFiles, ""), ("templates", EmbeddedFiles.templates, ".mustache"),
        ] {
            let directory = Self.resources.appendingPathComponent(folder)
            let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { !$0.hasPrefix(".") }
            #expect(files.count >= 7, "\(folder): \(files)")
            #expect(Set(files.map { String($0.dropLast(suffix.count)) }) == Set(embedded.keys), "\(folder)")
            for file in files {
                let bytes = try [UInt8](Data(contentsOf: directory.appendingPathComponent(file)))
                #expect(embedded[String(file.dropLast(suffix.count))] == bytes, "\(folder)/\(file) differs from the embedded copy")
            }
        }
    }
}
