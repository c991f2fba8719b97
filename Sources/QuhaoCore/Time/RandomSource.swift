import Synchronization

/// Where random bytes come from: the system's generator in production, a seeded one in tests
/// (so tokens are predictable there).
public struct RandomSource: Sendable {
    private let generate: @Sendable (Int) -> [UInt8]

    /// Creates a source from a function returning `count` random bytes.
    public init(_ generate: @escaping @Sendable (Int) -> [UInt8]) { self.generate = generate }

    /// `count` random bytes.
    public func bytes(_ count: Int) -> [UInt8] { generate(count) }

    /// The operating system's cryptographically secure generator.
    public static let system = RandomSource { count in
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// A deterministic source (SplitMix64), for tests only.
    public static func seeded(_ seed: UInt64) -> RandomSource {
        let state = Mutex(seed)
        return RandomSource { count in
            state.withLock { value in
                (0..<count).map { _ in
                    value &+= 0x9E37_79B9_7F4A_7C15
                    var z = value
                    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                    return UInt8(truncatingIfNeeded: z ^ (z >> 31))
                }
            }
        }
    }

    /// A URL-safe token of `byteCount` random bytes (base64url, no padding); 16 bytes = 128 bits.
    public func token(byteCount: Int = 16) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var bits = 0
        var buffer = 0
        var output = ""
        for byte in bytes(byteCount) {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 6 {
                bits -= 6
                output.append(alphabet[(buffer >> bits) & 0x3F])
            }
        }
        if bits > 0 { output.append(alphabet[(buffer << (6 - bits)) & 0x3F]) }
        return output
    }
}
