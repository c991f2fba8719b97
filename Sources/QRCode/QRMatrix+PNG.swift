extension QRMatrix {
    /// The code as a 1-bit greyscale PNG, for printing (posters, counter stickers).
    ///
    /// The image data is stored, not compressed: a QR code at print scale is a few kilobytes
    /// either way, and stored deflate blocks keep the encoder small and dependency-free.
    /// - Parameters:
    ///   - scale: Pixels per module.
    ///   - quietZone: Light modules around the code.
    public func png(scale: Int = 10, quietZone: Int = 4) -> [UInt8] {
        let side = (size + 2 * quietZone) * scale
        let rowBytes = (side + 7) / 8
        var raw: [UInt8] = []
        raw.reserveCapacity((rowBytes + 1) * side)
        for y in 0..<side {
            raw.append(0)  // filter: none
            let row = y / scale - quietZone
            var byte: UInt8 = 0
            for x in 0..<side {
                let column = x / scale - quietZone
                let dark = row >= 0 && row < size && column >= 0 && column < size && self[row, column]
                // In greyscale, 1 is white: light modules set their bit.
                if !dark { byte |= 0x80 >> UInt8(x % 8) }
                if x % 8 == 7 || x == side - 1 {
                    raw.append(byte)
                    byte = 0
                }
            }
        }
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header = PNG.bigEndian(UInt32(side)) + PNG.bigEndian(UInt32(side))
        header += [1, 0, 0, 0, 0]  // bit depth 1, greyscale, deflate, adaptive filters, no interlace
        png += PNG.chunk("IHDR", header)
        png += PNG.chunk("IDAT", PNG.zlibStored(raw))
        png += PNG.chunk("IEND", [])
        return png
    }
}

/// The few pieces of the PNG and zlib formats the encoder needs.
enum PNG {
    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + typed + bigEndian(crc32(typed))
    }

    /// A zlib stream of stored (uncompressed) deflate blocks.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let length = min(65_535, data.count - offset)
            let final: UInt8 = offset + length == data.count ? 1 : 0
            out.append(final)
            out += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
            out += data[offset..<offset + length]
            offset += length
        } while offset < data.count
        return out + bigEndian(adler32(data))
    }

    static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return b << 16 | a
    }
}
