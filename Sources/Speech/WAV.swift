import Foundation

/// 16-bit PCM WAV files: written for the chime, read to check what a speech engine produced.
public struct WAV: Sendable, Equatable {
    public let sampleRate: Int
    public let channels: Int
    public let bitsPerSample: Int
    /// Bytes of sound (the `data` chunk).
    public let dataBytes: Int

    /// Seconds of sound.
    public var duration: Double {
        let frame = channels * bitsPerSample / 8
        return frame > 0 && sampleRate > 0 ? Double(dataBytes / frame) / Double(sampleRate) : 0
    }

    /// Reads the header of a RIFF/WAVE file; `nil` when it is not one (or holds no `fmt ` and `data` chunk).
    public init?(parsing data: Data) {
        let bytes = [UInt8](data.prefix(4096))
        func text(_ at: Int) -> String { String(decoding: bytes[at..<at + 4], as: UTF8.self) }
        func u32(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24 }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        guard bytes.count >= 12, text(0) == "RIFF", text(8) == "WAVE" else { return nil }
        var offset = 12
        var format: (rate: Int, channels: Int, bits: Int)?
        while offset + 8 <= bytes.count {
            let size = u32(offset + 4)
            switch text(offset) {
            case "fmt ":
                guard offset + 24 <= bytes.count else { return nil }
                format = (u32(offset + 12), u16(offset + 10), u16(offset + 22))
            case "data":
                guard let format else { return nil }
                // Engines writing to a pipe leave the size unknown (0 or 0xFFFFFFFF): count what is there.
                let available = data.count - offset - 8
                let bytes = size == 0 || size == 0xFFFF_FFFF ? available : min(size, available)
                self.init(sampleRate: format.rate, channels: format.channels, bitsPerSample: format.bits, dataBytes: bytes)
                return
            default: break
            }
            offset += 8 + size + size % 2
        }
        return nil
    }

    init(sampleRate: Int, channels: Int, bitsPerSample: Int, dataBytes: Int) {
        self.sampleRate = sampleRate
        self.channels = channels
        self.bitsPerSample = bitsPerSample
        self.dataBytes = dataBytes
    }

    /// A mono 16-bit file of these samples (−1…1).
    public static func encode(samples: [Double], sampleRate: Int) -> Data {
        var data = Data(capacity: 44 + samples.count * 2)
        func u32(_ value: Int) { withUnsafeBytes(of: UInt32(value).littleEndian) { data.append(contentsOf: $0) } }
        func u16(_ value: Int) { withUnsafeBytes(of: UInt16(value).littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: Array("RIFF".utf8))
        u32(36 + samples.count * 2)
        data.append(contentsOf: Array("WAVEfmt ".utf8))
        u32(16)
        u16(1)  // PCM
        u16(1)  // mono
        u32(sampleRate)
        u32(sampleRate * 2)
        u16(2)
        u16(16)
        data.append(contentsOf: Array("data".utf8))
        u32(samples.count * 2)
        for sample in samples {
            let value = Int16((max(-1, min(1, sample)) * Double(Int16.max)).rounded())
            withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
        }
        return data
    }
}

/// The two-tone chime played before each call, made here (no sound files to ship or license).
public enum Chime {
    public static let sampleRate = 22_050

    /// "Ding-dong": E5 then C5, bell-like (a fundamental and two soft overtones, decaying).
    public static let wav: Data = {
        var samples: [Double] = []
        for (frequency, seconds) in [(659.25, 0.45), (523.25, 0.9)] {
            let count = Int(seconds * Double(sampleRate))
            for index in 0..<count {
                let t = Double(index) / Double(sampleRate)
                let attack = min(1, t / 0.01)
                let envelope = attack * exp(-3.2 * t / seconds)
                let tone =
                    sin(2 * .pi * frequency * t) + 0.35 * sin(2 * .pi * frequency * 2 * t) + 0.12 * sin(2 * .pi * frequency * 3 * t)
                samples.append(0.45 * envelope * tone / 1.47)
            }
        }
        return WAV.encode(samples: samples, sampleRate: sampleRate)
    }()
}
