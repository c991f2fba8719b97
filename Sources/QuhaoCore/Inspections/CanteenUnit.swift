import Foundation

/// A choice with a label in both languages, read back from a code or either label (as a
/// spreadsheet or a form may hold it: `school_canteen`, `学校食堂`, `School canteen`).
public protocol Labelled: RawRepresentable<String>, CaseIterable {
    var label: LocalizedText { get }
}

extension Labelled {
    public init?(label text: String) {
        let text = text.trimmingCharacters(in: .whitespaces)
        let lower = text.lowercased()
        guard let match = Self.allCases.first(where: { $0.rawValue == lower || $0.label.zh == text || $0.label.en?.lowercased() == lower })
        else { return nil }
        self = match
    }
}

/// What kind of catering unit a canteen is (the supervision office's categories).
public enum UnitType: String, Codable, CodingKeyRepresentable, Sendable, CaseIterable, Labelled {
    case schoolCanteen = "school_canteen"
    case workplaceCanteen = "workplace_canteen"
    case restaurant
    case centralKitchen = "central_kitchen"
    case mealDelivery = "meal_delivery"
    case other

    /// The name a supervision office uses (and a spreadsheet holds).
    public var label: LocalizedText {
        switch self {
        case .schoolCanteen: LocalizedText(zh: "学校食堂", en: "School canteen")
        case .workplaceCanteen: LocalizedText(zh: "单位食堂", en: "Workplace canteen")
        case .restaurant: LocalizedText(zh: "餐馆", en: "Restaurant")
        case .centralKitchen: LocalizedText(zh: "中央厨房", en: "Central kitchen")
        case .mealDelivery: LocalizedText(zh: "集体用餐配送单位", en: "Group meal delivery")
        case .other: LocalizedText(zh: "其他", en: "Other")
        }
    }

    /// From a code or a label in either language.
    public init?(text: String) { self.init(label: text) }
}

/// A unit's food-safety risk level, A (lowest) to D (highest): it sets how often it must be
/// visited each year.
public enum RiskLevel: String, Codable, CodingKeyRepresentable, Sendable, CaseIterable, Comparable {
    case a = "A"
    case b = "B"
    case c = "C"
    case d = "D"

    /// The fewest visits a year the level asks for (A ≥ 1, B 1–2, C 2–3, D 3–4).
    public var minimumVisitsPerYear: Int {
        switch self {
        case .a, .b: 1
        case .c: 2
        case .d: 3
        }
    }

    /// The most visits a year the level calls for (A has no upper figure: 1).
    public var maximumVisitsPerYear: Int {
        switch self {
        case .a: 1
        case .b: 2
        case .c: 3
        case .d: 4
        }
    }

    public init?(text: String) {
        self.init(rawValue: text.trimmingCharacters(in: .whitespaces).uppercased())
    }

