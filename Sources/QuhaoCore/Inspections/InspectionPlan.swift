import Foundation

/// How many units of one risk level a plan draws: a count, or a ratio of the level's candidates.
public enum PlanQuota: Sendable, Hashable, Codable, CustomStringConvertible {
    case count(Int)
    /// A share of the candidates, rounded up (0.3 of 7 draws 3).
    case ratio(Double)

    /// How many of `candidates` are drawn (never more than there are).
    public func count(of candidates: Int) -> Int {
        switch self {
        case .count(let n): min(max(n, 0), candidates)
        case .ratio(let r): min(Int((Double(candidates) * r - 1e-9).rounded(.up)), candidates)
        }
    }

    /// `5` or `30%`.
    public var description: String {
        switch self {
        case .count(let n): String(n)
        case .ratio(let r): "\(Self.percent(r))%"
        }
    }

    /// Reads `5`, `30%` or `0.3`.
    /// - Throws: `plan.quota_invalid`.
    public init(text: String) throws {
        let text = text.trimmingCharacters(in: .whitespaces)
        if text.hasSuffix("%"), let value = Double(text.dropLast()), value >= 0, value <= 100 {
            self = .ratio(value / 100)
        } else if let n = Int(text), n >= 0, n <= 100_000 {
            self = .count(n)
        } else if let value = Double(text), value >= 0, value <= 1 {
            self = .ratio(value)
        } else {
            throw QuhaoError(.planQuotaInvalid, ["value": String(text.prefix(20))])
        }
    }

    static func percent(_ ratio: Double) -> String {
        let value = (ratio * 1000).rounded() / 10
        return value == value.rounded() ? String(Int(value)) : String(value)
    }

    enum CodingKeys: String, CodingKey { case count, ratio }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let n = try container.decodeIfPresent(Int.self, forKey: .count) {
            self = .count(n)
        } else {
            self = .ratio(try container.decode(Double.self, forKey: .ratio))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .count(let n): try container.encode(n, forKey: .count)
        case .ratio(let r): try container.encode(r, forKey: .ratio)
        }
    }
}

/// Which units a plan draws from: active units of these types, risk levels and areas (empty: all).
public struct PlanScope: Sendable, Hashable, Codable {
    public var types: [UnitType]
    public var risks: [RiskLevel]
    public var areas: [String]

    public init(types: [UnitType] = [], risks: [RiskLevel] = [], areas: [String] = []) {
        self.types = types
        self.risks = risks
        self.areas = areas
    }

    /// Whether a unit is in scope.
    public func includes(_ unit: CanteenUnit) -> Bool {
        unit.active && (types.isEmpty || types.contains(unit.type)) && (risks.isEmpty || risks.contains(unit.risk))
            && (areas.isEmpty || areas.contains(unit.area))
    }
}

/// A plan of random inspections (双随机抽查计划), before and after its draw.
public struct InspectionPlan: Sendable, Hashable, Codable, Identifiable {
    public typealias ID = Int64

    public let id: ID
    public let siteID: String
    public let name: String
    /// The period the visits are to be made in (both days included).
    public let firstDay: BusinessDay
    public let lastDay: BusinessDay
    public let scope: PlanScope
    public let quotas: [RiskLevel: PlanQuota]
    /// Inspectors per visit.
    public let team: Int
    public let createdAt: Date
    public let createdBy: String
    /// Set once drawn.
    public let draw: Drawn?
    /// When the office published it (双随机、一公开): from then on anyone may read the draw and the
    /// results at the office's public page.
    public let publishedAt: Date?

    /// What was drawn, and from what: enough for anyone to replay it (``RandomDraw``).
    public struct Drawn: Sendable, Hashable, Codable {
        public let seed: String
        public let at: Date
        public let by: String
        public let candidates: [RandomDraw.Candidate]
        public let inspectors: [Int64]
        /// Each unit's recused inspectors at the time of the draw.
        public let recusals: [Int64: [Int64]]

        public init(seed: String, at: Date, by: String, candidates: [RandomDraw.Candidate], inspectors: [Int64], recusals: [Int64: [Int64]]) {
            self.seed = seed
            self.at = at
            self.by = by
            self.candidates = candidates
            self.inspectors = inspectors
            self.recusals = recusals
        }
    }

    public init(
        id: ID, siteID: String, name: String, firstDay: BusinessDay, lastDay: BusinessDay, scope: PlanScope, quotas: [RiskLevel: PlanQuota],
        team: Int, createdAt: Date, createdBy: String, draw: Drawn?, publishedAt: Date? = nil
    ) {
        self.publishedAt = publishedAt
        self.id = id
        self.siteID = siteID
        self.name = name
        self.firstDay = firstDay
        self.lastDay = lastDay
        self.scope = scope
        self.quotas = quotas
        self.team = team
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.draw = draw
    }

    /// The counts per level for these candidates.
    public static func counts(_ quotas: [RiskLevel: PlanQuota], candidates: [RandomDraw.Candidate]) -> [RiskLevel: Int] {
        Dictionary(
            uniqueKeysWithValues: RiskLevel.allCases.map { risk in
                (risk, quotas[risk]?.count(of: candidates.filter { $0.risk == risk }.count) ?? 0)
            })
    }
}
