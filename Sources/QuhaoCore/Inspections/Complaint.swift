import Foundation

/// A diner's complaint about a unit, filed from its poster (no account).
public struct Complaint: Sendable, Hashable, Codable, Identifiable {
    public typealias ID = Int64

    /// Where it stands in the office's list.
    public enum State: String, Sendable, Hashable, Codable, CaseIterable {
        case open
        /// Turned into an inspection request for the unit.
        case converted
        /// Closed with a reason.
        case closed

        public var label: LocalizedText {
            switch self {
            case .open: LocalizedText(zh: "待处理", en: "Open")
            case .converted: LocalizedText(zh: "已转为检查", en: "Became an inspection")
            case .closed: LocalizedText(zh: "已办结", en: "Closed")
            }
        }
    }

    public let id: ID
    public let siteID: String
    public let unitID: CanteenUnit.ID
    public let text: String
    /// When it happened, as the diner said it (free text, e.g. 「12月2日午餐」).
    public let happened: String?
    /// Only when the diner chose to leave one; the office sees it, nobody else.
    public let phone: String?
    public let photo: String?
    public let createdAt: Date
    public let state: State
    public let decidedAt: Date?
    public let decidedBy: String?
    public let reason: String?
    public let inspectionID: Inspection.ID?

    public init(
        id: ID, siteID: String, unitID: CanteenUnit.ID, text: String, happened: String?, phone: String?, photo: String?, createdAt: Date,
        state: State, decidedAt: Date?, decidedBy: String?, reason: String?, inspectionID: Inspection.ID?
    ) {
        self.id = id
        self.siteID = siteID
        self.unitID = unitID
        self.text = text
        self.happened = happened
        self.phone = phone
        self.photo = photo
        self.createdAt = createdAt
        self.state = state
        self.decidedAt = decidedAt
        self.decidedBy = decidedBy
        self.reason = reason
        self.inspectionID = inspectionID
    }
}

/// A complaint as typed on the poster's form, before it is checked.
public struct ComplaintDraft: Sendable, Hashable {
    public var text: String
    public var happened: String
    public var phone: String

    public init(text: String, happened: String = "", phone: String = "") {
        self.text = text
        self.happened = happened
        self.phone = phone
    }

    /// Normalized, or the first problem (naming its field).
    /// - Throws: `complaint.text_required`, `complaint.field_too_long`, `phone.format`.
    public func checked() throws -> (text: String, happened: String?, phone: String?) {
        let text = self.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count >= 5 else { throw QuhaoError(.complaintTextRequired, ["field": "text", "min": "5"]) }
        guard text.count <= 1000 else { throw QuhaoError(.complaintFieldTooLong, ["field": "text", "max": "1000"]) }
        let happened = self.happened.trimmingCharacters(in: .whitespacesAndNewlines)
        guard happened.count <= 100 else { throw QuhaoError(.complaintFieldTooLong, ["field": "happened", "max": "100"]) }
        let phone: String?
        do {
            phone = try IdentityCheck.validatePhone(self.phone, for: .optional, service: [:])
        } catch {
            throw QuhaoError(error.code, error.parameters.merging(["field": "phone"]) { $1 })
        }
        return (text, happened.isEmpty ? nil : happened, phone)
    }
}
