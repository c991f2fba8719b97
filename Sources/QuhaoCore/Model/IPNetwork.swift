import Foundation

/// An IP address or a network of them (`10.0.0.5`, `10.0.0.0/8`, `2001:db8::/32`), as the
/// configuration's `server.trusted_proxies` names them. IPv4 addresses written as IPv6
/// (`::ffff:10.0.0.5`, how a dual-stack socket reports them) are the same IPv4 addresses.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    /// 4 bytes (IPv4) or 16 (IPv6), masked to the prefix.
    let bytes: [UInt8]
    let prefix: Int
    public let description: String

    /// Parses `ADDRESS` or `ADDRESS/PREFIX`; `nil` when it is neither.
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let address = IPNetwork.address(String(parts[0])) else { return nil }
        let bits = address.count * 8
        var prefix = bits
        if parts.count == 2 {
            guard let given = Int(parts[1]), (0...bits).contains(given), parts[1].allSatisfy(\.isASCIIDigit) else { return nil }
            prefix = given
        }
        self.bytes = IPNetwork.mask(address, prefix: prefix)
        self.prefix = prefix
        self.description = trimmed
    }

    /// Whether an address (as a socket or a header gives it) is inside.
    public func contains(_ text: String) -> Bool {
        guard let address = IPNetwork.address(text), address.count == bytes.count else { return false }
        return IPNetwork.mask(address, prefix: prefix) == bytes
    }

    /// The address's bytes: 4 for IPv4 (also when written as IPv4-mapped IPv6), 16 for IPv6.
    public static func address(_ raw: String) -> [UInt8]? {
        var text = Substring(raw.trimmingCharacters(in: .whitespaces))
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        // A zone (`fe80::1%eth0`) names an interface, not another address.
        if let percent = text.firstIndex(of: "%") { text = text[..<percent] }
        if !text.contains(":") { return ipv4(text) }
        guard let v6 = ipv6(text) else { return nil }
        if v6.prefix(10).allSatisfy({ $0 == 0 }), v6[10] == 0xff, v6[11] == 0xff { return Array(v6.suffix(4)) }
        return v6
    }

    static func ipv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCIIDigit), let value = UInt8(part) else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    static func ipv6(_ text: Substring) -> [UInt8]? {
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt8]? {
            guard !part.isEmpty else { return [] }
            var bytes: [UInt8] = []
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, field) in fields.enumerated() {
                if index == fields.count - 1, field.contains(".") {
                    guard let v4 = ipv4(field) else { return nil }
                    bytes += v4
                } else {
                    guard (1...4).contains(field.count), let value = UInt16(field, radix: 16) else { return nil }
                    bytes += [UInt8(value >> 8), UInt8(value & 0xff)]
                }
            }
            return bytes
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 16 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count <= 14 else { return nil }
        return head + Array(repeating: 0, count: 16 - head.count - tail.count) + tail
    }

    static func mask(_ address: [UInt8], prefix: Int) -> [UInt8] {
        address.enumerated().map { index, byte in
            let bits = max(0, min(8, prefix - index * 8))
            return bits == 8 ? byte : byte & UInt8(truncatingIfNeeded: 0xff << (8 - bits))
        }
    }
}

/// The proxies whose word on the visitor's address is believed (`server.trusted_proxies`).
///
/// A request that arrives from one of them may name the visitor in `Forwarded` (RFC 7239) or
/// `X-Forwarded-For`; the visitor is the nearest address in that chain that is not itself a
/// trusted proxy (a visitor can write anything at the far end of the chain, never at the near
/// end, which the trusted proxy writes). From anywhere else, nothing forwarded is believed.
public struct TrustedProxies: Sendable, Hashable {
    public let networks: [IPNetwork]

    public init(_ networks: [IPNetwork] = []) { self.networks = networks }

    /// Whether none is configured (nothing forwarded is believed).
    public var isEmpty: Bool { networks.isEmpty }

    /// Whether an address is one of the trusted proxies.
    public func trusts(_ address: String) -> Bool { networks.contains { $0.contains(address) } }

    /// The visitor's address for a request from `peer` carrying these header values.
    /// - Parameters:
    ///   - peer: The connection's address.
    ///   - forwarded: `Forwarded` header values, in order.
    ///   - forwardedFor: `X-Forwarded-For` header values, in order.
    /// - Returns: `peer` unless it is trusted and a chain names someone; never a malformed entry.
    public func client(peer: String, forwarded: [String], forwardedFor: [String]) -> String {
        guard trusts(peer) else { return peer }
        let chain = forwarded.isEmpty ? Self.forwardedForChain(forwardedFor) : Self.forwardedChain(forwarded)
        var client = peer
        for hop in chain.reversed() {
            guard let bytes = IPNetwork.address(hop) else { return client }
            let address = Self.text(bytes)
            client = address
            if !trusts(address) { return address }
        }
        return client
    }

    /// `X-Forwarded-For: a, b, c` → [a, b, c].
    static func forwardedForChain(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    /// `Forwarded: for=a;proto=https, for="[b]:4711"` → [a, b] (ports and quotes dropped).
    static func forwardedChain(_ values: [String]) -> [String] {
        values.flatMap { value in
            value.split(separator: ",").map { element -> String in
                for pair in element.split(separator: ";") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces).lowercased() == "for" else { continue }
                    var node = parts[1].trimmingCharacters(in: .whitespaces)
                    if node.hasPrefix("\""), node.hasSuffix("\""), node.count >= 2 { node = String(node.dropFirst().dropLast()) }
                    if node.hasPrefix("["), let close = node.firstIndex(of: "]") { return String(node[node.index(after: node.startIndex)..<close]) }
                    // IPv4 with a port (`192.0.2.43:47011`); an IPv6 node is always bracketed.
                    if node.filter({ $0 == ":" }).count == 1, let colon = node.firstIndex(of: ":") { return String(node[..<colon]) }
                    return node
                }
                return ""
            }
        }
    }

    /// One written form per address, so a rate limit keys one visitor once.
    static func text(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":")
    }
}
