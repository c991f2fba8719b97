import Foundation

/// Whether phones outside the server's own network can open the daemon's public address.
///
/// A QR code printed with a loopback or private address works only on the server itself or on
/// the same local network: the start-up banner and `quhao qr` warn before anyone prints one.
public enum PublicAddress {
    /// How far an address reaches.
    public enum Reach: Sendable, Hashable {
        /// A public name or address.
        case anywhere
        /// This machine only (`localhost`, `127.0.0.0/8`, `::1`).
        case loopback
        /// The local network only (RFC 1918, link-local, unique-local IPv6, `.local`, a bare host name).
        case localNetwork
    }

    /// The reach of a URL's host.
    public static func reach(of url: String) -> Reach {
        guard let host = URLComponents(string: url)?.host?.lowercased(), !host.isEmpty else { return .loopback }
        let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        if bare == "localhost" || bare.hasSuffix(".localhost") || bare == "::1" || bare == "0.0.0.0" || bare == "::" { return .loopback }
        let octets = bare.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        if octets.count == 4, octets.allSatisfy({ $0 != nil && (0...255).contains($0!) }) {
            let a = octets[0]!
            let b = octets[1]!
            if a == 127 { return .loopback }
            if a == 10 || (a == 172 && (16...31).contains(b)) || (a == 192 && b == 168) || (a == 169 && b == 254)
                || (a == 100 && (64...127).contains(b))
            {
                return .localNetwork
            }
            return .anywhere
        }
        if bare.contains(":") {
            // IPv6: unique-local fc00::/7 and link-local fe80::/10.
            if bare.hasPrefix("fc") || bare.hasPrefix("fd") || bare.hasPrefix("fe8") || bare.hasPrefix("fe9") || bare.hasPrefix("fea")
                || bare.hasPrefix("feb")
            {
                return .localNetwork
            }
            return .anywhere
        }
        if bare.hasSuffix(".local") || bare.hasSuffix(".lan") || bare.hasSuffix(".internal") || !bare.contains(".") { return .localNetwork }
        return .anywhere
    }

    /// The warning to print beside a QR code of this address, in both languages; `nil` when phones anywhere can open it.
    public static func warning(for url: String) -> String? {
        switch reach(of: url) {
        case .anywhere: return nil
        case .loopback:
            return "警告：公开地址 \(url) 是本机回环地址，手机扫码无法打开。请在配置 server.public_url 中填写手机能访问的地址。\n"
                + "Warning: the public address \(url) is a loopback address; phones that scan it cannot open it. Set server.public_url to an address phones can reach."
        case .localNetwork:
            return "警告：公开地址 \(url) 是内网地址，只有连接同一局域网（如大厅 Wi-Fi）的手机能打开，使用移动数据的手机无法打开。\n"
                + "Warning: the public address \(url) is a private address; only phones on the same local network (the hall's Wi-Fi) can open it, not phones on mobile data."
        }
    }
}
