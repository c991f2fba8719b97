import Foundation
import QuhaoCore

/// The configuration file (`config/quhao.yaml`) as written: every key snake_case, most optional.
/// ``ConfigLoader`` decodes it, rejects unknown keys and validates it; ``sites`` turns it into domain values.
public struct ConfigFile: Codable, Sendable, Equatable {
    public var server: Server?
    public var database: DatabaseSection?
    public var backups: BackupsSection?
    public var retention: RetentionSection?
    /// How this daemon reaches visitors: the SMS provider.
    public var notify: NotifySection?
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
        /// trace, debug, info (one line per request), notice, warning, error, critical.
        public var logLevel: String?
        /// text (one line of words per entry) or json (one JSON object per line).
        public var logFormat: String?
        /// HTTPS without a proxy: the certificate chain and its key (PEM files).
        public var tls: TLSSection?
        /// Addresses or CIDR networks of the reverse proxies whose `Forwarded`/`X-Forwarded-For` is believed.
        public var trustedProxies: [String]?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case host, port, tls
            case publicURL = "public_url"
            case speechCommand = "speech_command"
            case idleTimeoutSeconds = "idle_timeout_seconds"
            case maxConnectionsPerAddress = "max_connections_per_address"
            case logLevel = "log_level"
            case logFormat = "log_format"
            case trustedProxies = "trusted_proxies"
        }
    }

    /// `server.tls`: PEM files, read at start and again on SIGHUP.
    public struct TLSSection: Codable, Sendable, Equatable {
        /// The certificate, followed by its intermediates.
        public var certificate: String
        /// Its private key.
        public var key: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case certificate, key
        }
    }

    /// Nightly backups made by the daemon itself.
    public struct BackupsSection: Codable, Sendable, Equatable {
        /// `HH:MM`, in `time_zone`.
        public var time: String
        /// Where the backup files go; relative to the working directory.
        public var directory: String
        /// How many backups to keep (older ones are deleted after a good new one).
        public var keep: Int?
        /// The zone of `time`; by default the first site's.
        public var timeZone: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case time, directory, keep
            case timeZone = "time_zone"
        }
    }

    /// A hall's ticket printer (see ``PrinterSettings``).
    public struct PrinterEntry: Codable, Sendable, Equatable {
        public var target: String
        public var paper: Int?
        public var qr: String?
        public var footer: String?

        enum CodingKeys: String, CodingKey, CaseIterable { case target, paper, qr, footer }
    }

    /// How long personal data is kept.
    public struct RetentionSection: Codable, Sendable, Equatable {
        /// Days after which a ticket's identity (hash and masked form), phone number and device are cleared.
        public var personalDataDays: Int?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case personalDataDays = "personal_data_days"
        }
    }

    /// One webhook endpoint of a site (see ``WebhookEndpoint``).
    public struct WebhookEntry: Codable, Sendable, Equatable {
        public var id: String
        public var url: String
        public var secret: String
        public var events: [WebhookEvent]?
        public var timeoutSeconds: Int?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case id, url, secret, events
            case timeoutSeconds = "timeout_seconds"
        }
    }

    public struct DatabaseSection: Codable, Sendable, Equatable {
        /// An SQLite file (one hall, one daemon).
        public var path: String?
        /// A PostgreSQL database many daemons share: `postgres://user@host:port/db?sslmode=…`, never with the password.
        public var url: String?
        /// Where a daemon keeps its own files (inspection photos, spoken calls, the display's log):
        /// beside the SQLite file unless given; `data` on PostgreSQL unless given.
        public var directory: String?

        enum CodingKeys: String, CodingKey, CaseIterable { case path, url, directory }
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
        /// An inspection office's checklist and rules.
        public var inspection: InspectionEntry?
        /// Who is told of the site's ticket events.
        public var webhooks: [WebhookEntry]?
        /// Where staff-issued numbers are printed.
        public var printer: PrinterEntry?
        /// Check-in and no-show rules for booked slots.
        public var booking: BookingEntry?
        /// The hall's touch-screen kiosk.
        public var kiosk: KioskEntry?
        /// What visitors who opt in are sent.
        public var notices: NoticesEntry?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case id, name, kind, presence, rules, announce, services, counters, inspection, webhooks, printer, booking, kiosk, notices
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

    /// `sites[n].inspection`: what an inspection office checks and how.
    public struct InspectionEntry: Codable, Sendable, Equatable {
        public var routineService: String?
        public var reinspectionService: String?
        public var resultRule: ResultRuleEntry?
        public var rectificationDays: DeadlineEntry?
        public var photos: PhotosEntry?
        public var checklist: [ChecklistEntry]
        /// Visits a year by risk level (`{A: 1, B: 1, C: 2, D: 3}`).
        public var visitsPerYear: [String: Int]?
        /// Inspectors a visit needs on its record: `{on_site: 2, remote_video: 1}`.
        public var minimumInspectors: MinimumInspectorsEntry?
        public var grading: GradingEntry?
        public var complaintsPerDevicePerDay: Int?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case checklist, photos, grading
            case routineService = "routine_service"
            case reinspectionService = "reinspection_service"
            case resultRule = "result_rule"
            case rectificationDays = "rectification_days"
            case visitsPerYear = "visits_per_year"
            case minimumInspectors = "minimum_inspectors"
            case complaintsPerDevicePerDay = "complaints_per_device_per_day"
        }
    }

    public struct MinimumInspectorsEntry: Codable, Sendable, Equatable {
        public var onSite: Int?
        public var remoteVideo: Int?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case onSite = "on_site"
            case remoteVideo = "remote_video"
        }
    }

    /// `sites[n].inspection.grading`: the grade at the door from the latest results.
    public struct GradingEntry: Codable, Sendable, Equatable {
        /// `latest` or `worst`.
        public var basis: String?
        /// With `worst`: how many of the latest results are read.
        public var ofLast: Int?
        /// A face for each result: `{compliant: good, basically_compliant: fair, non_compliant: poor}`.
        public var faces: [String: String]?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case basis, faces
            case ofLast = "of_last"
        }
    }

    public struct ResultRuleEntry: Codable, Sendable, Equatable {
        public var generalFailuresAllowed: Int?
        public var keyFailuresAllowed: Int?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case generalFailuresAllowed = "general_failures_allowed"
            case keyFailuresAllowed = "key_failures_allowed"
        }
    }

    public struct DeadlineEntry: Codable, Sendable, Equatable {
        public var key: Int?
        public var general: Int?

        enum CodingKeys: String, CodingKey, CaseIterable { case key, general }
    }

    public struct PhotosEntry: Codable, Sendable, Equatable {
        public var maxMB: Double?
        public var perSubmission: Int?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case maxMB = "max_mb"
            case perSubmission = "per_submission"
        }
    }

    public struct ChecklistEntry: Codable, Sendable, Equatable {
        public var code: String
        public var section: LocalizedText
        public var text: LocalizedText
        public var key: Bool?

        enum CodingKeys: String, CodingKey, CaseIterable { case code, section, text, key }
    }

    /// `sites[n].kiosk`: see ``KioskSettings``.
    public struct KioskEntry: Codable, Sendable, Equatable {
        public var greenPIN: String?
        public var idleSeconds: Int?
        public var resultSeconds: Int?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case greenPIN = "green_pin"
            case idleSeconds = "idle_seconds"
            case resultSeconds = "result_seconds"
        }
    }

    /// `sites[n].booking`: see ``BookingRules``.
    public struct BookingEntry: Codable, Sendable, Equatable {
        public var checkInEarlyMinutes: Int?
        public var noShowLimit: Int?
        public var noShowWindowDays: Int?
        public var barDays: Int?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case checkInEarlyMinutes = "check_in_early_minutes"
            case noShowLimit = "no_show_limit"
            case noShowWindowDays = "no_show_window_days"
            case barDays = "bar_days"
        }
    }

    /// `services[n].appointments`: see ``AppointmentRules``.
    public struct AppointmentsEntry: Codable, Sendable, Equatable {
        public var slotMinutes: Int?
        public var capacity: Int?
        public var daysAhead: Int?
        public var cutoffMinutes: Int?
        public var hours: Hours?
        public var closedDates: [String]?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case capacity, hours
            case slotMinutes = "slot_minutes"
            case daysAhead = "days_ahead"
            case cutoffMinutes = "cutoff_minutes"
            case closedDates = "closed_dates"
        }
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
        /// Booked slots, when the business type takes bookings.
        public var appointments: AppointmentsEntry?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case id, prefix, name, hours, identity, phone, appointments
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
        var keys: Set<String> = ["server", "database", "backups", "retention", "sites", "zh", "en"]
        keys.formUnion(RetentionSection.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(Server.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(TLSSection.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(BackupsSection.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(WebhookEntry.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(PrinterEntry.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(BookingEntry.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(KioskEntry.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(AppointmentsEntry.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(DatabaseSection.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(SiteEntry.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(Rules.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(Announce.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(ServiceEntry.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(Hours.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(CounterEntry.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(InspectionEntry.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(ResultRuleEntry.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(DeadlineEntry.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(PhotosEntry.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(ChecklistEntry.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(MinimumInspectorsEntry.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(GradingEntry.CodingKeys.allCases.map(\.rawValue))
        keys.formUnion(notifyKeys)
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
                        hours: service.hours.map(Self.openingHours),
                        identity: service.identity ?? .none, phone: service.phone ?? .none,
                        defaultServiceMinutes: service.serviceMinutes ?? 5,
                        appointments: service.appointments.map { Self.appointmentRules($0, serviceHours: service.hours.map(Self.openingHours)) })
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
                    window: entry.announce?.window ?? .number),
                inspection: entry.kind == .inspection ? entry.inspection.map(Self.inspectionRules) : nil,
                webhooks: (entry.webhooks ?? []).map {
                    WebhookEndpoint(id: $0.id, url: $0.url, secret: $0.secret, events: Set($0.events ?? []), timeoutSeconds: $0.timeoutSeconds ?? 10)
                },
                printer: entry.printer.map { printer in
                    let defaults = PrinterSettings(target: printer.target)
                    return PrinterSettings(
                        target: printer.target, paper: printer.paper ?? defaults.paper, qr: printer.qr ?? defaults.qr,
                        footer: printer.footer ?? defaults.footer)
                },
                booking: BookingRules(
                    checkInEarlyMinutes: entry.booking?.checkInEarlyMinutes ?? BookingRules().checkInEarlyMinutes,
                    noShowLimit: entry.booking?.noShowLimit ?? BookingRules().noShowLimit,
                    noShowWindowDays: entry.booking?.noShowWindowDays ?? BookingRules().noShowWindowDays,
                    barDays: entry.booking?.barDays ?? BookingRules().barDays),
                kiosk: KioskSettings(
                    greenPIN: entry.kiosk?.greenPIN, idleSeconds: entry.kiosk?.idleSeconds ?? KioskSettings().idleSeconds,
                    resultSeconds: entry.kiosk?.resultSeconds ?? KioskSettings().resultSeconds),
                notices: entry.notices.map { Self.noticeRules($0, services: entry.services.map { ($0.id, $0.prefix) }) })
        }
    }

    static func openingHours(_ hours: Hours) -> OpeningHours {
        OpeningHours(days: Set(hours.days), periods: hours.periods.compactMap(Self.parsePeriod))
    }

    /// A business type's booking rules, defaults filled in: slots in the type's own opening hours
    /// unless the booking hours say otherwise, in office hours when it has neither.
    static func appointmentRules(_ entry: AppointmentsEntry, serviceHours: OpeningHours?) -> AppointmentRules {
        let defaults = AppointmentRules()
        return AppointmentRules(
            slotMinutes: entry.slotMinutes ?? defaults.slotMinutes, capacity: entry.capacity ?? defaults.capacity,
            daysAhead: entry.daysAhead ?? defaults.daysAhead, cutoffMinutes: entry.cutoffMinutes ?? defaults.cutoffMinutes,
            hours: entry.hours.map(openingHours) ?? serviceHours ?? defaults.hours,
            closedDates: Set((entry.closedDates ?? []).compactMap { BusinessDay(iso: $0) }))
    }

    /// An inspection office's rules, defaults filled in.
    static func inspectionRules(_ entry: InspectionEntry) -> InspectionRules {
        let defaults = RectificationDeadlines()
        return InspectionRules(
            checklist: entry.checklist.map { ChecklistItem(code: $0.code, section: $0.section, text: $0.text, isKey: $0.key ?? false) },
            resultRule: ResultRule(
                generalFailuresAllowed: entry.resultRule?.generalFailuresAllowed, keyFailuresAllowed: entry.resultRule?.keyFailuresAllowed ?? 0),
            deadlines: RectificationDeadlines(
                keyDays: entry.rectificationDays?.key ?? defaults.keyDays, generalDays: entry.rectificationDays?.general ?? defaults.generalDays),
            maxPhotoBytes: Int((entry.photos?.maxMB ?? 8) * 1024 * 1024), maxPhotos: entry.photos?.perSubmission ?? 6,
            routineService: entry.routineService ?? "routine", reinspectionService: entry.reinspectionService ?? "recheck",
            visits: VisitSchedule(
                visitsPerYear: Dictionary(
                    uniqueKeysWithValues: RiskLevel.allCases.map { risk in
                        (risk, entry.visitsPerYear?.first { $0.key.uppercased() == risk.rawValue }?.value ?? risk.minimumVisitsPerYear)
                    })),
            minimumInspectors: [
                .onSite: entry.minimumInspectors?.onSite ?? 2, .remoteVideo: entry.minimumInspectors?.remoteVideo ?? 1, .selfCheck: 0,
            ],
            grading: GradeRule(
                basis: entry.grading?.basis.flatMap(GradeRule.Basis.init(rawValue:)) ?? .latest, ofLast: entry.grading?.ofLast ?? 1,
                faces: Dictionary(
                    uniqueKeysWithValues: InspectionResult.allCases.map { result in
                        (result, entry.grading?.faces?[result.rawValue].flatMap(UnitGrade.init(rawValue:)) ?? GradeRule().face(result))
                    })),
            complaintsPerDevicePerDay: entry.complaintsPerDevicePerDay ?? 3)
    }

    /// Parses `"08:30-12:00"`; `nil` when malformed or empty.
    static func parsePeriod(_ text: String) -> OpeningHours.Period? {
        let pieces = text.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        guard pieces.count == 2, let start = TimeOfDay(pieces[0]), let end = TimeOfDay(pieces[1]), start < end else { return nil }
        return OpeningHours.Period(start: start, end: end)
    }
}
