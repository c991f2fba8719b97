import Foundation

/// Which identity a business type asks for.
public enum IdentityRequirement: String, Codable, Sendable, CaseIterable {
    case none
    /// 居民身份证号码.
    case residentID = "resident_id"
    /// 统一社会信用代码.
    case uscc
    /// Either of the two.
    case either
}

/// Whether a field is asked for.
public enum FieldRequirement: String, Codable, Sendable, CaseIterable {
    case none
    case optional
    case required
}

/// A business type (业务类型) with its own queue and number prefix.
public struct Service: Hashable, Sendable, Codable {
    /// URL-safe id, e.g. `invoice`.
    public let id: String
    /// One letter A–Z; numbers read `A001`.
    public let prefix: String
    public let name: LocalizedText
    /// Most numbers a day (限号); `nil` for no cap.
    public let dailyCap: Int?
    /// When numbers can be taken; `nil` means always.
    public let hours: OpeningHours?
    public let identity: IdentityRequirement
    public let phone: FieldRequirement
    /// Minutes one visitor takes, used for estimates until the day has data.
    public let defaultServiceMinutes: Double
    /// Booked slots (预约), when the business type takes bookings.
    public let appointments: AppointmentRules?

    public init(
        id: String, prefix: String, name: LocalizedText, dailyCap: Int? = nil, hours: OpeningHours? = nil,
        identity: IdentityRequirement = .none, phone: FieldRequirement = .none, defaultServiceMinutes: Double = 5,
        appointments: AppointmentRules? = nil
    ) {
        self.id = id
        self.prefix = prefix
        self.name = name
        self.dailyCap = dailyCap
        self.hours = hours
        self.identity = identity
        self.phone = phone
        self.defaultServiceMinutes = defaultServiceMinutes
        self.appointments = appointments
    }
}

/// A service window (窗口) or an inspector's desk.
public struct Counter: Hashable, Sendable, Codable {
    /// The window number people are sent to (`3` in 「请到 3 号窗口」).
    public let id: Int
    public let name: LocalizedText?
    /// Service ids this counter calls, in order of preference.
    public let services: [String]
    public let callOrder: CallOrder

    public init(id: Int, name: LocalizedText? = nil, services: [String], callOrder: CallOrder = .serviceOrder) {
        self.id = id
        self.name = name
        self.services = services
        self.callOrder = callOrder
    }
}

/// How a counter chooses among the normal tickets of its services.
public enum CallOrder: String, Codable, Sendable, CaseIterable {
    /// The first listed service with anyone waiting goes first (a primary business and back-ups).
    case serviceOrder = "service_order"
    /// Whoever has waited longest, whatever the service.
    case oldestFirst = "oldest_first"
}

extension Service {
    /// Message parameters naming this service in both languages (`service`, `service@en`).
    public var messageParameters: [String: String] {
        var parameters = ["service": name.zh]
        if let en = name.en { parameters["service@en"] = en }
        return parameters
    }
}
