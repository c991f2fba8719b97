/// Fixed-width decimal and hex text without `String(format:)`: that goes through Foundation's
/// locale-aware formatter and showed up at 6 % of the daemon's CPU while issuing tickets.
extension BinaryInteger {
    /// The decimal digits of a non-negative value, left-padded with zeros to `width`.
    public func zeroPadded(_ width: Int) -> String {
        let digits = String(self)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

extension Sequence<UInt8> {
    /// Lowercase hex, two digits per byte.
    public var hex: String {
        let alphabet = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            bytes.append(alphabet[Int(byte >> 4)])
            bytes.append(alphabet[Int(byte & 0x0f)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
