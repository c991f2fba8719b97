import Foundation
import GRDB
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
public struct TicketEvent: Hashable, Sendable, Codable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "ticket_events"

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

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, at, action, initiator, detail
        case ticketID = "ticket_id"
        case siteID = "site_id"
        case fromState = "from_state"
        case toState = "to_state"
        case counterID = "counter_id"
        case serviceID = "service_id"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One entry of the append-only counter log (pause, resume).
struct CounterEvent: Codable, MutablePersistableRecord {
    static let databaseTableName = "counter_events"

    var id: Int64?
    var siteID: String
    var counterID: Int
    var at: Date
    var action: String
    var initiator: String

    enum CodingKeys: String, CodingKey {
        case id, at, action, initiator
        case siteID = "site_id"
        case counterID = "counter_id"
    }
}
