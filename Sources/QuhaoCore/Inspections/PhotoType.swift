import Foundation

/// The photo formats a rectification may carry, told by their content (never by a file's name or a
/// client's word): an HTML page or an SVG named `.png` is neither, and neither is an HTML page that
/// starts with a JPEG's first three bytes.
public enum PhotoType: String, Sendable, Hashable, CaseIterable {
    case jpeg = "image/jpeg"
    case png = "image/png"
    case webp = "image/webp"

    /// The file extension it is served with.
    public var fileExtension: String {
        switch self {
        case .jpeg: "jpg"
        case .png: "png"
        case .webp: "webp"
        }
    }

    /// The type these bytes claim by their signature, or `nil` when they claim none of the three.
    public static func sniff(_ data: Data) -> PhotoType? {
        let bytes = [UInt8](data.prefix(12))
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.count == 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) { return .webp }
        return nil
    }

    /// The type of these bytes when they are a well-formed image of the type their signature claims:
    /// a PNG's chunks with their checksums from the header to the end chunk, a JPEG's segments from the
    /// start of the image through a frame header and a scan to the end of the image, a WebP's RIFF
    /// container with a VP8, VP8L or VP8X chunk that fits it. `nil` for anything else.
    ///
    /// This checks the container and the headers that give the picture its size, not every pixel:
    /// enough that a page or a script dressed up with an image's first bytes is refused.
    public static func validated(_ data: Data) -> PhotoType? {
        guard let type = sniff(data) else { return nil }
        let bytes = [UInt8](data)
        let wellFormed: Bool =
            switch type {
            case .png: PhotoStructure.isPNG(bytes)
            case .jpeg: PhotoStructure.isJPEG(bytes)
            case .webp: PhotoStructure.isWebP(bytes)
            }
        return wellFormed ? type : nil
    }
}

/// The structure checks behind ``PhotoType/validated(_:)``.
enum PhotoStructure {
    static func bigEndian32(_ b: [UInt8], _ at: Int) -> Int { Int(b[at]) << 24 | Int(b[at + 1]) << 16 | Int(b[at + 2]) << 8 | Int(b[at + 3]) }
    static func littleEndian32(_ b: [UInt8], _ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 | Int(b[at + 2]) << 16 | Int(b[at + 3]) << 24 }

    /// The CRC-32 of PNG chunks (ISO 3309, the polynomial 0xEDB88320).
    static let crcTable: [UInt32] = (0..<256).map { n in
        (0..<8).reduce(UInt32(n)) { c, _ in c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    }

    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        ~bytes.reduce(UInt32.max) { crcTable[Int(($0 ^ UInt32($1)) & 0xFF)] ^ ($0 >> 8) }
    }

    /// Signature, IHDR first (13 bytes, a size), every chunk within the file with its CRC, an IDAT, and IEND last.
    static func isPNG(_ b: [UInt8]) -> Bool {
        var at = 8
        var first = true
        var sawData = false
        while at + 12 <= b.count {
            let length = bigEndian32(b, at)
            guard length >= 0, length <= b.count - at - 12 else { return false }
            let type = String(decoding: b[(at + 4)..<(at + 8)], as: UTF8.self)
            guard type.utf8.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) }) else { return false }
            let crc = UInt32(truncatingIfNeeded: bigEndian32(b, at + 8 + length))
            guard crc32(b[(at + 4)..<(at + 8 + length)]) == crc else { return false }
            if first {
                guard type == "IHDR", length == 13, bigEndian32(b, at + 8) > 0, bigEndian32(b, at + 12) > 0 else { return false }
                first = false
            }
            if type == "IDAT" { sawData = true }
            at += 12 + length
            if type == "IEND" { return sawData && at == b.count }
        }
        return false
    }

    /// SOI, then marker segments that fit the file, a frame header (SOFn) with a size, a scan (SOS) whose
    /// entropy-coded data runs to the next marker, and EOI. Bytes after EOI (a camera's trailer) are allowed.
    static func isJPEG(_ b: [UInt8]) -> Bool {
        guard b.count > 4, b[0] == 0xFF, b[1] == 0xD8 else { return false }
        var at = 2
        var sawFrame = false
        var sawScan = false
        while at < b.count {
            guard b[at] == 0xFF else { return false }
            while at < b.count && b[at] == 0xFF { at += 1 }  // fill bytes
            guard at < b.count else { return false }
            let marker = b[at]
            at += 1
            switch marker {
            case 0xD9: return sawFrame && sawScan
            case 0xD0...0xD7, 0x01: continue
            case 0x00, 0xD8: return false
            default: break
            }
            guard at + 2 <= b.count else { return false }
            let length = Int(b[at]) << 8 | Int(b[at + 1])
            guard length >= 2, at + length <= b.count else { return false }
            if [0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF].contains(marker) {
                guard length >= 8 else { return false }
                let height = Int(b[at + 3]) << 8 | Int(b[at + 4])
                let width = Int(b[at + 5]) << 8 | Int(b[at + 6])
                guard width > 0, height > 0, b[at + 7] > 0 else { return false }
                sawFrame = true
            }
            at += length
            if marker == 0xDA {
                guard sawFrame else { return false }
                sawScan = true
                // Entropy-coded data: up to a marker that is neither a stuffed zero nor a restart.
                while at + 1 < b.count {
                    if b[at] == 0xFF, b[at + 1] != 0x00, !(0xD0...0xD7).contains(b[at + 1]), b[at + 1] != 0xFF { break }
                    at += 1
                }
                guard at + 1 < b.count else { return false }
            }
        }
        return false
    }

    /// RIFF whose size is the file's, WEBP, and a first chunk VP8, VP8L or VP8X that fits, with its own signature.
    static func isWebP(_ b: [UInt8]) -> Bool {
        guard b.count >= 30, littleEndian32(b, 4) + 8 == b.count || littleEndian32(b, 4) + 9 == b.count else { return false }
        let chunk = String(decoding: b[12..<16], as: UTF8.self)
        let size = littleEndian32(b, 16)
        guard size > 0, 20 + size <= b.count else { return false }
        switch chunk {
        case "VP8 ": return size >= 10 && b[23] == 0x9D && b[24] == 0x01 && b[25] == 0x2A
        case "VP8L": return size >= 5 && b[20] == 0x2F
        case "VP8X": return size == 10
        default: return false
        }
    }
}
