import Foundation
import QuhaoCore
import Testing

/// A photo is accepted only when it is a well-formed image of the type its first bytes claim.
@Suite struct PhotoTypeTests {
    static func image(_ name: String) throws -> Data {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("fixtures/images/\(name)")
        return try Data(contentsOf: url)
    }

    @Test(arguments: [("red.jpg", PhotoType.jpeg), ("blue.jpg", .jpeg), ("green.png", .png), ("green.webp", .webp), ("green-lossless.webp", .webp)])
    func realImagesAreAccepted(_ name: String, _ type: PhotoType) throws {
        let data = try Self.image(name)
        #expect(PhotoType.validated(data) == type, "\(name)")
        // A camera's trailer after a JPEG's end is still a JPEG.
        if type == .jpeg { #expect(PhotoType.validated(data + Data("trailer".utf8)) == .jpeg) }
    }

    @Test func pagesDressedAsImagesAreRefused() throws {
        let html = Data("<html><script>alert(1)</script></html>".utf8)
        // The first bytes of each type, then a page: the signature alone passed before.
        #expect(PhotoType.sniff(Data([0xFF, 0xD8, 0xFF]) + html) == .jpeg)
        #expect(PhotoType.validated(Data([0xFF, 0xD8, 0xFF]) + html) == nil)
        #expect(PhotoType.validated(Data([0xFF, 0xD8, 0xFF, 0xE0]) + Data(repeating: 0, count: 64)) == nil)
        #expect(PhotoType.validated(Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + html) == nil)
        #expect(PhotoType.validated(Data("RIFF\u{20}\0\0\0WEBP".utf8) + html) == nil)
        #expect(PhotoType.validated(html) == nil)
        #expect(PhotoType.validated(Data()) == nil)
    }

    @Test func damagedImagesAreRefused() throws {
        let jpeg = try Self.image("red.jpg")
        #expect(PhotoType.validated(jpeg.prefix(jpeg.count / 2)) == nil, "cut in half: no end of image")
        var png = try Self.image("green.png")
        #expect(PhotoType.validated(png.prefix(png.count - 12)) == nil, "no IEND")
        png[20] ^= 0xFF  // inside IHDR: its CRC no longer matches
        #expect(PhotoType.validated(png) == nil)
        let webp = try Self.image("green.webp")
        #expect(PhotoType.validated(webp.prefix(webp.count - 4)) == nil, "shorter than its RIFF size")
    }
}
