import Crypto
import Foundation

/// A Chinese SMS provider's HTTP API described as data (issue 23): where to send, how, the headers
/// and body with the message's parts put in, and an optional request signature (HMAC over named
/// parts), so any provider can be configured without code. This is the request only; sending,
/// retries and the outbox are the deliverer's.
///
/// Placeholders, in double braces: `{{phone}}`, `{{number}}` (the ticket's), `{{window}}`, `{{text}}`
/// (the message), `{{id}}` (the message's idempotency key, the same on every attempt), `{{kind}}`
/// (taken, near, called, recalled), `{{template}}` (the provider's template code for the kind),
/// `{{link}}` (the ticket's page), `{{site}}` (the hall's name), `{{code}}` (a take-over code), `{{key}}` (the provider's API key),
/// `{{timestamp}}` (Unix seconds), `{{nonce}}`, and in headers also `{{signature}}`. In the body each value is encoded
/// for ``BodyEncoding``; in the URL it is percent-encoded; a header value never takes a line break.
public struct SMSTemplate: Sendable, Hashable, Codable {
    public var url: String
    public var method: String
    /// Header names and values (in this order), with placeholders.
    public var headers: [Header]
    public var body: String
    public var bodyEncoding: BodyEncoding
    public var signature: Signature?
    /// The provider's API key, for `{{key}}` (from the environment or a file; never logged).
    public var key: String

    public struct Header: Sendable, Hashable, Codable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// How a value is written into the body.
    public enum BodyEncoding: String, Sendable, Hashable, Codable {
        /// Inside a JSON string (the template holds the quotes): `"` `\` and control characters escaped.
        case json
        /// `application/x-www-form-urlencoded`: percent-encoded, space as `%20`.
        case form
        /// As it is (XML-free providers only; a value with `<` or `&` is refused).
        case raw
    }

    /// The request's signature: HMAC-SHA256 under the provider's secret over the named parts joined
    /// by `separator`, written as hex or Base64 (with an optional prefix) into `{{signature}}`.
    public struct Signature: Sendable, Hashable, Codable {
        /// The parts signed, in order: templates like `{{timestamp}}`, `{{nonce}}`, `{{body}}` (the body
        /// as sent), `{{method}}`, `{{path}}` (the URL's path and query).
        public var parts: [String]
        public var separator: String
        public var encoding: Encoding
        public var prefix: String
        /// The key (from the environment or a file, never the configuration's text; never logged).
        public var secret: String

        public enum Encoding: String, Sendable, Hashable, Codable { case hex, base64 }

        public init(parts: [String], separator: String = "\n", encoding: Encoding = .hex, prefix: String = "", secret: String) {
            self.parts = parts
            self.separator = separator
            self.encoding = encoding
            self.prefix = prefix
            self.secret = secret
        }
    }

    public init(
        url: String, method: String = "POST", headers: [Header] = [], body: String, bodyEncoding: BodyEncoding, signature: Signature? = nil,
        key: String = ""
    ) {
        self.key = key
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.bodyEncoding = bodyEncoding
        self.signature = signature
    }

    /// One message to one phone.
    public struct Message: Sendable, Hashable {
        public var phone: String
        public var number: String
        public var window: String
        public var text: String
        public var id: String
        public var kind: String
        public var template: String
        public var link: String
        public var site: String
        /// A take-over code (`{{code}}`), empty for other messages.
        public var code: String

        public init(
            phone: String, number: String, window: String = "", text: String, id: String = "", kind: String = "", template: String = "",
            link: String = "", site: String = "", code: String = ""
        ) {
            self.code = code
            self.phone = phone
            self.number = number
            self.window = window
            self.text = text
            self.id = id
            self.kind = kind
            self.template = template
            self.link = link
            self.site = site
        }
    }

    /// The request to send.
    public struct Request: Sendable, Hashable {
        public let method: String
        public let url: String
        public let headers: [Header]
        public let body: Data
    }

