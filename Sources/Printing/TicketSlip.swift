import Foundation
import QRCode
import QuhaoCore

/// What a printed ticket says.
public struct TicketSlip: Sendable, Hashable {
    public var hallName: String
    /// `A023`, printed in double size.
    public var number: String
    public var serviceName: String
    public var peopleAhead: Int
    /// When it was taken, as printed (`2026-11-30 09:12`).
    public var takenAt: String
    /// The ticket's page, as a QR code to photograph.
    public var url: String
    /// A line at the bottom (`请留意叫号 Please watch the screen`).
    public var footer: String

    public init(hallName: String, number: String, serviceName: String, peopleAhead: Int, takenAt: String, url: String, footer: String) {
        self.hallName = hallName
        self.number = number
        self.serviceName = serviceName
        self.peopleAhead = peopleAhead
        self.takenAt = takenAt
        self.url = url
        self.footer = footer
    }
}

/// Paper the printer takes: 58 mm (384 dots a line) or 80 mm (576).
public enum PaperWidth: Int, Sendable, Codable, CaseIterable {
    case mm58 = 58
    case mm80 = 80

    public var dots: Int { self == .mm58 ? 384 : 576 }
}

/// How the QR code is printed: as a raster image (every printer), or by the printer's own QR command.
public enum QRPrinting: String, Sendable, Codable, CaseIterable {
    case raster, native
}

/// ESC/POS: the command language of thermal receipt printers.
public enum ESCPOS {
    static let initialize: [UInt8] = [0x1B, 0x40]
    /// FS &: Chinese character mode (the GB18030 / GBK two-byte text that follows).
    static let chineseMode: [UInt8] = [0x1C, 0x26]
    static func align(center: Bool) -> [UInt8] { [0x1B, 0x61, center ? 1 : 0] }
    /// GS !: character size (0x11: double width and height).
    static func size(double: Bool) -> [UInt8] { [0x1D, 0x21, double ? 0x11 : 0x00] }
    static func bold(_ on: Bool) -> [UInt8] { [0x1B, 0x45, on ? 1 : 0] }
    static let lineFeed: [UInt8] = [0x0A]
    /// Feed 4 lines, then a partial cut (GS V 66 n).
    static let feedAndCut: [UInt8] = [0x1B, 0x64, 0x04, 0x1D, 0x56, 0x42, 0x00]

    /// A ticket laid out as a site's printer settings say (58 mm and a raster QR unless they say otherwise).
    public static func ticket(_ slip: TicketSlip, settings: PrinterSettings) -> [UInt8]? {
        ticket(slip, paper: PaperWidth(rawValue: settings.paper) ?? .mm58, qr: QRPrinting(rawValue: settings.qr) ?? .raster)
    }

    /// The bytes of one printed ticket.
    /// - Returns: `nil` when the text cannot be encoded (no GB18030 converter) or the URL is too long for a QR code.
    public static func ticket(_ slip: TicketSlip, paper: PaperWidth, qr: QRPrinting) -> [UInt8]? {
        func text(_ string: String) -> [UInt8]? { GB18030.encode(string).map { $0 + lineFeed } }
        guard let hall = text(slip.hallName), let number = text(slip.number), let service = text(slip.serviceName),
            let ahead = text("前面还有 \(slip.peopleAhead) 人 · \(slip.peopleAhead) ahead"), let time = text(slip.takenAt),
            let footer = text(slip.footer)
        else { return nil }
        var bytes = initialize + chineseMode + align(center: true)
        bytes += bold(true) + hall + bold(false) + lineFeed
        bytes += size(double: true) + number + size(double: false)
        bytes += service + ahead + time + lineFeed
        switch qr {
        case .raster:
            guard let matrix = QRMatrix(encoding: slip.url, correction: .medium) else { return nil }
            bytes += raster(matrix, paper: paper)
        case .native:
            guard let native = nativeQR(slip.url) else { return nil }
            bytes += native
        }
        bytes += lineFeed + footer + feedAndCut
        return bytes
    }

    /// GS v 0: the QR code as a raster bitmap, each module a square of dots, with a quiet zone,
    /// at most half the paper wide.
    static func raster(_ matrix: QRMatrix, paper: PaperWidth) -> [UInt8] {
        let quiet = 4
        let modules = matrix.size + 2 * quiet
        let scale = max(2, min(8, paper.dots / 2 / modules))
        let width = modules * scale
        let widthBytes = (width + 7) / 8
        var bitmap = [UInt8](repeating: 0, count: widthBytes * width)
        for y in 0..<width {
            let row = y / scale - quiet
            for x in 0..<width {
                let column = x / scale - quiet
                guard row >= 0, column >= 0, row < matrix.size, column < matrix.size, matrix[row, column] else { continue }
                bitmap[y * widthBytes + x / 8] |= 0x80 >> UInt8(x % 8)
            }
        }
        return [0x1D, 0x76, 0x30, 0x00, UInt8(widthBytes & 0xFF), UInt8(widthBytes >> 8), UInt8(width & 0xFF), UInt8(width >> 8)] + bitmap
            + lineFeed
    }

    /// GS ( k: the printer draws the QR code itself (model 2, module size 6, correction M).
    static func nativeQR(_ url: String) -> [UInt8]? {
        let data = Array(url.utf8)
        guard data.count <= 7000 else { return nil }
        let length = data.count + 3
        return [0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00]  // model 2
            + [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x06]  // module size
            + [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31]  // error correction M
            + [0x1D, 0x28, 0x6B, UInt8(length & 0xFF), UInt8(length >> 8), 0x31, 0x50, 0x30] + data  // store
            + [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30]  // print
    }
}
