import Foundation
import QuhaoCore

/// Who did something: a visitor, a staff member, the system itself, or the command line.
public struct Initiator: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case visitor, staff, token, system, cli, unit
    }

    public let kind: Kind
    public let id: String?

    public init(_ kind: Kind, id: String? = nil) {
        self.kind = kind
        self.id = id
    }

    public static let visitor = Initiator(.visitor)
    public static let system = Initiator(.system)
    public static let cli = Initiator(.cli)

    /// A staff member by account id.
    public static func staff(_ id: String) -> Initiator { Initiator(.staff, id: id) }

    /// `staff:12`, `visitor`, … (the stored form).
    public var description: String { id.map { "\(kind.rawValue):\($0)" } ?? kind.rawValue }

    /// Parses the stored form.
    public init(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        self.init(Kind(rawValue: parts[0]) ?? .system, id: parts.count > 1 ? parts[1] : nil)
    }
}

/// One entry of the append-only ticket log.
public struct TicketEvent: Hashable, Sendable, Codable, SQLRecord {
    static let table = "ticket_events"
    static let columns = ["ticket_id", "site_id", "at", "action", "from_state", "to_state", "counter_id", "service_id", "initiator", "detail"]

    public var id: Int64?
    public var ticketID: Int64
    public var siteID: String
    public var at: Date
    public var action: String
    public var fromState: TicketState?
    public var toState: TicketState
    public var counterID: Int?
    public var serviceID: String
    public var initiator: String
    public var detail: String?

    enum CodingKeys: String, CodingKey {
        case id, at, action, initiator, detail
        case ticketID = "ticket_id"
        case siteID = "site_id"
        case fromState = "from_state"
        case toState = "to_state"
        case counterID = "counter_id"
        case serviceID = "service_id"
    }

    var values: [(any SQLConvertible)?] { [ticketID, siteID, at, action, fromState, toState, counterID, serviceID, initiator, detail] }
}

/// One entry of the append-only counter log (pause, resume).
struct CounterEvent: SQLRecord {
    static let table = "counter_events"
    static let columns = ["site_id", "counter_id", "at", "action", "initiator"]

    var id: Int64?
    var siteID: String
    var counterID: Int
    var at: Date
    var action: String
    var initiator: String

    var values: [(any SQLConvertible)?] { [siteID, counterID, at, action, initiator] }

    init(id: Int64? = nil, siteID: String, counterID: Int, at: Date, action: String, initiator: String) {
        self.id = id
        self.siteID = siteID
        self.counterID = counterID
        self.at = at
        self.action = action
        self.initiator = initiator
    }

    init(row: SQLRow) throws {
        id = try row["id"]
        siteID = try row["site_id"]
        counterID = try row["counter_id"]
        at = try row["at"]
        action = try row["action"]
        initiator = try row["initiator"]
    }
}

extension TicketEvent {
    init(row: SQLRow) throws {
        id = try row["id"]
        ticketID = try row["ticket_id"]
        siteID = try row["site_id"]
        at = try row["at"]
        action = try row["action"]
        fromState = try row["from_state"]
        toState = try row["to_state"]
        counterID = try row["counter_id"]
        serviceID = try row["service_id"]
        initiator = try row["initiator"]
        detail = try row["detail"]
    }
}