    /// Why a template cannot make a request for a message.
    public struct Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        public let description: String
    }

    /// The placeholders of a text that no message has (a typo, like `{{phnoe}}`), in order.
    /// - Parameter signature: Whether the text may hold `{{signature}}` (a header) or the signed parts' own (`{{body}}` …).
    public static func unknownPlaceholders(in text: String, header: Bool = false, signed: Bool = false) -> [String] {
        var known = messagePlaceholders
        if header { known.insert("signature") }
        if signed { known.formUnion(signedPlaceholders) }
        return text.matches(of: /\{\{\s*([^}]*?)\s*\}\}/).map { String($0.output.1) }.filter { !known.contains($0) }
    }

    /// Whether the template makes a request at all: every placeholder known, the URL http(s)
    /// (`check-config` and the start ask, with a message of stand-in values).
    public func check() throws {
        _ = try request(for: Self.standIn, at: Date(timeIntervalSince1970: 0), nonce: "n")
    }

    /// A message of stand-in values, for checking a template.
    static let standIn = Message(
        phone: "13800000000", number: "A001", window: "1", text: "t", id: "ntc_0", kind: "near", template: "T", link: "http://h/t/x")

    /// Every placeholder a text may hold: the names ``values(for:key:at:nonce:)`` fills (one list).
    static let messagePlaceholders = Set(values(for: standIn, key: "", at: Date(timeIntervalSince1970: 0), nonce: "").keys)

    /// What the signed parts may hold besides: the request's own body, method and path.
    static let signedPlaceholders: Set<String> = ["body", "method", "path"]

    /// A message's values by placeholder name, with the provider's key, the moment and the nonce.
    static func values(for message: Message, key: String, at moment: Date, nonce: String) -> [String: String] {
        [
            "phone": message.phone, "number": message.number, "window": message.window, "text": message.text, "id": message.id,
            "kind": message.kind, "template": message.template, "link": message.link, "site": message.site, "key": key, "code": message.code,
            "timestamp": String(Int64(moment.timeIntervalSince1970)), "nonce": nonce,
        ]
    }

    /// The request for a message at a moment, with a nonce (both given, so a test can check every byte).
    public func request(for message: Message, at moment: Date, nonce: String) throws -> Request {
        var values = Self.values(for: message, key: key, at: moment, nonce: nonce)
        let body = try Self.fill(body, values) { try encode($0) }
        let url = try Self.fill(url, values) { $0.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? "" }
        guard let parsed = URL(string: url), let scheme = parsed.scheme, ["http", "https"].contains(scheme.lowercased()) else {
            throw Refusal(description: "the SMS URL is not an http(s) address: \(url)")
        }
        if let signature {
            let own = [
                "body": body, "method": method.uppercased(), "path": parsed.path.isEmpty ? "/" : parsed.path + (parsed.query.map { "?" + $0 } ?? ""),
            ]
            assert(Set(own.keys) == Self.signedPlaceholders)
            values.merge(own) { _, signed in signed }
            let signed = try signature.parts.map { try Self.fill($0, values) { $0 } }.joined(separator: signature.separator)
            let mac = HMAC<SHA256>.authenticationCode(for: Data(signed.utf8), using: SymmetricKey(data: Data(signature.secret.utf8)))
            let written =
                switch signature.encoding {
                case .hex: mac.map { String(format: "%02x", $0) }.joined()
                case .base64: Data(mac).base64EncodedString()
                }
            values["signature"] = signature.prefix + written
        }
        let headers = try headers.map { header in
            let value = try Self.fill(header.value, values) { $0 }
            // By scalars: "\r\n" is one Character in Swift, equal to neither "\r" nor "\n".
            guard !value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }),
                !header.name.contains(where: { $0 == ":" || $0.isWhitespace })
            else {
                throw Refusal(description: "header \(header.name) would carry a line break or a bad name")
            }
            return Header(header.name, value)
        }
        return Request(method: method.uppercased(), url: url, headers: headers, body: Data(body.utf8))
    }

    private func encode(_ value: String) throws -> String {
        switch bodyEncoding {
        case .json:
            var out = ""
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out
        case .form:
            return value.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? ""
        case .raw:
            guard !value.contains(where: { "<>&\"".contains($0) }) else { throw Refusal(description: "a raw body cannot carry < > & or \"") }
            return value
        }
    }

    /// RFC 3986's unreserved characters: everything else is percent-encoded.
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// Replaces each `{{name}}` by its value, encoded (double braces: a JSON body's own braces stay);
    /// an unknown name is refused (a typo would otherwise be sent as it is).
    static func fill(_ template: String, _ values: [String: String], _ encode: (String) throws -> String) throws -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                out += rest[open.lowerBound...]
                return out
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            guard let value = values[name] else { throw Refusal(description: "unknown placeholder {{\(name)}}") }
            out += try encode(value)
            rest = rest[close.upperBound...]
        }
        out += rest
        return out
    }
}
