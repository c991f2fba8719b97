/// The public addresses of things a visitor holds, from the daemon's public URL.
public enum PublicLinks {
    /// A ticket's page (its QR code on the slip, the link after taking a number).
    public static func ticket(_ token: String, base: String) -> String { "\(base)/t/\(token)" }
}
