import Foundation
import Printing
import QRCode
import QuhaoCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct ESCPOSTests {
    static let slip = TicketSlip(
        hallName: "钱塘区税务局办税服务厅", number: "A023", serviceName: "综合业务", peopleAhead: 4, takenAt: "2026-11-30 09:12",
        url: "https://q.example.cn/t/abcDEF123_-xyz", footer: "请留意叫号 Please watch the screen")

    /// The slip's time is the hall's clock: 24-hour, year first, in the site's zone (it printed
    /// "09:05" and "02/12/2026" for 21:05 before, and the kiosk showed 13:37 where its slip said 01:37).
    @Test(arguments: [(0, 30, "2026-12-02 00:30"), (12, 30, "2026-12-02 12:30"), (21, 5, "2026-12-02 21:05")])
    func aSlipPrintsTheHallsLocalTime(_ hour: Int, _ minute: Int, _ expected: String) throws {
        let shanghai = try #require(TimeZone(identifier: "Asia/Shanghai"))
        let site = Site(
            id: "hall", name: LocalizedText(zh: "办税服务厅", en: "Tax hall"), timeZone: "Asia/Shanghai",
            services: [Service(id: "general", prefix: "A", name: LocalizedText(zh: "综合业务", en: "General"))], counters: [])
        let takenAt = try #require(
            Calendar.gregorian(in: shanghai).date(from: DateComponents(year: 2026, month: 12, day: 2, hour: hour, minute: minute)))
        let slip = TicketSlip(site: site, number: "A001", serviceID: "general", peopleAhead: 0, takenAt: takenAt, url: "https://q.example.cn/t/x")
        #expect(slip.takenAt == expected)
    }

    @Test func chineseIsEncodedAsGB18030() {
        // The bytes `iconv -f UTF-8 -t GB18030` gives.
        #expect(GB18030.encode("钱塘区 A023") == [0xC7, 0xAE, 0xCC, 0xC1, 0xC7, 0xF8, 0x20, 0x41, 0x30, 0x32, 0x33])
        #expect(GB18030.encode("€")?.count == 2, "GB18030 encodes every character, not only GBK's")
    }

    /// Reads a job back: the texts (GB18030 runs between commands) and the raster image.
    static func parse(_ bytes: [UInt8]) -> (texts: [[UInt8]], raster: (width: Int, height: Int, bits: [UInt8])?, doubled: [UInt8]?) {
        var texts: [[UInt8]] = []
        var current: [UInt8] = []
        var raster: (Int, Int, [UInt8])?
        var doubled: [UInt8]?
        var inDouble = false
        var index = 0
        func flush() {
            if !current.isEmpty { texts.append(current) }
            if inDouble, !current.isEmpty { doubled = current }
            current = []
        }
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case 0x1B:  // ESC @ / ESC a n / ESC E n / ESC d n
                flush()
                index += bytes[index + 1] == 0x40 ? 2 : 3
            case 0x1C:  // FS &
                flush()
                index += 2
            case 0x1D where bytes[index + 1] == 0x21:  // GS ! n
                flush()
                inDouble = bytes[index + 2] == 0x11
                index += 3
            case 0x1D where bytes[index + 1] == 0x76:  // GS v 0 m xL xH yL yH data
                flush()
                let widthBytes = Int(bytes[index + 4]) | Int(bytes[index + 5]) << 8
                let height = Int(bytes[index + 6]) | Int(bytes[index + 7]) << 8
                let start = index + 8
                raster = (widthBytes * 8, height, Array(bytes[start..<start + widthBytes * height]))
                index = start + widthBytes * height
            case 0x1D where bytes[index + 1] == 0x56:  // GS V 66 n
                flush()
                index += 4
            case 0x0A:
                flush()
                index += 1
            default:
                current.append(byte)
                index += 1
            }
        }
        flush()
        return (texts, raster, doubled)
    }

    @Test func aTicketReadsBackToItsTextsAndItsQRCode() throws {
        let bytes = try #require(ESCPOS.ticket(Self.slip, paper: .mm58, qr: .raster))
        #expect(Array(bytes.prefix(4)) == [0x1B, 0x40, 0x1C, 0x26], "initialise, then Chinese mode")
        #expect(Array(bytes.suffix(4)) == [0x1D, 0x56, 0x42, 0x00], "ends with a cut")
        let job = Self.parse(bytes)
        #expect(job.texts.contains(GB18030.encode("钱塘区税务局办税服务厅")!))
        #expect(job.doubled == Array("A023".utf8), "the number in double size")
        #expect(job.texts.contains(GB18030.encode("前面还有 4 人 · 4 ahead")!))
        #expect(job.texts.contains(GB18030.encode("请留意叫号 Please watch the screen")!))
        // The raster holds the URL's QR code, module for module, within half the 384-dot line.
        let raster = try #require(job.raster)
        let matrix = try #require(QRMatrix(encoding: Self.slip.url, correction: .medium))
        let scale = raster.height / (matrix.size + 8)
        #expect(scale >= 2 && raster.height <= 192 && raster.width >= raster.height)
        for row in 0..<matrix.size {
            for column in 0..<matrix.size {
                let x = (column + 4) * scale + scale / 2
                let y = (row + 4) * scale + scale / 2
                let bit = raster.bits[y * (raster.width / 8) + x / 8] & (0x80 >> UInt8(x % 8)) != 0
                #expect(bit == matrix[row, column], "module \(row),\(column)")
            }
        }
        // 80 mm paper: a larger image; the printer's own QR command carries the URL as it is.
        let wideBytes = try #require(ESCPOS.ticket(Self.slip, paper: .mm80, qr: .raster))
        let wide = try #require(Self.parse(wideBytes).raster)
        #expect(wide.height > raster.height && wide.height <= 288)
        let native = try #require(ESCPOS.ticket(Self.slip, paper: .mm58, qr: .native))
        #expect(native.windowed(Array(Self.slip.url.utf8)))
        #expect(!native.contains(0x76) || Self.parse(native).raster == nil)
    }

    @Test func targetsParse() {
        #expect(PrinterTarget("tcp://192.168.1.50:9100") == .tcp(host: "192.168.1.50", port: 9100))
        #expect(PrinterTarget("/dev/usb/lp0") == .device(path: "/dev/usb/lp0"))
        for bad in ["192.168.1.50:9100", "tcp://printer", "tcp://:9100", "tcp://p:99999", "lp0", ""] { #expect(PrinterTarget(bad) == nil, "\(bad)") }
    }

    @Test func aDeviceFileReceivesTheJob() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("quhao-print-\(UUID().uuidString).bin").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await PrinterConnection(target: .device(path: path)).send([1, 2, 3])
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([1, 2, 3]))
        let missing = PrinterConnection(target: .device(path: "/nonexistent-dir/lp0"))
        let error = await #expect(throws: PrinterError.self) { try await missing.send([1]) }
        #expect(error?.en.contains("No printer at /nonexistent-dir/lp0") == true)
    }

    /// A port nothing listens on: the connection is refused and said so. (No wall-clock bound here:
    /// under a loaded parallel test run the job's thread may start late; the time limit itself is
    /// proved by the next test's outcome.)
    @Test func aPrinterThatIsOffIsReportedAsUnreachable() async throws {
        let port = Self.freePort()
        let error = await #expect(throws: PrinterError.self) {
            try await PrinterConnection(target: .tcp(host: "127.0.0.1", port: port), timeout: 2).send([1])
        }
        #expect(error?.zh.contains("打印机无法连接") == true)
        #expect(error?.en.contains("(Connection refused)") == true, "\(error?.en ?? "")")
        #expect(error?.en.contains("errno") == false, "the C library's words, not NIO's error value")
    }

    /// A printer that accepts the connection and then takes nothing (jammed, buffer full): the job
    /// ends with the time-out error instead of waiting for ever.
    @Test func aPrinterThatTakesNothingTimesOut() async throws {
        let listener = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        try #require(bound == 0 && listen(listener, 1) == 0)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        // Far more than the kernel's socket buffers hold, so the writing has to wait on the printer.
        let job = [UInt8](repeating: 0x20, count: 64 << 20)
        let error = await #expect(throws: PrinterError.self) {
            try await PrinterConnection(target: .tcp(host: "127.0.0.1", port: port), timeout: 1).send(job)
        }
        #expect(error?.en.contains("did not take the ticket in time") == true)
    }

    static func freePort() -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs in it.
    func windowed(_ needle: [UInt8]) -> Bool {
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { Array(self[$0..<$0 + needle.count]) == needle }
    }
}

@Suite struct PrinterDeviceTests {
    /// A printer unplugged leaves no /dev node: the job fails, it is never written into a new regular file there.
    @Test func aMissingDeviceIsNeverCreated() async throws {
        let path = "/dev/quhao-test-lp-\(UUID().uuidString.prefix(8))"
        let error = await #expect(throws: PrinterError.self) { try await PrinterConnection(target: .device(path: path)).send([1, 2]) }
        #expect(error?.zh.contains("找不到打印机") == true)
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
