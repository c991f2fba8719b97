import Foundation
import NIOCore
import NIOSSL
import Synchronization

/// The daemon's TLS certificate and key (`server.tls`), read from their PEM files at start and
/// again on SIGHUP: every new connection's handshake takes the pair held now (through NIOSSL's
/// per-handshake context callback), so a renewed certificate is served without a restart and
/// without dropping a connection.
public final class TLSCertificates: Sendable {
    struct Pair: Sendable {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
    }

    /// A pair that cannot be served, in words for the operator (the file and what is wrong).
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The pair served now, shared with the handshake callback.
    final class Current: Sendable {
        let pair: Mutex<Pair>
        init(_ pair: Pair) { self.pair = Mutex(pair) }
    }

    private let current: Current
    /// What the listener is built with: the first pair, and the callback that hands out the current one.
    let configuration: TLSConfiguration

    /// Reads and checks the pair.
    /// - Throws: ``Failure`` naming the file (unreadable, not PEM, key not for the certificate).
    public init(certificate: String, key: String) throws {
        let pair = try Self.load(certificate: certificate, key: key)
        let current = Current(pair)
        self.current = current
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: pair.chain.map { .certificate($0) }, privateKey: .privateKey(pair.key))
        configuration.sslContextCallback = { _, promise in
            let pair = current.pair.withLock { $0 }
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = pair.chain.map { .certificate($0) }
            override.privateKey = .privateKey(pair.key)
            promise.succeed(override)
        }
        self.configuration = configuration
    }

    /// Reads the pair again; on any problem keeps serving the one it had.
    /// - Throws: ``Failure`` naming the file.
    public func reload(certificate: String, key: String) throws {
        let pair = try Self.load(certificate: certificate, key: key)
        current.pair.withLock { $0 = pair }
    }

    /// When the certificate served now stops being valid.
    public var notAfter: Date? {
        current.pair.withLock { $0.chain.first.map { Date(timeIntervalSince1970: TimeInterval($0.notValidAfter)) } }
    }

    static func load(certificate: String, key keyFile: String) throws -> Pair {
        // Both files named when both are missing; in words, not the TLS library's error values.
        let unreadable = [("server.tls.certificate", certificate), ("server.tls.key", keyFile)].filter {
            !FileManager.default.isReadableFile(atPath: $0.1)
        }
        guard unreadable.isEmpty else {
            throw Failure(
                description: unreadable.map { "\($0.0): cannot read \($0.1) (no such file, or not readable by this user)" }.joined(separator: "\n"))
        }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificate)
        } catch {
            throw Failure(description: "server.tls.certificate: \(certificate) is not a PEM certificate (-----BEGIN CERTIFICATE-----)")
        }
        guard !chain.isEmpty else { throw Failure(description: "server.tls.certificate: no certificate in \(certificate)") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            throw Failure(description: "server.tls.key: \(keyFile) is not an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)")
        }
        // A context made from the pair checks that the key belongs to the certificate.
        do {
            _ = try NIOSSLContext(
                configuration: .makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key)))
        } catch {
            throw Failure(description: "server.tls: the key in \(keyFile) does not belong to the certificate in \(certificate)")
        }
        return Pair(chain: chain, key: key)
    }
}
