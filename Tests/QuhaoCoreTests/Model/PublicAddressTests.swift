import QuhaoCore
import Testing

/// Which public addresses phones outside can open (the banner and `quhao qr` warn about the others).
@Suite struct PublicAddressTests {
    @Test(arguments: [
        ("http://127.0.0.1:8080", PublicAddress.Reach.loopback), ("http://localhost:8080/s/x", .loopback), ("http://[::1]:8080", .loopback),
        ("http://0.0.0.0:8080", .loopback), ("http://192.168.1.20:8080", .localNetwork), ("http://10.0.0.5", .localNetwork),
        ("http://172.16.3.4", .localNetwork), ("http://172.31.255.1", .localNetwork), ("http://172.32.0.1", .anywhere),
        ("http://169.254.10.1", .localNetwork), ("http://[fd00::1]:8080", .localNetwork), ("http://quhao.local", .localNetwork),
        ("http://hallserver:8080", .localNetwork), ("https://quhao.example.gov.cn", .anywhere), ("http://8.8.8.8", .anywhere),
        ("http://[2001:db8::1]", .anywhere), ("not a url", .loopback),
    ])
    func reach(_ url: String, _ expected: PublicAddress.Reach) {
        #expect(PublicAddress.reach(of: url) == expected, "\(url)")
        #expect((PublicAddress.warning(for: url) == nil) == (expected == .anywhere))
    }
}
