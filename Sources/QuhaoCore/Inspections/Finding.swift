import Foundation

/// How serious a finding is: it follows the item (a key item's failure is a key finding).
public enum FindingSeverity: String, Sendable, Hashable, Codable, CaseIterable {
    case key
    case general

    public var label: LocalizedText {
        switch self {
        case .key: LocalizedText(zh: "重点项", en: "Key")
        case .general: LocalizedText(zh: "一般项", en: "General")
        }
    }
}

/// Where a finding's rectification (整改) stands.
///
/// ```
/// open ──submit──► submitted ──verify──► verified
///   ▲                  │
///   └─────reject───────┘ (with a reason)
/// open / submitted ──close by a re-inspection that passes the item──► verified
/// ```
/// A finding corrected on site during the inspection is verified at once.
public enum FindingState: String, Sendable, Hashable, Codable, CaseIterable {
    case open
    case submitted = "rectification_submitted"
    case verified

    public var label: LocalizedText {
        switch self {
        case .open: LocalizedText(zh: "待整改", en: "Open")
        case .submitted: LocalizedText(zh: "已提交整改，待核实", en: "Rectification submitted")
        case .verified: LocalizedText(zh: "已整改核实", en: "Rectified and verified")
        }
    }

    /// Whether the unit may submit a rectification now.
    public var acceptsRectification: Bool { self == .open }
}

/// Rectification deadlines by severity, in days after the inspection (configurable per site).
public struct RectificationDeadlines: Sendable, Hashable, Codable {
    public var keyDays: Int
    public var generalDays: Int

    public init(keyDays: Int = 3, generalDays: Int = 15) {
        self.keyDays = keyDays
        self.generalDays = generalDays
    }

    /// The last day to rectify a finding of this severity recorded on `day`.
    public func due(_ severity: FindingSeverity, recordedOn day: BusinessDay) -> BusinessDay {
        day.adding(days: severity == .key ? keyDays : generalDays)
    }
}

/// A problem found by an inspection, and its rectification.
public struct Finding: Sendable, Hashable, Codable, Identifiable {
    public typealias ID = Int64

    public let id: ID
    public let inspectionID: Inspection.ID
    public let unitID: CanteenUnit.ID
    public let itemCode: String
    public let severity: FindingSeverity
    public let description: String
    public let correctedOnSite: Bool
    /// The last day to rectify it, in the site's zone.
    public let due: BusinessDay
    public let state: FindingState
    public let createdAt: Date
    /// The unit's latest rectification (what it did), if any.
    public let response: String?
    public let respondedAt: Date?
    /// Why the latest rectification was not accepted.
    public let rejectionReason: String?
    public let verifiedAt: Date?
    public let verifiedBy: String?
    /// The re-inspection that closed it, when one did.
    public let closedByInspectionID: Inspection.ID?

    public init(
        id: ID, inspectionID: Inspection.ID, unitID: CanteenUnit.ID, itemCode: String, severity: FindingSeverity, description: String,
        correctedOnSite: Bool, due: BusinessDay, state: FindingState, createdAt: Date, response: String?, respondedAt: Date?,
        rejectionReason: String?, verifiedAt: Date?, verifiedBy: String?, closedByInspectionID: Inspection.ID?
    ) {
        self.id = id
        self.inspectionID = inspectionID
        self.unitID = unitID
        self.itemCode = itemCode
        self.severity = severity
        self.description = description
        self.correctedOnSite = correctedOnSite
        self.due = due
        self.state = state
        self.createdAt = createdAt
        self.response = response
        self.respondedAt = respondedAt
        self.rejectionReason = rejectionReason
        self.verifiedAt = verifiedAt
        self.verifiedBy = verifiedBy
        self.closedByInspectionID = closedByInspectionID
    }

    /// Open (nothing submitted, or sent back) and past its due day: see ``FindingDeadline``.
    public func isOverdue(today: BusinessDay) -> Bool { FindingDeadline.isOverdue(state: state, due: due, today: today) }

    /// Its rectification waits for the office and reached it after the due day: see ``FindingDeadline``.
    public func isAnsweredLate(in zone: TimeZone) -> Bool {
        FindingDeadline.isAnsweredLate(state: state, due: due, answeredOn: respondedAt.map { BusinessDay($0, in: zone) })
    }
}

/// What an office counts against a finding's due day (domain.md, "What an office counts"), one
/// place for the figures page, the unit's page, the CSV, the JSON and the command line.
///
/// - **Overdue**: still open (no rectification submitted, or the last one sent back) after its due
///   day in the site's zone. The due day itself is still in time. So overdue ≤ open, always.
/// - **Awaiting verification**: a rectification submitted and waiting for the office, never overdue,
///   whenever it was sent: the unit has answered, and the wait is the office's.
/// - **Answered late**: of those awaiting verification, the ones whose rectification was submitted
///   after the due day; shown apart, as part of "awaiting", never of "overdue".
public enum FindingDeadline {
    /// Open and past its due day.
    public static func isOverdue(state: FindingState, due: BusinessDay, today: BusinessDay) -> Bool {
        state == .open && due < today
    }

    /// Awaiting verification, and submitted after its due day.
    /// - Parameter answeredOn: The business day its waiting rectification was submitted.
    public static func isAnsweredLate(state: FindingState, due: BusinessDay, answeredOn: BusinessDay?) -> Bool {
        guard state == .submitted, let answeredOn else { return false }
        return due < answeredOn
    }
}