    public static func < (lhs: RiskLevel, rhs: RiskLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// How the kitchen can be seen from outside (明厨亮灶): through glass, on video, over the internet, or not at all.
public enum KitchenMode: String, Codable, Sendable, CaseIterable, Labelled {
    case glass, video, internet, none

    public var label: LocalizedText {
        switch self {
        case .glass: LocalizedText(zh: "透明玻璃", en: "Glass wall")
        case .video: LocalizedText(zh: "视频展示", en: "Video screen")
        case .internet: LocalizedText(zh: "互联网明厨亮灶", en: "Internet camera")
        case .none: LocalizedText(zh: "无", en: "None")
        }
    }

    public init?(text: String) {
        // An empty cell: no kitchen view.
        if text.trimmingCharacters(in: .whitespaces).isEmpty {
            self = .none
            return
        }
        self.init(label: text)
    }
}

/// A canteen or catering unit under supervision.
public struct CanteenUnit: Sendable, Hashable, Codable, Identifiable {
    public typealias ID = Int64

    public let id: ID
    public let siteID: String
    public var name: String
    /// Normalized (upper case, no spaces).
    public var uscc: String
    /// The food business licence number (食品经营许可证), `JY` and 14 digits.
    public var licence: String
    public var address: String
    public var type: UnitType
    public var risk: RiskLevel
    public var contactName: String
    /// Normalized mainland mobile number.
    public var contactPhone: String
    public var kitchenMode: KitchenMode
    /// The kitchen camera's address, for remote inspections.
    public var cameraURL: String?
    public var active: Bool
    /// The area (街道、片区) the office divides its district into: plans draw by it, lists filter by it.
    public var area: String
    /// The grade at the door (``GradeRule``), and when the inspection that set it was recorded.
    public var grade: UnitGrade?
    public var gradeSetAt: Date?

    public init(
        id: ID, siteID: String, name: String, uscc: String, licence: String, address: String, type: UnitType, risk: RiskLevel,
        contactName: String, contactPhone: String, kitchenMode: KitchenMode, cameraURL: String?, active: Bool, area: String = "",
        grade: UnitGrade? = nil, gradeSetAt: Date? = nil
    ) {
        self.id = id
        self.siteID = siteID
        self.name = name
        self.uscc = uscc
        self.licence = licence
        self.address = address
        self.type = type
        self.risk = risk
        self.contactName = contactName
        self.contactPhone = contactPhone
        self.kitchenMode = kitchenMode
        self.cameraURL = cameraURL
        self.active = active
        self.area = area
        self.grade = grade
        self.gradeSetAt = gradeSetAt
    }

    /// The contact's number as shown to anyone but the office (`138****5678`).
    public var maskedPhone: String { Masking.phone(contactPhone) }
}

/// A unit as typed into a form or a spreadsheet row, before it is checked.
public struct UnitDraft: Sendable, Hashable {
    public var name: String
    public var uscc: String
    public var licence: String
    public var address: String
    public var type: String
    public var risk: String
    public var contactName: String
    public var contactPhone: String
    public var kitchenMode: String
    public var cameraURL: String
    public var active: Bool
    public var area: String

    public init(
        name: String, uscc: String, licence: String, address: String, type: String, risk: String, contactName: String = "",
        contactPhone: String, kitchenMode: String = "", cameraURL: String = "", active: Bool = true, area: String = ""
    ) {
        self.name = name
        self.uscc = uscc
        self.licence = licence
        self.address = address
        self.type = type
        self.risk = risk
        self.contactName = contactName
        self.contactPhone = contactPhone
        self.kitchenMode = kitchenMode
        self.cameraURL = cameraURL
        self.active = active
        self.area = area
    }

    /// A registered unit as a draft: the form to edit it starts from what it is.
    public init(_ unit: CanteenUnit) {
        self.init(
            name: unit.name, uscc: unit.uscc, licence: unit.licence, address: unit.address, type: unit.type.rawValue, risk: unit.risk.rawValue,
            contactName: unit.contactName, contactPhone: unit.contactPhone, kitchenMode: unit.kitchenMode.rawValue,
            cameraURL: unit.cameraURL ?? "", active: unit.active, area: unit.area)
    }

    /// The fields of a draft, in the order a form and the CSV file show them: errors name one.
    public enum Field: String, Sendable, CaseIterable {
        case name, uscc, licence, address, type, risk
        case contactName = "contact_name"
        case contactPhone = "contact_phone"
        case kitchenMode = "kitchen_mode"
        case cameraURL = "camera_url"
        case active
        case area
    }

    /// A draft that passed every check, normalized.
    public struct Checked: Sendable, Hashable {
        public let name: String
        public let uscc: String
        public let licence: String
        public let address: String
        public let type: UnitType
        public let risk: RiskLevel
        public let contactName: String
        public let contactPhone: String
        public let kitchenMode: KitchenMode
        public let cameraURL: String?
        public let active: Bool
        public let area: String
    }

    /// Checks every field; the first failure is thrown, naming its field (`field` parameter).
    /// - Throws: ``QuhaoError`` `unit.*`, `identity.*` (the USCC), `phone.*`.
    public func checked() throws -> Checked {
        let (checked, problems) = checking()
        if let checked { return checked }
        throw problems[0]
    }

    /// Every field checked, each on its own: the draft normalized when all pass, else every field's
    /// problem in the form's order (an import reports them all for a row, not just the first).
    public func checking() -> (Checked?, [QuhaoError]) {
        var problems: [QuhaoError] = []
        func failing<T>(_ field: Field, _ body: () throws -> T) -> T? {
            do {
                return try body()
            } catch let error as QuhaoError {
                problems.append(QuhaoError(error.code, error.parameters.merging(["field": field.rawValue]) { $1 }))
            } catch {
                problems.append(QuhaoError(.requestInvalid, ["reason": "\(error)", "field": field.rawValue]))
            }
            return nil
        }
        let name = failing(.name) {
            let name = self.name.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !name.isEmpty else { throw QuhaoError(.unitNameRequired) }
            guard name.count <= 100 else { throw QuhaoError(.unitFieldTooLong, ["max": "100"]) }
            return name
        }
        let uscc = failing(.uscc) { () throws -> String in
            guard !self.uscc.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw QuhaoError(
                    .identityRequired, ["kind": IdentityRequirement.uscc.rawValue, "service": "单位登记", "service@en": "Unit registration"])
            }
            return try USCC.validate(self.uscc)
        }
        let licence = failing(.licence) { try Self.licence(self.licence) }
        let address = failing(.address) {
            let address = self.address.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !address.isEmpty else { throw QuhaoError(.unitAddressRequired) }
            guard address.count <= 200 else { throw QuhaoError(.unitFieldTooLong, ["max": "200"]) }
            return address
        }
        let type = failing(.type) {
            guard let type = UnitType(text: self.type) else { throw QuhaoError(.unitTypeUnknown, ["value": String(self.type.prefix(40))]) }
            return type
        }
        let risk = failing(.risk) {
            guard let risk = RiskLevel(text: self.risk) else { throw QuhaoError(.unitRiskUnknown, ["value": String(self.risk.prefix(40))]) }
            return risk
        }
        let contactName = failing(.contactName) {
            let contact = self.contactName.trimmingCharacters(in: .whitespacesAndNewlines)
            guard contact.count <= 50 else { throw QuhaoError(.unitFieldTooLong, ["max": "50"]) }
            return contact
        }
        let phone = failing(.contactPhone) { () throws -> String in
            guard let phone = try IdentityCheck.validatePhone(self.contactPhone, for: .required, service: [:]) else {
                throw QuhaoError(.phoneRequired, ["service": "单位登记", "service@en": "Unit registration"])
            }
            return phone
        }
        let kitchen = failing(.kitchenMode) {
            guard let mode = KitchenMode(text: self.kitchenMode) else {
                throw QuhaoError(.unitKitchenModeUnknown, ["value": String(self.kitchenMode.prefix(40))])
            }
            return mode
        }
        let camera = failing(.cameraURL) { try Self.cameraURL(self.cameraURL) }
        let area = failing(.area) {
            let area = self.area.trimmingCharacters(in: .whitespacesAndNewlines)
            guard area.count <= 50 else { throw QuhaoError(.unitFieldTooLong, ["max": "50"]) }
            return area
        }
        guard let name, let uscc, let licence, let address, let type, let risk, let contactName, let phone, let kitchen, let camera, let area
        else {
            return (nil, problems)
        }
        return (
            Checked(
                name: name, uscc: uscc, licence: licence, address: address, type: type, risk: risk, contactName: contactName, contactPhone: phone,
                kitchenMode: kitchen, cameraURL: camera, active: active, area: area), []
        )
    }

    /// `JY` and 14 digits, as typed (lower case, full-width, spaces and hyphens allowed).
    static func licence(_ text: String) throws -> String {
        let compact = TypedText.compact(text).uppercased()
        guard compact.count == 16, compact.hasPrefix("JY"), compact.dropFirst(2).allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw QuhaoError(.unitLicenceFormat)
        }
        return compact
    }

    /// Empty, or an http(s) or rtsp address.
    static func cameraURL(_ text: String) throws -> String? {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return nil }
        guard text.count <= 500, let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https", "rtsp"].contains(scheme),
            url.host?.isEmpty == false
        else { throw QuhaoError(.unitCameraURLInvalid) }
        return text
    }
}
