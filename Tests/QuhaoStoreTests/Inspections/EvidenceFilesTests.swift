import Foundation
import QuhaoCore
import Testing

@testable import QuhaoStore

/// Photos are told by their bytes, bounded in size, stored once by their hash.
@Suite struct EvidenceFilesTests {
    /// A real image from `Tests/fixtures/images`.
    static func image(_ name: String) -> Data {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? Data(contentsOf: tests.appendingPathComponent("fixtures/images/\(name)"))) ?? Data()
    }

    static let png = image("green.png")
    static let jpeg = image("red.jpg")
    static let webp = image("green.webp")

    static func withFiles(_ body: (EvidenceFiles) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("quhao-evidence-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try body(EvidenceFiles(directory: directory))
    }

    @Test func imagesAreKnownByTheirBytesWhateverTheirName() throws {
        try Self.withFiles { (files: EvidenceFiles) throws in
            #expect(try files.store(Self.png, name: "photo.jpg", limit: 1_000).contentType == "image/png")
            #expect(try files.store(Self.jpeg, name: "photo", limit: 1_000).contentType == "image/jpeg")
            #expect(try files.store(Self.webp, name: "x.png", limit: 1_000).contentType == "image/webp")
            for (bytes, name) in [
                (Data("<html><script>alert(1)</script></html>".utf8), "photo.png"),
                (Data("<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".utf8), "photo.png"),
                (Data("GIF89a".utf8) + Data(repeating: 0, count: 20), "photo.gif"),
                // A JPEG's first bytes, then a page: the signature alone passed before.
                (Data([0xFF, 0xD8, 0xFF]) + Data("<html><script>alert(1)</script></html>".utf8), "photo.jpg"),
                (Data(), "empty.jpg"),
            ] {
                #expect(throws: QuhaoError(.evidenceType, ["name": name])) { try files.store(bytes, name: name, limit: 1_000) }
            }
        }
    }

    @Test func aPhotoOverTheLimitIsRefusedAndTheSamePhotoIsStoredOnce() throws {
        try Self.withFiles { (files: EvidenceFiles) throws in
            let big = Self.jpeg + Data(repeating: 0, count: 20 * 1_048_576)
            #expect(throws: QuhaoError(.evidenceTooLarge, ["limit": "8"])) { try files.store(big, name: "big.jpg", limit: 8 * 1_048_576) }
            let one = try files.store(Self.png, name: "a.png", limit: 1_000)
            let two = try files.store(Self.png, name: "b.png", limit: 1_000)
            #expect(one == two && one.size == Self.png.count)
            let stored = try #require(files.file(one.sha256))
            #expect(try Data(contentsOf: stored) == Self.png)
            let mode = try FileManager.default.attributesOfItem(atPath: stored.path)[.posixPermissions] as? Int
            #expect(mode == 0o640, "never executable")
            let folder = stored.deletingLastPathComponent().path
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == [one.sha256], "no partial file left")
        }
    }

    @Test func onlyAHashNamesAFile() throws {
        try Self.withFiles { (files: EvidenceFiles) throws in
            #expect(files.file("../../etc/passwd") == nil)
            #expect(files.file(String(repeating: "A", count: 64)) == nil)
            #expect(files.file(String(repeating: "a", count: 64))?.path.hasPrefix(files.directory.path) == true)
        }
    }
}
