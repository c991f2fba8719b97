import Foundation
import QRCode
import Testing

/// Every rendering decodes, with an independent decoder (zbarimg from zbar-tools; SVG through
/// rsvg-convert from librsvg2-bin), to exactly the text it was made from. `make test` installs both.
@Suite struct QRDecodeTests {
    static let urls = [
        "http://127.0.0.1:8080/s/qiantang",
        "https://quhao.example.gov.cn/t/3DnFYx6hp2YYExAlcZ9O3g",
        "http://192.168.1.20:8080/s/qiantang?p=482913",
    ]

    @Test(arguments: urls)
    func pngDecodesToItsURL(_ url: String) throws {
        let matrix = try #require(QRMatrix(encoding: url, correction: .medium))
        let file = try Self.write(Data(matrix.png(scale: 6)), suffix: "png")
        #expect(try Self.decode(file) == url)
    }

    @Test(arguments: urls)
    func svgDecodesToItsURL(_ url: String) throws {
        let matrix = try #require(QRMatrix(encoding: url, correction: .quartile))
        let svg = try Self.write(Data(matrix.svg(caption: "扫码取号 <Scan> & go").utf8), suffix: "svg")
        let png = svg.deletingPathExtension().appendingPathExtension("png")
        try Self.run("rsvg-convert", ["--width", "600", "--background-color", "white", "-o", png.path, svg.path])
        #expect(try Self.decode(png) == url)
    }

    @Test func svgCaptionIsEscaped() throws {
        let svg = try #require(QRMatrix(encoding: "x")).svg(caption: "<b>&")
        #expect(svg.contains("&lt;b&gt;&amp;"))
        #expect(!svg.contains("<b>"))
    }

    // MARK: - Helpers

    static func write(_ data: Data, suffix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("quhao-qr-\(UUID().uuidString).\(suffix)")
        try data.write(to: url)
        return url
    }

    static func decode(_ image: URL) throws -> String {
        let output = try run("zbarimg", ["--quiet", "--raw", "-Sbinary", image.path])
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .newlines)
    }

    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ToolFailure(description: "\(tool) exited \(process.terminationStatus) (is it installed? `make test` installs it)")
        }
        return data
    }

    struct ToolFailure: Error, CustomStringConvertible {
        let description: String
    }
}
