import Foundation

/// What a site is for.
public enum SiteKind: String, Codable, Sendable, CaseIterable {
    /// A tax service hall: visitors take numbers, windows call them.
    case taxHall = "tax_hall"
    /// A canteen-inspection office: units request inspections, inspectors call them.
    case inspection
}

/// How a visitor proves they are in the hall when taking a number.
public enum PresenceMode: String, Codable, Sendable, CaseIterable {
    /// The hall QR carries a code that changes every window (HMAC of the site secret and time).
    case rotating
    /// The printed hall QR is proof enough.
    case `static`
    /// No check: every ticket is taken as if in the hall.
    case none
}

/// A place that runs one queue system: a tax hall or an inspection office.
public struct Site: Hashable, Sendable, Codable {
    /// URL-safe id, e.g. `qiantang`.
    public let id: String
    public let name: LocalizedText
    public let kind: SiteKind
    /// IANA time-zone identifier; business days and opening hours are read in it.
    public let timeZone: String
    public let services: [Service]
    public let counters: [Counter]
    public let rules: QueueRules
    /// How its calls are spoken.
    public let announce: AnnouncementStyle
    /// For an inspection office: its checklist and rules (`nil` for a tax hall).
    public let inspection: InspectionRules?
    /// Who is told of its ticket events.
    public let webhooks: [WebhookEndpoint]
    /// Where its paper tickets are printed (staff's F9), if anywhere.
    public let printer: PrinterSettings?
    /// Check-in and no-show rules for its booked slots.
    public let booking: BookingRules
    /// Its touch-screen kiosk.
    public let kiosk: KioskSettings
    /// What visitors who opt in are sent, and by which channels (`nil`: nothing is sent).
    public let notices: NoticeRules?

    public init(
        id: String, name: LocalizedText, kind: SiteKind = .taxHall, timeZone: String = "Asia/Shanghai", services: [Service],
        counters: [Counter], rules: QueueRules = QueueRules(), announce: AnnouncementStyle = AnnouncementStyle(),
        inspection: InspectionRules? = nil, webhooks: [WebhookEndpoint] = [], printer: PrinterSettings? = nil,
        booking: BookingRules = BookingRules(), kiosk: KioskSettings = KioskSettings(), notices: NoticeRules? = nil
    ) {
        self.id = id
        self.name = name
        self.kind = kind
        self.timeZone = timeZone
        self.services = services
        self.counters = counters
        self.rules = rules
        self.announce = announce
        self.inspection = inspection
        self.webhooks = webhooks
        self.printer = printer
        self.booking = booking
        self.kiosk = kiosk
        self.notices = notices
    }

    enum CodingKeys: String, CodingKey {
        case id, name, kind, timeZone, services, counters, rules, announce, inspection, webhooks, printer, booking, kiosk, notices
    }

    /// Decodes a stored definition; one written before calls were spoken has the default style.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try container.decode(String.self, forKey: .id), name: try container.decode(LocalizedText.self, forKey: .name),
            kind: try container.decode(SiteKind.self, forKey: .kind), timeZone: try container.decode(String.self, forKey: .timeZone),
            services: try container.decode([Service].self, forKey: .services), counters: try container.decode([Counter].self, forKey: .counters),
            rules: try container.decode(QueueRules.self, forKey: .rules),
            announce: try container.decodeIfPresent(AnnouncementStyle.self, forKey: .announce) ?? AnnouncementStyle(),
            inspection: try container.decodeIfPresent(InspectionRules.self, forKey: .inspection),
            webhooks: try container.decodeIfPresent([WebhookEndpoint].self, forKey: .webhooks) ?? [],
            printer: try container.decodeIfPresent(PrinterSettings.self, forKey: .printer),
            booking: try container.decodeIfPresent(BookingRules.self, forKey: .booking) ?? BookingRules(),
            kiosk: try container.decodeIfPresent(KioskSettings.self, forKey: .kiosk) ?? KioskSettings(),
            notices: try container.decodeIfPresent(NoticeRules.self, forKey: .notices))
    }

    /// The site's time zone (UTC if the identifier is unknown; configuration validation rejects those).
    public var zone: TimeZone { TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")! }

    /// The business day an instant falls on at this site.
    public func businessDay(at date: Date) -> BusinessDay { BusinessDay(date, in: zone) }

    /// A service by id or by its prefix letter (case-insensitive).
    public func service(_ key: String) -> Service? {
        services.first { $0.id == key } ?? services.first { $0.prefix.caseInsensitiveCompare(key) == .orderedSame }
    }

    /// A counter by number.
    public func counter(_ id: Int) -> Counter? { counters.first { $0.id == id } }

    /// The counters that serve a service.
    public func counters(serving serviceID: String) -> [Counter] { counters.filter { $0.services.contains(serviceID) } }
}

/// Queue rules of a site; the defaults follow common tax-hall practice (see domain.md).
public struct QueueRules: Hashable, Sendable, Codable {
    /// After this many priority calls in a row at a counter, one normal ticket is called.
    public var priorityBurst: Int
    /// Recalls needed after the first call before a ticket may be marked a no-show.
    public var recallsBeforeNoShow: Int
    /// Seconds after the last call before a ticket may be marked a no-show.
    public var noShowGraceSeconds: Int
    /// A reactivated no-show goes this many places behind the head of its queue.
    public var reactivationOffset: Int
    /// Whether numbers may be taken without being in the hall (remote tickets).
    public var allowRemote: Bool
    public var presence: PresenceMode

    public init(
        priorityBurst: Int = 2, recallsBeforeNoShow: Int = 2, noShowGraceSeconds: Int = 60, reactivationOffset: Int = 3,
        allowRemote: Bool = true, presence: PresenceMode = .rotating
    ) {
        self.priorityBurst = priorityBurst
        self.recallsBeforeNoShow = recallsBeforeNoShow
        self.noShowGraceSeconds = noShowGraceSeconds
        self.reactivationOffset = reactivationOffset
        self.allowRemote = allowRemote
        self.presence = presence
    }
}
