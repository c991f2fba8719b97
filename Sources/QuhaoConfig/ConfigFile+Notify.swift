import Foundation
import Notify
import QuhaoCore

extension ConfigFile {
    /// `notify`: how this daemon reaches visitors (the providers; which sites use them and for
    /// what is each site's `notices`). Secrets are never written here: `*_env` names an environment
    /// variable and `*_file` a file that holds them.
    public struct NotifySection: Codable, Sendable, Equatable {
        public var sms: SMSEntry?
        public var wechat: WeChatEntry?

        enum CodingKeys: String, CodingKey, CaseIterable { case sms, wechat }
    }

    /// `notify.wechat`: the official account's one-time subscription messages (``WeChatTransport``).
    public struct WeChatEntry: Codable, Sendable, Equatable {
        public var appID: String
        /// The subscription message's template id (一次性订阅消息).
        public var templateID: String
        public var secretEnv: String?
        public var secretFile: String?
        /// `https://api.weixin.qq.com` and `https://mp.weixin.qq.com` unless given (a test's fake server).
        public var baseURL: String?
        public var confirmURL: String?
        public var perMinute: Int?
        public var timeoutSeconds: Int?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case appID = "app_id"
            case templateID = "template_id"
            case secretEnv = "secret_env"
            case secretFile = "secret_file"
            case baseURL = "base_url"
            case confirmURL = "confirm_url"
            case perMinute = "per_minute"
            case timeoutSeconds = "timeout_seconds"
        }
    }

    /// `notify.sms`: the provider's HTTP API as data (``SMSTemplate``).
    public struct SMSEntry: Codable, Sendable, Equatable {
        public var url: String
        public var method: String?
        public var headers: [HeaderEntry]?
        public var body: String
        /// json, form or raw.
        public var bodyEncoding: SMSTemplate.BodyEncoding?
        public var signature: SignatureEntry?
        /// The API key for `{{key}}`: an environment variable's name, or a file.
        public var keyEnv: String?
        public var keyFile: String?
        /// The provider's template code per message kind (`{{template}}`): `{near: SMS_1234}`.
        public var templates: [String: String]?
        /// What counts as accepted (else any 2xx).
        public var accept: AcceptEntry?
        /// Requests a minute at most (the provider's own limit).
        public var perMinute: Int?
        public var timeoutSeconds: Int?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case url, method, headers, body, signature, templates, accept
            case bodyEncoding = "body_encoding"
            case keyEnv = "key_env"
            case keyFile = "key_file"
            case perMinute = "per_minute"
            case timeoutSeconds = "timeout_seconds"
        }
    }

    public struct HeaderEntry: Codable, Sendable, Equatable {
        public var name: String
        public var value: String

        enum CodingKeys: String, CodingKey, CaseIterable { case name, value }
    }

    /// `notify.sms.signature` (``SMSTemplate/Signature``); the secret from `secret_env` or `secret_file`.
    public struct SignatureEntry: Codable, Sendable, Equatable {
        public var parts: [String]
        public var separator: String?
        public var encoding: SMSTemplate.Signature.Encoding?
        public var prefix: String?
        public var secretEnv: String?
        public var secretFile: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case parts, separator, encoding, prefix
            case secretEnv = "secret_env"
            case secretFile = "secret_file"
        }
    }

    /// A provider that answers 200 to a refused message: the JSON field that says it was taken.
    public struct AcceptEntry: Codable, Sendable, Equatable {
        /// A dotted path into the JSON answer (`Response.Error.Code`, `result.0.code`).
        public var jsonField: String
        /// Its value when the message was accepted (compared as text).
        public var equals: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case equals
            case jsonField = "json_field"
        }
    }

    /// `sites[n].notices` (``NoticeRules``).
    public struct NoticesEntry: Codable, Sendable, Equatable {
        public var channels: [NoticeChannel]
        public var kinds: [NoticeRules.Kind]?
        /// A business type's own kinds: `{A: [near, called]}`.
        public var services: [String: [NoticeRules.Kind]]?
        public var nearPlaces: Int?
        public var nearMinutes: Int?
        public var calledFreshSeconds: Int?
        public var nearFreshSeconds: Int?
        public var maxPerTicket: Int?
        /// A booking's reminder this many minutes before its slot.
        public var bookingReminderMinutes: Int?
        /// A unit's reminder this many days before a finding's due day.
        public var findingDueDays: Int?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case channels, kinds, services
            case bookingReminderMinutes = "booking_reminder_minutes"
            case findingDueDays = "finding_due_days"
            case nearPlaces = "near_places"
            case nearMinutes = "near_minutes"
            case calledFreshSeconds = "called_fresh_seconds"
            case nearFreshSeconds = "near_fresh_seconds"
            case maxPerTicket = "max_per_ticket"
        }
    }

    /// The keys of the notify sections, for the unknown-key check.
    static var notifyKeys: [String] {
        NotifySection.CodingKeys.allCases.map(\.rawValue) + SMSEntry.CodingKeys.allCases.map(\.rawValue)
            + WeChatEntry.CodingKeys.allCases.map(\.rawValue)
            + HeaderEntry.CodingKeys.allCases.map(\.rawValue) + SignatureEntry.CodingKeys.allCases.map(\.rawValue)
            + AcceptEntry.CodingKeys.allCases.map(\.rawValue) + NoticesEntry.CodingKeys.allCases.map(\.rawValue) + ["notify"]
    }

    /// A site's notice rules, defaults filled in (service keys by id or prefix).
    static func noticeRules(_ entry: NoticesEntry, services: [(id: String, prefix: String)]) -> NoticeRules {
        let defaults = NoticeRules()
        var byService: [String: Set<NoticeRules.Kind>] = [:]
        for (key, kinds) in entry.services ?? [:] {
            let id = services.first { $0.id == key || $0.prefix.caseInsensitiveCompare(key) == .orderedSame }?.id ?? key
            byService[id] = Set(kinds)
        }
        return NoticeRules(
            channels: entry.channels, kinds: entry.kinds.map(Set.init) ?? defaults.kinds, kindsByService: byService,
            nearPlaces: entry.nearPlaces ?? defaults.nearPlaces, nearMinutes: entry.nearMinutes ?? defaults.nearMinutes,
            calledFreshSeconds: entry.calledFreshSeconds.map(TimeInterval.init) ?? defaults.calledFreshSeconds,
            nearFreshSeconds: entry.nearFreshSeconds.map(TimeInterval.init) ?? defaults.nearFreshSeconds,
            maxPerTicket: entry.maxPerTicket ?? defaults.maxPerTicket,
            bookingReminderMinutes: entry.bookingReminderMinutes ?? defaults.bookingReminderMinutes,
            findingDueDays: entry.findingDueDays ?? defaults.findingDueDays)
    }
}

