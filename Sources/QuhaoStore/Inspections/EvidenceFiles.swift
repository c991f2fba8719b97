import Crypto
import Foundation
import QuhaoCore

/// Uploaded photos on disk, under the data directory, by their SHA-256
/// (`evidence/ab/ab12…`): the same photo twice is stored once, a name never reaches the file
/// system, and nothing uploaded is ever given an executable name or mode.
public struct EvidenceFiles: Sendable {
    public let directory: URL

    /// - Parameter directory: Where photos are kept (`<data>/evidence`).
    public init(directory: URL) {
        self.directory = directory
    }

    /// Checks and stores one photo.
    /// - Parameters:
    ///   - data: The file's bytes.
    ///   - name: The name it was uploaded under (for messages only).
    ///   - limit: The largest size accepted, in bytes.
    /// - Throws: `evidence.too_large`, `evidence.type` (told by content, not by name).
    public func store(_ data: Data, name: String, limit: Int) throws -> StoredPhoto {
        guard data.count <= limit else {
            throw QuhaoError(.evidenceTooLarge, ["limit": Self.megabytes(limit)])
        }
        guard let type = PhotoType.validated(data) else {
            throw QuhaoError(.evidenceType, ["name": String(name.prefix(80))])
        }
        let hash = Array(SHA256.hash(data: data)).map { String(format: "%02x", $0) }.joined()
        let target = url(for: hash)
        if !FileManager.default.fileExists(atPath: target.path) {
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            // Written aside, then moved into place: a reader never sees half a photo.
            let partial = target.deletingLastPathComponent().appendingPathComponent(".\(hash).\(UUID().uuidString).part")
            try data.write(to: partial)
            try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: partial.path)
            // POSIX rename: atomic, and a photo stored meanwhile by another upload is the same bytes.
            guard rename(partial.path, target.path) == 0 else {
                let code = errno
                try? FileManager.default.removeItem(at: partial)
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: target.path, "errno": code])
            }
        }
        return StoredPhoto(sha256: hash, contentType: type.rawValue, size: data.count)
    }

    /// The file of a stored photo (`nil` for anything that is not a SHA-256 in hex).
    public func file(_ sha256: String) -> URL? {
        guard sha256.count == 64, sha256.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        return url(for: sha256)
    }

    func url(for hash: String) -> URL {
        directory.appendingPathComponent(String(hash.prefix(2))).appendingPathComponent(hash)
    }

    /// A byte count in whole megabytes where it is one (`8`), else one decimal.
    public static func megabytes(_ bytes: Int) -> String {
        let value = Double(bytes) / 1_048_576
        return value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}
