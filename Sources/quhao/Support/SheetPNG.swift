import Foundation

/// A sheet's SVG drawn as a PNG by librsvg's `rsvg-convert` (Debian's librsvg2-bin; the Chinese text
/// needs a CJK font such as fonts-noto-cjk): run with its arguments, never through a shell, the SVG on
/// its standard input, bounded in time.
enum SheetPNG {
    /// 150 dpi: an A4 sheet is 1240 × 1754 pixels.
    static let dpi = 150

    static func render(_ svg: String, timeout: TimeInterval = 30) throws -> Data {
        guard let tool = executable("rsvg-convert") else {
            throw ExitFailure(
                message: "A PNG sheet is drawn by rsvg-convert, which is not installed: apt-get install librsvg2-bin fonts-noto-cjk "
                    + "(or choose --format svg or html).", code: 1)
        }
        let process = Process()
        process.executableURL = tool
        process.arguments = ["--format", "png", "--dpi-x", String(dpi), "--dpi-y", String(dpi), "--background-color", "white"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Fed and read on their own threads: neither side can stall the other on a full pipe.
        DispatchQueue.global().async {
            input.fileHandleForWriting.write(Data(svg.utf8))
            try? input.fileHandleForWriting.close()
        }
        let timer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
        let png = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        timer.cancel()
        guard process.terminationReason == .exit, process.terminationStatus == 0, png.starts(with: [0x89, 0x50, 0x4E, 0x47]) else {
            throw ExitFailure(message: "rsvg-convert could not draw the sheet (exit \(process.terminationStatus)).", code: 1)
        }
        return png
    }

    /// A program on the `PATH`.
    static func executable(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}