extension ConfigFile {
    /// A secret named by `*_env` (an environment variable) or `*_file` (a file holding it): the
    /// value, or `nil` with the problem noted at `path`.
    static func secret(env: String?, file: String?, at path: String, environment: [String: String], issues: inout [ConfigIssue]) -> String? {
        if let env {
            guard let value = environment[env], !value.isEmpty else {
                issues.append(ConfigIssue("\(path)_env", "the environment variable \(env) is not set"))
                return nil
            }
            return value
        }
        if let file {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                issues.append(ConfigIssue("\(path)_file", "cannot read \(file)"))
                return nil
            }
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if value.isEmpty { issues.append(ConfigIssue("\(path)_file", "\(file) is empty")) }
            return value
        }
        return nil
    }
}

extension WeChatTransport {
    /// Reads `notify.wechat` with its secret from the environment or a file.
    public static func resolve(_ entry: ConfigFile.WeChatEntry, environment: [String: String]) throws(ConfigError) -> WeChatTransport {
        var issues: [ConfigIssue] = []
        let secret = ConfigFile.secret(
            env: entry.secretEnv, file: entry.secretFile, at: "notify.wechat.secret", environment: environment, issues: &issues)
        if entry.secretEnv == nil && entry.secretFile == nil {
            issues.append(ConfigIssue("notify.wechat", "needs secret_env or secret_file (the AppSecret is never written in this file)"))
        }
        for (key, url) in [("base_url", entry.baseURL), ("confirm_url", entry.confirmURL)] {
            if let url, !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                issues.append(ConfigIssue("notify.wechat.\(key)", "must be an http:// or https:// address"))
            }
        }
        guard issues.isEmpty, let secret else { throw ConfigError(source: "notify", issues: issues) }
        func trimmed(_ url: String?, _ fallback: String) -> String {
            var url = url ?? fallback
            while url.hasSuffix("/") { url.removeLast() }
            // The confirmation page's own path, if given, is added by the link itself.
            if url.hasSuffix("/mp/subscribemsg") { url.removeLast("/mp/subscribemsg".count) }
            return url
        }
        return WeChatTransport(
            subscription: WeChatSubscription(
                appID: entry.appID, templateID: entry.templateID, confirmURL: trimmed(entry.confirmURL, "https://mp.weixin.qq.com")),
            secret: secret, baseURL: trimmed(entry.baseURL, "https://api.weixin.qq.com"), perMinute: entry.perMinute ?? 600,
            timeoutSeconds: entry.timeoutSeconds ?? 10)
    }
}

