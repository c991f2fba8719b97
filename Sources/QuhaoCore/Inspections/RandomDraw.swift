import Foundation

/// The 双随机 draw: units from a plan's candidates and inspectors for each, at random and
/// reproducibly, so that anyone holding the published seed and candidate lists can replay it.
///
/// The procedure, in full:
/// 1. The seed text's UTF-8 bytes are hashed with 64-bit FNV-1a; that number starts a SplitMix64
///    stream (Steele, Lea and Flood 2014), one stream for the whole draw.
/// 2. For each risk level A to D in turn, its candidates sorted by unit id are shuffled by
///    Fisher–Yates from the last place down (place i swaps with `next() % (i + 1)`), and the
///    first `quota` of them are drawn, kept in that order.
/// 3. For each drawn unit in that order, the inspectors who have not declared a conflict with it
///    (回避), sorted by staff id, are shuffled the same way, and the first `team` are its team.
public struct RandomDraw: Sendable {
    /// A unit that may be drawn.
    public struct Candidate: Sendable, Hashable, Codable {
        public let unit: Int64
        public let risk: RiskLevel

        public init(unit: Int64, risk: RiskLevel) {
            self.unit = unit
            self.risk = risk
        }
    }

    /// One drawn visit: the unit and its inspectors (staff ids), in drawn order.
    public struct Visit: Sendable, Hashable, Codable {
        public let unit: Int64
        public let inspectors: [Int64]

        public init(unit: Int64, inspectors: [Int64]) {
            self.unit = unit
            self.inspectors = inspectors
        }
    }

    /// Why a draw cannot be made.
    public enum Shortfall: Error, Sendable, Hashable {
        /// Fewer inspectors free of a conflict with this unit than a team needs.
        case inspectors(unit: Int64, available: Int, needed: Int)
    }

    public let seed: String

    public init(seed: String) { self.seed = seed }

    /// Draws the visits.
    /// - Parameters:
    ///   - candidates: Units in the plan's scope.
    ///   - quotas: How many to draw at each level (computed from a count or a ratio; ``PlanQuota/count(of:)``).
    ///   - inspectors: Staff ids of the office's inspectors.
    ///   - recusals: For each unit, the inspectors who may not be sent there.
    ///   - team: Inspectors per visit.
    /// - Throws: ``Shortfall`` when some unit cannot be given a team.
    public func draw(
        candidates: [Candidate], quotas: [RiskLevel: Int], inspectors: [Int64], recusals: [Int64: Set<Int64>], team: Int
    ) throws -> [Visit] {
        var stream = SplitMix64(seed: Self.fnv1a(seed))
        var units: [Int64] = []
        for risk in RiskLevel.allCases {
            var level = candidates.filter { $0.risk == risk }.map(\.unit).sorted()
            stream.shuffle(&level)
            units += level.prefix(max(0, quotas[risk] ?? 0))
        }
        let everyone = Array(Set(inspectors)).sorted()
        return try units.map { unit in
            var free = everyone.filter { !(recusals[unit]?.contains($0) ?? false) }
            guard free.count >= team else { throw Shortfall.inspectors(unit: unit, available: free.count, needed: team) }
            stream.shuffle(&free)
            return Visit(unit: unit, inspectors: Array(free.prefix(team)))
        }
    }

    /// 64-bit FNV-1a of the text's UTF-8 bytes.
    public static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}

/// SplitMix64: a small, published generator whose output is the same on every machine.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state = state &+ 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// Fisher–Yates from the last place down, place i swapping with `next() % (i + 1)` (the plain
    /// modulo, so a replay in any language gives the same order).
    public mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            let j = Int(next() % UInt64(i + 1))
            items.swapAt(i, j)
        }
    }
}
