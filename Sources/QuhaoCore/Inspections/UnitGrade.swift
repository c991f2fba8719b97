import Foundation

/// A unit's dynamic grade at the door (餐饮服务食品安全量化分级): the familiar faces.
public enum UnitGrade: String, Sendable, Hashable, Codable, CodingKeyRepresentable, CaseIterable, Comparable {
    /// 良好: a smiling face.
    case good
    /// 一般: a plain face.
    case fair
    /// 较差: a frowning face.
    case poor

    public var label: LocalizedText {
        switch self {
        case .good: LocalizedText(zh: "良好", en: "Good")
        case .fair: LocalizedText(zh: "一般", en: "Fair")
        case .poor: LocalizedText(zh: "较差", en: "Poor")
        }
    }

    /// The face shown at the door.
    public var face: String {
        switch self {
        case .good: "😊"
        case .fair: "😐"
        case .poor: "☹️"
        }
    }

    private var rank: Int {
        switch self {
        case .good: 0
        case .fair: 1
        case .poor: 2
        }
    }

    /// Better grades first.
    public static func < (lhs: UnitGrade, rhs: UnitGrade) -> Bool { lhs.rank < rhs.rank }

    /// A change as the unit's log keeps it: `fair>good` (`none` for no grade).
    public static func change(from old: UnitGrade?, to new: UnitGrade?) -> String {
        "\(old?.rawValue ?? "none")>\(new?.rawValue ?? "none")"
    }

    /// A logged change in words (`一般 → 良好`, `— → 较差`).
    public static func changeText(_ logged: String, in language: Language) -> String {
        logged.split(separator: ">").map { UnitGrade(rawValue: String($0))?.label.text(language) ?? "—" }.joined(separator: " → ")
    }
}

/// How a unit's grade follows from its results (configurable per office).
///
/// The office's inspections (never self-inspections), newest first; the last `ofLast` of them are
/// read: `latest` takes the newest one's face, `worst` the worst face among them. Each result maps
/// to a face (by default 符合 → 良好, 基本符合 → 一般, 不符合 → 较差). A unit never inspected has none.
public struct GradeRule: Sendable, Hashable, Codable {
    public enum Basis: String, Sendable, Hashable, Codable, CaseIterable {
        case latest
        case worst
    }

    public var basis: Basis
    /// How many of the latest results are read (1 to 10).
    public var ofLast: Int
    public var faces: [InspectionResult: UnitGrade]

    public init(
        basis: Basis = .latest, ofLast: Int = 1,
        faces: [InspectionResult: UnitGrade] = [.compliant: .good, .basicallyCompliant: .fair, .nonCompliant: .poor]
    ) {
        self.basis = basis
        self.ofLast = ofLast
        self.faces = faces
    }

    /// The face one result maps to.
    public func face(_ result: InspectionResult) -> UnitGrade {
        faces[result] ?? Self().faces[result]!
    }

    /// The grade for a unit's results, newest first (`nil`: none).
    public func grade(newestFirst results: [InspectionResult]) -> UnitGrade? {
        let read = results.prefix(max(1, basis == .latest ? 1 : ofLast)).map(face)
        return basis == .latest ? read.first : read.max()
    }
}
