import QuhaoCore
import Testing

@Suite struct IPNetworkTests {
    @Test func addressesAndNetworksParse() throws {
        let ten = try #require(IPNetwork("10.0.0.0/8"))
        #expect(ten.contains("10.200.3.4") && !ten.contains("11.0.0.1"))
        #expect(try #require(IPNetwork("192.168.1.7")).contains("192.168.1.7"))
        #expect(try !#require(IPNetwork("192.168.1.7")).contains("192.168.1.8"))
        let v6 = try #require(IPNetwork("2001:db8::/32"))
        #expect(v6.contains("2001:db8:1::5") && v6.contains("[2001:db8::1]") && !v6.contains("2001:db9::1"))
        // A dual-stack socket reports IPv4 peers as IPv4-mapped IPv6.
        #expect(ten.contains("::ffff:10.1.2.3"))
        #expect(try #require(IPNetwork("::1")).contains("0:0:0:0:0:0:0:1"))
        #expect(try #require(IPNetwork("172.16.0.0/12")).contains("172.31.255.255"))
        #expect(try !#require(IPNetwork("172.16.0.0/12")).contains("172.32.0.0"))
    }

    @Test(arguments: [
        "", "10.0.0", "10.0.0.256", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "2001:db8::/129", "1::2::3", "proxy.example", "10.0.0.0/8x",
    ])
    func whatIsNoAddressIsRefused(_ text: String) {
        #expect(IPNetwork(text) == nil, "\(text)")
    }

    @Test func onlyATrustedProxyIsBelievedAndOnlyAsFarAsTheChainIsTrusted() throws {
        let proxies = TrustedProxies([try #require(IPNetwork("10.0.0.0/8"))])
        // Not trusted: the header is ignored.
        #expect(proxies.client(peer: "203.0.113.9", forwarded: [], forwardedFor: ["198.51.100.1"]) == "203.0.113.9")
        // Trusted: the nearest untrusted hop; a forged far end is not taken.
        #expect(proxies.client(peer: "10.0.0.2", forwarded: [], forwardedFor: ["1.2.3.4, 198.51.100.7"]) == "198.51.100.7")
        #expect(proxies.client(peer: "10.0.0.2", forwarded: [], forwardedFor: ["198.51.100.7", "10.0.0.3"]) == "198.51.100.7")
        // RFC 7239, IPv6 with a port, quoted.
        #expect(proxies.client(peer: "10.0.0.2", forwarded: [#"for="[2001:db8::9]:4711";proto=https"#], forwardedFor: []) == "2001:db8:0:0:0:0:0:9")
        #expect(proxies.client(peer: "10.0.0.2", forwarded: ["for=192.0.2.43:47011, for=10.0.0.5"], forwardedFor: []) == "192.0.2.43")
        // Junk from the proxy: the last address it vouched for, never the junk.
        #expect(proxies.client(peer: "10.0.0.2", forwarded: [], forwardedFor: ["unknown"]) == "10.0.0.2")
        #expect(proxies.client(peer: "10.0.0.2", forwarded: [], forwardedFor: []) == "10.0.0.2")
    }
}
