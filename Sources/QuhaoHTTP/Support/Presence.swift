import Crypto
import Foundation
import HummingbirdOTP
import QuhaoCore
import QuhaoStore

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

    init(window: Int, clock: any QuhaoClock, secret: @escaping @Sendable (String) -> String) {
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
        guard let code = code?.trimmingCharacters(in: .whitespaces), code.count == 6 else { return false }
        let now = clock.now()
        return code == self.code(site: site, at: now) || code == self.code(site: site, at: now.addingTimeInterval(-Double(window)))
    }

    /// The key a hall display's link carries (`/display/{site}?key=…`): it may fetch the rotating
    /// code, which proves presence, so it is not public. Derived from the site's secret.
    public func displayKey(site: String) -> String {
        let key = SymmetricKey(data: Data(secret(site).utf8))
        return Array(HMAC<SHA256>.authenticationCode(for: Data("display:\(site)".utf8), using: key)).prefix(12).hex
    }

    /// Whether a display key is the site's.
    func isDisplayKey(_ key: String?, site: String) -> Bool {
        guard let key, key.utf8.count == 24 else { return false }
        // Compared in full whatever differs first: the time taken says nothing about the key.
        return zip(key.utf8, displayKey(site: site).utf8).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Seconds until the current code rotates.
    func secondsLeft() -> Int {
        window - Int(clock.now().timeIntervalSince1970) % window
    }

    private func code(site: String, at date: Date) -> String {
        let value = TOTP(secret: secret(site), length: 6, timeStep: window, hashFunction: .sha256).compute(date: date)
        return value.zeroPadded(6)
    }
}