extension SMSTransport {
    /// Reads `notify.sms` with its secrets from the environment or files.
    /// - Throws: ``ConfigError`` naming the key when a secret is missing or the template cannot make a request.
    public static func resolve(_ entry: ConfigFile.SMSEntry, environment: [String: String]) throws(ConfigError) -> SMSTransport {
        var issues: [ConfigIssue] = []
        func secret(env: String?, file: String?, at path: String) -> String? {
            ConfigFile.secret(env: env, file: file, at: path, environment: environment, issues: &issues)
        }
        let key = secret(env: entry.keyEnv, file: entry.keyFile, at: "notify.sms.key") ?? ""
        var signature: SMSTemplate.Signature?
        if let entry = entry.signature {
            let value = secret(env: entry.secretEnv, file: entry.secretFile, at: "notify.sms.signature.secret")
            if entry.secretEnv == nil && entry.secretFile == nil {
                issues.append(ConfigIssue("notify.sms.signature", "needs secret_env or secret_file (the key is never written in this file)"))
            }
            signature = SMSTemplate.Signature(
                parts: entry.parts, separator: entry.separator ?? "\n", encoding: entry.encoding ?? .hex, prefix: entry.prefix ?? "",
                secret: value ?? "")
        }
        let template = SMSTemplate(
            url: entry.url, method: entry.method ?? "POST", headers: (entry.headers ?? []).map { SMSTemplate.Header($0.name, $0.value) },
            body: entry.body, bodyEncoding: entry.bodyEncoding ?? .json, signature: signature, key: key)
        // A typo'd placeholder named at its key; then whatever else stops a request (a URL that is not http).
        var parts: [(String, String, Bool, Bool)] = [("notify.sms.url", entry.url, false, false), ("notify.sms.body", entry.body, false, false)]
        // {{signature}} only where there is one to put (found by a walk: named at notify.sms, no header said).
        parts += (entry.headers ?? []).enumerated().map {
            ("notify.sms.headers[\($0.offset)].value", $0.element.value, entry.signature != nil, false)
        }
        parts += (entry.signature?.parts ?? []).enumerated().map { ("notify.sms.signature.parts[\($0.offset)]", $0.element, false, true) }
        let typos = parts.flatMap { path, text, header, signed in
            SMSTemplate.unknownPlaceholders(in: text, header: header, signed: signed).map {
                $0 == "signature"
                    ? ConfigIssue(path, "{{signature}} needs notify.sms.signature (the parts to sign and the secret)")
                    : ConfigIssue(path, "unknown placeholder {{\($0)}} (see the README's list)")
            }
        }
        issues += typos
        if typos.isEmpty {
            do {
                try template.check()
            } catch {
                issues.append(ConfigIssue("notify.sms", "\(error)".debugDescription.trimmingCharacters(in: CharacterSet(charactersIn: "\""))))
            }
        }
        var templates: [NoticeRules.Kind: String] = [:]
        for (name, code) in entry.templates ?? [:] {
            guard let kind = NoticeRules.Kind(rawValue: name) else {
                issues.append(
                    ConfigIssue(
                        "notify.sms.templates.\(name)", "is not a message kind: \(NoticeRules.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
                )
                continue
            }
            templates[kind] = code
        }
        guard issues.isEmpty else { throw ConfigError(source: "notify", issues: issues) }
        return SMSTransport(
            template: template, templates: templates, acceptField: entry.accept.map { AcceptField(path: $0.jsonField, equals: $0.equals) },
            perMinute: entry.perMinute ?? 60, timeoutSeconds: entry.timeoutSeconds ?? 10)
    }
}
