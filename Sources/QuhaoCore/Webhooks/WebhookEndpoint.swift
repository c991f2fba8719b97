import Foundation

/// An outside system told of a site's ticket events by HTTP POST (an SMS or WeChat template-message
/// gateway, the hall's own systems): where, with which secret its deliveries are signed, and which
/// events it wants.
public struct WebhookEndpoint: Hashable, Sendable, Codable {
    /// Names the endpoint in the status and the logs (`sms-gateway`).
    public let id: String
    /// `http://` or `https://` address the events are POSTed to.
    public let url: String
    /// The HMAC-SHA256 key of `X-Quhao-Signature` (shared with the receiver; never sent).
    public let secret: String
    /// The events it wants; empty: all of ``WebhookEvent/allCases``.
    public let events: Set<WebhookEvent>
    /// Seconds one delivery may take before it counts as failed.
    public let timeoutSeconds: Int

    public init(id: String, url: String, secret: String, events: Set<WebhookEvent> = [], timeoutSeconds: Int = 10) {
        self.id = id
        self.url = url
        self.secret = secret
        self.events = events
        self.timeoutSeconds = timeoutSeconds
    }

    /// Whether it wants this event.
    public func wants(_ event: WebhookEvent) -> Bool { events.isEmpty || events.contains(event) }
}

/// What happened to a ticket, as webhooks name it (`ticket.called`).
public enum WebhookEvent: String, Hashable, Sendable, Codable, CaseIterable {
    case issued
    case checkedIn = "checked_in"
    case called, recalled, started, completed
    case noShow = "no_show"
    case reactivated, transferred, cancelled, expired, released
    case rated

    /// The event of a ticket action (`call` → `called`).
    public init(_ action: TicketAction) {
        switch action {
        case .checkIn: self = .checkedIn
        case .call: self = .called
        case .recall: self = .recalled
        case .start: self = .started
        case .complete: self = .completed
        case .noShow: self = .noShow
        case .reactivate: self = .reactivated
        case .transfer: self = .transferred
        case .cancel: self = .cancelled
        case .expire: self = .expired
        case .release: self = .released
        }
    }

    /// The type a delivery carries: `ticket.called`.
    public var type: String { "ticket.\(rawValue)" }
}
