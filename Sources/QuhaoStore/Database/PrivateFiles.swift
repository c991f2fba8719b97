import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Files the daemon and its tools write for the operator (backups, exports): made with their
/// final mode from the first byte, whatever the process umask (an admin's shell has 022, which
/// would leave a copy of every visitor's data readable by everyone for a moment or for good).
public enum PrivateFiles {
    /// The owner only: backups (every ticket and account).
    public static let ownerOnly: mode_t = 0o600
    /// The owner and their group: exports an office shares with its staff.
    public static let ownerAndGroup: mode_t = 0o640

    /// Makes an empty file at `path` with `mode` (its parent folders too); refuses when one is there.
    /// - Throws: ``DatabaseFileError`` naming the file.
    public static func create(_ path: String, mode: mode_t) throws {
        try FileManager.default.createDirectory(
            at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw DatabaseFileError("cannot create \(path): \(String(cString: strerror(errno)))") }
        // The umask may have taken bits away; never more than `mode`, and exactly it.
        fchmod(descriptor, mode)
        close(descriptor)
    }

    /// Writes `data` to `path` (replacing a file there) with `mode`.
    /// - Throws: ``DatabaseFileError`` naming the file.
    public static func write(_ data: Data, to path: String, mode: mode_t) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw DatabaseFileError("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        // An existing file keeps its old mode through O_TRUNC: set it.
        guard fchmod(descriptor, mode) == 0 else { throw DatabaseFileError("cannot set the mode of \(path): \(String(cString: strerror(errno)))") }
        var offset = 0
        try data.withUnsafeBytes { bytes in
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw DatabaseFileError("cannot write \(path): \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
    }
}
