import Foundation

/// One line of a checklist (检查要点表): a code, its section, what to check, and whether it is a key item (重点项 ★).
public struct ChecklistItem: Sendable, Hashable, Codable {
    /// Stable within a checklist: `1.1`, `3.2` …
    public let code: String
    public let section: LocalizedText
    public let text: LocalizedText
    /// A key item: failing it makes the inspection 不符合 (by the default rule) and its finding a key one.
    public let isKey: Bool

    public init(code: String, section: LocalizedText, text: LocalizedText, isKey: Bool) {
        self.code = code
        self.section = section
        self.text = text
        self.isKey = isKey
    }
}

/// A site's checklist as of one version: a change to the configured items makes a new version,
/// and an inspection always shows the version it was recorded with.
public struct Checklist: Sendable, Hashable, Codable {
    public let version: Int
    public let items: [ChecklistItem]

    public init(version: Int, items: [ChecklistItem]) {
        self.version = version
        self.items = items
    }

    public func item(_ code: String) -> ChecklistItem? { items.first { $0.code == code } }

    /// Its items grouped by section, in order.
    public var sections: [(section: LocalizedText, items: [ChecklistItem])] {
        var result: [(section: LocalizedText, items: [ChecklistItem])] = []
        for item in items {
            if let last = result.indices.last, result[last].section == item.section {
                result[last].items.append(item)
            } else {
                result.append((item.section, [item]))
            }
        }
        return result
    }
}

/// How one checklist item was found: 是 / 否 / 不适用 / 未检查.
public enum ItemOutcome: String, Sendable, Hashable, Codable, CaseIterable {
    case yes
    case no
    case notApplicable = "na"
    case notObserved = "not_observed"

    public var label: LocalizedText {
        switch self {
        case .yes: LocalizedText(zh: "是", en: "Yes")
        case .no: LocalizedText(zh: "否", en: "No")
        case .notApplicable: LocalizedText(zh: "不适用", en: "N/A")
        case .notObserved: LocalizedText(zh: "未检查", en: "Not observed")
        }
    }
}

/// An inspection's overall result: 符合 / 基本符合 / 不符合.
public enum InspectionResult: String, Sendable, Hashable, Codable, CodingKeyRepresentable, CaseIterable {
    case compliant
    case basicallyCompliant = "basically_compliant"
    case nonCompliant = "non_compliant"

    public var label: LocalizedText {
        switch self {
        case .compliant: LocalizedText(zh: "符合", en: "Compliant")
        case .basicallyCompliant: LocalizedText(zh: "基本符合", en: "Basically compliant")
        case .nonCompliant: LocalizedText(zh: "不符合", en: "Non-compliant")
        }
    }
}

/// How the overall result follows from the failed items (configurable per site).
///
/// The default (domain.md): no failures → 符合; only general items fail → 基本符合; any key
/// item fails → 不符合. An office may be stricter: at most `generalFailuresAllowed` general
/// failures still count as 基本符合, more make it 不符合.
public struct ResultRule: Sendable, Hashable, Codable {
    /// General (non-key) failures that still give 基本符合; `nil`: any number.
    public var generalFailuresAllowed: Int?
    /// Key failures that still give 基本符合 (0 by default: one key failure is 不符合).
    public var keyFailuresAllowed: Int

    public init(generalFailuresAllowed: Int? = nil, keyFailuresAllowed: Int = 0) {
        self.generalFailuresAllowed = generalFailuresAllowed
        self.keyFailuresAllowed = keyFailuresAllowed
    }

    /// The result for this many failed key and general items.
    public func result(keyFailures: Int, generalFailures: Int) -> InspectionResult {
        if keyFailures == 0 && generalFailures == 0 { return .compliant }
        if keyFailures > keyFailuresAllowed { return .nonCompliant }
        if let allowed = generalFailuresAllowed, generalFailures > allowed { return .nonCompliant }
        return .basicallyCompliant
    }
}
