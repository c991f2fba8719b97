import Foundation
import QuhaoCore

/// The configuration file (`config/quhao.yaml`) as written: every key snake_case, most optional.
/// ``ConfigLoader`` decodes it, rejects unknown keys and validates it; ``sites`` turns it into domain values.
public struct ConfigFile: Codable, Sendable, Equatable {
    public var server: Server?
    public var database: DatabaseSection?
    public var sites: [SiteEntry]

    public struct Server: Codable, Sendable, Equatable {
        public var host: String?
        public var port: Int?
        /// The address visitors' phones reach the daemon at; QR codes carry it.
        public var publicURL: String?
        /// How calls become speech (see ``ServerSettings/speechCommand``).
        public var speechCommand: String?
        /// Seconds a connection may stay silent (headers unfinished, or idle between requests).
        public var idleTimeoutSeconds: Int?
        /// Connections one client address may hold at once; 0: no cap (behind a reverse proxy).
        public var maxConnectionsPerAddress: Int?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case host, port
            case publicURL = "public_url"
            case speechCommand = "speech_command"
            case idleTimeoutSeconds = "idle_timeout_seconds"
            case maxConnectionsPerAddress = "max_connections_per_address"
        }
    }

    public struct DatabaseSection: Codable, Sendable, Equatable {
        public var path: String?

        enum CodingKeys: String, CodingKey, CaseIterable { case path }
    }

    public struct SiteEntry: Codable, Sendable, Equatable {
        public var id: String
        public var name: LocalizedText
        public var kind: SiteKind?
        public var timeZone: String?
        public var presence: PresenceMode?
        public var allowRemote: Bool?
        public var rules: Rules?
        /// How calls are spoken: `language` (zh | en), `ticket` and `window` (digits | number).
        public var announce: Announce?
        public var services: [ServiceEntry]
        public var counters: [CounterEntry]

        enum CodingKeys: String, CodingKey, CaseIterable {
            case id, name, kind, presence, rules, announce, services, counters
            case timeZone = "time_zone"
            case allowRemote = "allow_remote"
        }
    }

    public struct Rules: Codable, Sendable, Equatable {
        public var priorityBurst: Int?
        public var recallsBeforeNoShow: Int?
        public var noShowGraceSeconds: Int?
        public var reactivationOffset: Int?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case priorityBurst = "priority_burst"
            case recallsBeforeNoShow = "recalls_before_no_show"
            case noShowGraceSeconds = "no_show_grace_seconds"
            case reactivationOffset = "reactivation_offset"
        }
    }

    public struct Announce: Codable, Sendable, Equatable {
        public var language: AnnouncementStyle.Language?
        public var ticket: AnnouncementStyle.Reading?
        public var window: AnnouncementStyle.Reading?

        enum CodingKeys: String, CodingKey, CaseIterable { case language, ticket, window }
    }

    public struct ServiceEntry: Codable, Sendable, Equatable {
        public var id: String
        public var prefix: String
        public var name: LocalizedText
        public var dailyCap: Int?
        public var hours: Hours?
        public var identity: IdentityRequirement?
        public var phone: FieldRequirement?
        public var serviceMinutes: Double?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case id, prefix, name, hours, identity, phone
            case dailyCap = "daily_cap"
            case serviceMinutes = "service_minutes"
        }
    }

    /// Opening hours: weekdays and periods written `"08:30-12:00"`.
    public struct Hours: Codable, Sendable, Equatable {
        public var days: [Weekday]
        public var periods: [String]

        enum CodingKeys: String, CodingKey, CaseIterable { case days, periods }
    }

    public struct CounterEntry: Codable, Sendable, Equatable {
        public var id: Int
        public var name: LocalizedText?
        public var services: [String]
        public var callOrder: CallOrder?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case id, name, services
            case callOrder = "call_order"
        }
    }
}

extension ConfigFile {
    /// Every key the file may contain, at any depth.
    static let knownKeys: Set<String> = {
        var keys: Set<String> = ["server", "database", "sites", "zh", "en"]
        keys.formUnion(Server.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(DatabaseSection.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(SiteEntry.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(Rules.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(Announce.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(ServiceEntry.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(Hours.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(CounterEntry.CodingKeys.allCases.map(\.rawValue))
        return keys
    }()

    /// The sites as domain values. Call on a validated file (``ConfigLoader`` does).
    public var domainSites: [Site] {
        sites.map { entry in
            let rules = entry.rules
            let defaults = QueueRules()
            return Site(
                id: entry.id, name: entry.name, kind: entry.kind ?? .taxHall, timeZone: entry.timeZone ?? "Asia/Shanghai",
                services: entry.services.map { service in
                    Service(
                        id: service.id, prefix: service.prefix, name: service.name, dailyCap: service.dailyCap,
                        hours: service.hours.map { hours in
                            OpeningHours(days: Set(hours.days), periods: hours.periods.compactMap(Self.parsePeriod))
                        },
                        identity: service.identity ?? .none, phone: service.phone ?? .none,
                        defaultServiceMinutes: service.serviceMinutes ?? 5)
                },
                counters: entry.counters.map {
                    Counter(id: $0.id, name: $0.name, services: $0.services, callOrder: $0.callOrder ?? .serviceOrder)
                },
                rules: QueueRules(
                    priorityBurst: rules?.priorityBurst ?? defaults.priorityBurst,
                    recallsBeforeNoShow: rules?.recallsBeforeNoShow ?? defaults.recallsBeforeNoShow,
                    noShowGraceSeconds: rules?.noShowGraceSeconds ?? defaults.noShowGraceSeconds,
                    reactivationOffset: rules?.reactivationOffset ?? defaults.reactivationOffset,
                    allowRemote: entry.allowRemote ?? defaults.allowRemote, presence: entry.presence ?? defaults.presence),
                announce: AnnouncementStyle(
                    language: entry.announce?.language ?? .zh, ticket: entry.announce?.ticket ?? .digits,
                    window: entry.announce?.window ?? .number))
        }
    }

    /// Parses `"08:30-12:00"`; `nil` when malformed or empty.
    static func parsePeriod(_ text: String) -> OpeningHours.Period? {
        let pieces = text.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        guard pieces.count == 2, let start = TimeOfDay(pieces[0]), let end = TimeOfDay(pieces[1]), start < end else { return nil }
        return OpeningHours.Period(start: start, end: end)
    }
}
