import Foundation

/// Why an inspection is made.
public enum InspectionKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// 日常检查: a routine visit (requested by the unit, or planned by the office).
    case routine
    /// 专项检查: a special campaign or a complaint.
    case special
    /// 复查: a re-inspection after rectification; it can close the unit's open findings.
    case reinspection
    /// 自查: the unit's own check on the current checklist.
    case selfInspection = "self"

    public var label: LocalizedText {
        switch self {
        case .routine: LocalizedText(zh: "日常检查", en: "Routine inspection")
        case .special: LocalizedText(zh: "专项检查", en: "Special inspection")
        case .reinspection: LocalizedText(zh: "整改复查", en: "Re-inspection")
        case .selfInspection: LocalizedText(zh: "自查", en: "Self-inspection")
        }
    }
}

/// How the inspector saw the kitchen.
public enum InspectionMode: String, Sendable, Hashable, Codable, CodingKeyRepresentable, CaseIterable {
    /// 现场检查: on the premises, proven by a check-in scan.
    case onSite = "on_site"
    /// 远程视频检查: through the kitchen camera; no check-in.
    case remoteVideo = "remote_video"
    /// 自查: the unit's own.
    case selfCheck = "self"

    public var label: LocalizedText {
        switch self {
        case .onSite: LocalizedText(zh: "现场检查", en: "On site")
        case .remoteVideo: LocalizedText(zh: "远程视频", en: "Remote video")
        case .selfCheck: LocalizedText(zh: "单位自查", en: "Self-inspection")
        }
    }
}

/// Where an inspection stands.
///
/// ```
/// requested ──call──► called ──check in / mark remote──► in_progress ──record──► recorded ──check out──► closed
///     └───────────── cancel ─────────────► cancelled
/// ```
/// A self-inspection is recorded and closed at once.
public enum InspectionStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case requested
    case called
    case inProgress = "in_progress"
    case recorded
    case closed
    case cancelled

    public var label: LocalizedText {
        switch self {
        case .requested: LocalizedText(zh: "排队等待检查", en: "Waiting in the queue")
        case .called: LocalizedText(zh: "检查组已出发", en: "Inspectors on their way")
        case .inProgress: LocalizedText(zh: "检查中", en: "Being inspected")
        case .recorded: LocalizedText(zh: "已记录结果", en: "Results recorded")
        case .closed: LocalizedText(zh: "已完成", en: "Finished")
        case .cancelled: LocalizedText(zh: "已取消", en: "Cancelled")
        }
    }

    /// Still in the unit's queue or under way (one at a time per unit).
    public var isOpen: Bool { [.requested, .called, .inProgress, .recorded].contains(self) }
}

/// How presence on the premises was proven at check-in.
public enum CheckInProof: String, Sendable, Hashable, Codable {
    /// The printed poster's signed token, scanned by the inspector's phone.
    case posterToken = "poster_token"
    /// The time-rotating code the unit's own screen showed: stronger than a photo of a poster.
    case rotatingCode = "rotating_code"
}

/// One visit (or a self-inspection) and its outcome.
public struct Inspection: Sendable, Hashable, Codable, Identifiable {
    public typealias ID = Int64

    public let id: ID
    public let siteID: String
    public let unitID: CanteenUnit.ID
    public let kind: InspectionKind
    /// Known once checked in, marked remote, or for a self-inspection.
    public let mode: InspectionMode?
    public let status: InspectionStatus
    /// The queue ticket it was requested with (none for a self-inspection or one the office started).
    public let ticketID: Ticket.ID?
    /// The team (window) that called it.
    public let counterID: Int?
    /// Who inspects (staff names), once called.
    public let inspectors: [String]
    public let requestedAt: Date
    public let checkedInAt: Date?
    public let checkInProof: CheckInProof?
    public let checkedOutAt: Date?
    public let checklistVersion: Int?
    public let result: InspectionResult?
    public let summary: String?
    public let recordedAt: Date?
    /// The unit's responsible person's drawn signature at check-out (a stored PNG's SHA-256), their name and when.
    public let signature: String?
    public let signedBy: String?
    public let signedAt: Date?
    /// Why an on-site visit was checked out without the signature (the person refused, was away…).
    public let unsignedReason: String?

    public init(
        id: ID, siteID: String, unitID: CanteenUnit.ID, kind: InspectionKind, mode: InspectionMode?, status: InspectionStatus,
        ticketID: Ticket.ID?, counterID: Int?, inspectors: [String], requestedAt: Date, checkedInAt: Date?, checkInProof: CheckInProof?,
        checkedOutAt: Date?, checklistVersion: Int?, result: InspectionResult?, summary: String?, recordedAt: Date?, signature: String? = nil,
        signedBy: String? = nil, signedAt: Date? = nil, unsignedReason: String? = nil
    ) {
        self.unsignedReason = unsignedReason
        self.id = id
        self.siteID = siteID
        self.unitID = unitID
        self.kind = kind
        self.mode = mode
        self.status = status
        self.ticketID = ticketID
        self.counterID = counterID
        self.inspectors = inspectors
        self.requestedAt = requestedAt
        self.checkedInAt = checkedInAt
        self.checkInProof = checkInProof
        self.checkedOutAt = checkedOutAt
        self.checklistVersion = checklistVersion
        self.result = result
        self.summary = summary
        self.recordedAt = recordedAt
        self.signature = signature
        self.signedBy = signedBy
        self.signedAt = signedAt
    }

    /// Whether results may be recorded: checked in on site, marked remote, or a self-inspection.
    public var mayRecord: Bool { mode != nil && (status == .inProgress || status == .recorded) }
}
