internal import CQREncode

/// A QR code as a square of dark and light modules, without quiet zone.
public struct QRMatrix: Hashable, Sendable {
    /// How much damage the code survives (more means larger codes).
    public enum ErrorCorrection: Sendable, CaseIterable {
        /// ~7 %.
        case low
        /// ~15 %.
        case medium
        /// ~25 %.
        case quartile
        /// ~30 %: for posters that get scuffed or logos placed on top.
        case high

        var level: QRecLevel {
            switch self {
            case .low: QR_ECLEVEL_L
            case .medium: QR_ECLEVEL_M
            case .quartile: QR_ECLEVEL_Q
            case .high: QR_ECLEVEL_H
            }
        }
    }

    /// Modules per side.
    public let size: Int
    private let modules: [Bool]

    /// Encodes text (8-bit mode, UTF-8) at the smallest version that fits.
    /// - Returns: `nil` when the text is too long for any QR version.
    public init?(encoding text: String, correction: ErrorCorrection = .medium) {
        guard let code = QRcode_encodeString8bit(text, 0, correction.level) else { return nil }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        size = width
        // Bit 0 of each byte is the module's colour (1 = dark); the other bits are libqrencode's bookkeeping.
        modules = (0..<(width * width)).map { code.pointee.data[$0] & 1 == 1 }
    }

    /// Whether the module at a row and column is dark.
    public subscript(row: Int, column: Int) -> Bool {
        modules[row * size + column]
    }
}
