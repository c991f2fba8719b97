import Foundation

/// How many visits a year each risk level asks for (configurable per office), and where a unit
/// stands against them: the one rule behind the "due" list and the figures page's due counts.
///
/// The year is split into as many equal stretches of whole months as visits are asked for; the
/// k-th visit is due by the last day of the k-th stretch. Four visits: by 31 March, 30 June,
/// 30 September and 31 December; three: 30 April, 31 August, 31 December; one: 31 December.
public struct VisitSchedule: Sendable, Hashable, Codable {
    /// Visits a year by risk level (0: none asked for).
    public var visitsPerYear: [RiskLevel: Int]

    /// The levels' minimums from domain practice (A ≥ 1, B 1–2, C 2–3, D 3–4).
    public init(visitsPerYear: [RiskLevel: Int] = Dictionary(uniqueKeysWithValues: RiskLevel.allCases.map { ($0, $0.minimumVisitsPerYear) })) {
        self.visitsPerYear = visitsPerYear
    }

    /// Visits a year a level asks for.
    public func required(_ risk: RiskLevel) -> Int { visitsPerYear[risk] ?? risk.minimumVisitsPerYear }

    /// The last day the `k`-th visit of `year` is due by (k from 1 to the level's visits).
    public func dueBy(visit k: Int, of required: Int, year: Int) -> BusinessDay {
        let required = max(required, 1)
        let k = min(max(k, 1), required)
        let month = (12 * k + required - 1) / required
        return BusinessDay(year: year, month: month, day: BusinessDay.days(inMonth: month, of: year))!
    }

    /// Where a unit stands on `today`, having had `visits` visits this calendar year.
    public func status(_ risk: RiskLevel, visits: Int, today: BusinessDay) -> VisitStatus {
        let required = required(risk)
        guard visits < required else { return VisitStatus(required: required, visits: visits, next: nil, state: .done) }
        let next = dueBy(visit: visits + 1, of: required, year: today.year)
        return VisitStatus(required: required, visits: visits, next: next, state: today > next ? .behind : .due)
    }
}

/// A unit's visits this year against what its level asks for.
public struct VisitStatus: Sendable, Hashable, Codable {
    /// Where it stands.
    public enum State: String, Sendable, Hashable, Codable, CaseIterable {
        /// Had every visit the year asks for.
        case done
        /// A visit is still to come this year, not yet late.
        case due
        /// The next visit's stretch has passed without it.
        case behind

        public var label: LocalizedText {
            switch self {
            case .done: LocalizedText(zh: "本年已达标", en: "Done for the year")
            case .due: LocalizedText(zh: "待检查", en: "Due")
            case .behind: LocalizedText(zh: "已逾期未检", en: "Behind")
            }
        }
    }

    public let required: Int
    public let visits: Int
    /// The day the next visit is due by (`nil` once done).
    public let next: BusinessDay?
    public let state: State

    public init(required: Int, visits: Int, next: BusinessDay?, state: State) {
        self.required = required
        self.visits = visits
        self.next = next
        self.state = state
    }

    /// Whether it still needs a visit this year (due or behind).
    public var needsVisit: Bool { state != .done }
}
