import Crypto
import Foundation
import HummingbirdOTP
import QuhaoCore
import QuhaoStore
import Synchronization

/// Rotating presence codes: a TOTP (RFC 6238) of the site's secret and the time window,
/// shown in the hall QR. The current and the previous window are accepted, so a code
/// scanned just before it rotates still works.
public struct PresenceCodes: Sendable {
    /// Seconds a code lasts.
    let window: Int
    let clock: any QuhaoClock
    let secret: @Sendable (String) -> String

    /// Codes for the sites of a store, keyed by secrets kept in its database.
    public init(store: TicketStore, clock: any QuhaoClock, window: Int = 60) {
        self.init(window: window, clock: clock, secret: SiteSecrets(store: store).secret)
    }

    /// Codes keyed by the given secrets (tests).
    public init(window: Int, clock: any QuhaoClock, secret: @escaping @Sendable (String) -> String) {
        self.window = window
        self.clock = clock
        self.secret = secret
    }

    /// The code for a site now.
    public func current(site: String) -> String {
        code(site: site, at: clock.now())
    }

    /// Whether a code proves presence at a site now.
    public func isValid(_ code: String?, site: String) -> Bool {
        guard let code = code?.trimmingCharacters(in: .whitespaces), code.count == 6, !secret(site).isEmpty else { return false }
        let now = clock.now()
        return code == self.code(site: site, at: now) || code == self.code(site: site, at: now.addingTimeInterval(-Double(window)))
    }

    /// The key a hall display's link carries (`/display/{site}?key=…`): it may fetch the rotating
    /// code, which proves presence, so it is not public. Derived from the site's secret.
    public func displayKey(site: String) -> String {
        let key = SymmetricKey(data: Data(secret(site).utf8))
        return Array(HMAC<SHA256>.authenticationCode(for: Data("display:\(site)".utf8), using: key)).prefix(12).hex
    }

    /// Whether a display key is the site's. Compared in constant time by swift-crypto (both sides
    /// through an HMAC under a key of this process, whose codes compare without early exit), so
    /// the time taken says nothing about how much of a guess was right.
    public func isDisplayKey(_ key: String?, site: String) -> Bool {
        guard let key, key.utf8.count == 24, !secret(site).isEmpty else { return false }
        let comparison = SymmetricKey(data: Self.comparisonKey)
        let expected = HMAC<SHA256>.authenticationCode(for: Data(displayKey(site: site).utf8), using: comparison)
        return HMAC<SHA256>.isValidAuthenticationCode(expected, authenticating: Data(key.utf8), using: comparison)
    }

    /// A random key for comparing secrets in constant time (never stored; the system's secure generator).
    private static let comparisonKey: [UInt8] = (0..<32).map { _ in UInt8.random(in: .min ... .max) }

    /// Seconds until the current code rotates.
    public func secondsLeft() -> Int {
        window - Int(clock.now().timeIntervalSince1970) % window
    }

    private func code(site: String, at date: Date) -> String {
        let value = TOTP(secret: secret(site), length: 6, timeStep: window, hashFunction: .sha256).compute(date: date)
        return value.zeroPadded(6)
    }
}

/// Presence secrets per site: the store holds them in memory from its last sync.
struct SiteSecrets: Sendable {
    let store: TicketStore

    /// An empty key (a site never synced) makes every code and display key fail to verify
    /// (remote tickets, no QR), never crash.
    @Sendable func secret(_ site: String) -> String { store.presenceSecret(site: site) ?? "" }
}
