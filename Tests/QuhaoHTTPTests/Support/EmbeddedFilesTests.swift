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
            // Shared partials sit in a folder of their own; their name is the file's.
            let files = try #require(FileManager.default.subpaths(atPath: directory.path)).filter {
                $0.hasSuffix(suffix.isEmpty ? "" : suffix) && !$0.hasPrefix(".") && !$0.hasSuffix("/") && $0.contains(".")
            }
            #expect(files.count >= 7, "\(folder): \(files)")
            let name = { (file: String) in String(file.split(separator: "/").last!.dropLast(suffix.count)) }
            #expect(Set(files.map(name)) == Set(embedded.keys), "\(folder)")
            for file in files {
                let bytes = try [UInt8](Data(contentsOf: directory.appendingPathComponent(file)))
                #expect(embedded[name(file)] == bytes, "\(folder)/\(file) differs from the embedded copy")
            }
        }
    }
}
