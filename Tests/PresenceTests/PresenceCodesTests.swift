import Foundation
import Presence
import QuhaoCore
import Testing

@Suite struct PresenceCodesTests {
    static func codes(secret: String = "a secret of the hall", clock: ManualClock = ManualClock(Date(timeIntervalSince1970: 1_795_572_000)))
        -> PresenceCodes
    {
        PresenceCodes(window: 60, clock: clock, secret: { _ in secret })
    }

    @Test func theDisplayKeyIsCheckedWhole() {
        let codes = Self.codes()
        let key = codes.displayKey(site: "hall")
        #expect(key.count == 24)
        #expect(codes.isDisplayKey(key, site: "hall"))
        var first = Array(key)
        first[0] = first[0] == "0" ? "1" : "0"
        var last = Array(key)
        last[23] = last[23] == "0" ? "1" : "0"
        for wrong in [String(first), String(last), String(key.dropLast()), key + "0", "", key.uppercased() == key ? "x" : key.uppercased()] {
            #expect(!codes.isDisplayKey(wrong, site: "hall"), "\(wrong)")
        }
        #expect(!codes.isDisplayKey(nil, site: "hall"))
        #expect(!codes.isDisplayKey(key, site: "annex"), "each site has its own key")
    }

    /// A site whose secret could not be read (never synced, database gone) verifies nothing: an
    /// empty secret would otherwise make every code and key predictable.
    @Test func withoutASecretNothingVerifies() {
        let codes = Self.codes(secret: "")
        #expect(!codes.isDisplayKey(codes.displayKey(site: "hall"), site: "hall"))
        #expect(!codes.isValid(codes.current(site: "hall"), site: "hall"))
    }

    @Test func aCodeHoldsForItsWindowAndTheOneBefore() {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_795_572_000))
        let codes = Self.codes(clock: clock)
        let now = codes.current(site: "hall")
        #expect(codes.isValid(now, site: "hall"))
        clock.advance(by: 60)
        #expect(codes.isValid(now, site: "hall"), "scanned just before it rotated")
        clock.advance(by: 60)
        #expect(!codes.isValid(now, site: "hall"))
    }
}
