import Foundation

/// Language of user-facing text.
public enum Language: String, CaseIterable, Sendable {
    case zhCN = "zh-CN"
    case en

    /// Picks the best language from an `Accept-Language` header; zh-CN when nothing matches.
    /// - Parameter header: The header value, e.g. `en-US,en;q=0.9`.
    public static func preferred(acceptLanguage header: String?) -> Language {
        guard let header else { return .zhCN }
        let ranked =
            header.split(separator: ",")
            .map { part -> (tag: String, q: Double) in
                let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                let q = pieces.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
                return (pieces.first?.lowercased() ?? "", q)
            }
            .sorted { $0.q > $1.q }
        for entry in ranked where entry.q > 0 {
            if entry.tag.hasPrefix("zh") { return .zhCN }
            if entry.tag.hasPrefix("en") { return .en }
        }
        return .zhCN
    }
}

/// Message templates per language, loaded from one JSON file per language
/// (`Resources/i18n/<language>.json`): `{ "ticket.not_found": "…{number}…" }`.
public struct Catalogue: Sendable {
    /// The language of this catalogue.
    public let language: Language
    private let templates: [String: String]

    /// The zh-CN catalogue.
    public static let chinese = Catalogue(loading: .zhCN)
    /// The English catalogue.
    public static let english = Catalogue(loading: .en)

    /// The catalogue of a language.
    public static func of(_ language: Language) -> Catalogue {
        switch language {
        case .zhCN: chinese
        case .en: english
        }
    }

    init(loading language: Language) {
        self.language = language
        // The catalogues are compiled into the binary; a broken one is a packaging bug, caught
        // by the catalogue tests, so it is fatal here rather than silently empty.
        let bytes =
            switch language {
            case .zhCN: PackageResources.zh_CN_json
            case .en: PackageResources.en_json
            }
        guard let table = try? JSONDecoder().decode([String: String].self, from: Data(bytes)) else {
            fatalError("message catalogue \(language.rawValue).json is missing or invalid")
        }
        self.templates = table
    }

    /// The template for a key, if the catalogue has one.
    public func template(_ key: String) -> String? { templates[key] }

    /// The entries under a prefix, with the prefix removed and dots turned into underscores
    /// (`ui.take.title` → `take_title`): ready for templates.
    public func entries(withPrefix prefix: String) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in templates where key.hasPrefix(prefix) {
            result[String(key.dropFirst(prefix.count)).replacingOccurrences(of: ".", with: "_")] = value
        }
        return result
    }

    /// All keys of the catalogue.
    public var keys: Set<String> { Set(templates.keys) }

    /// The localized message of an error, with its parameters filled in.
    ///
    /// Parameters named in ``localizedParameters`` hold codes (`state`: `waiting`) and are
    /// themselves looked up (`state.waiting`), so messages read naturally in each language.
    public func message(for error: QuhaoError) -> String {
        // A refusal said in one of its forms (`form`: the parts that apply; `ticket.no_show_too_early.seconds`).
        let template =
            error.parameters["form"].flatMap { templates["\(error.code.rawValue).\($0)"] } ?? templates[error.code.rawValue] ?? error.code.rawValue
        var values = error.parameters.filter { !$0.key.contains("@") }
        // A parameter may carry a per-language form: `service@en` is used for `{service}` in English.
        for (key, value) in error.parameters where key.hasSuffix("@\(language.rawValue)") {
            values[String(key.dropLast(language.rawValue.count + 1))] = value
        }
        for name in Self.localizedParameters {
            if let code = values[name], let text = templates["\(name).\(code)"] { values[name] = text }
        }
        return Self.fill(template, with: values)
    }

    /// Parameter names whose values are codes with their own catalogue entries.
    public static let localizedParameters = ["state", "action", "kind", "accepted", "reason"]

    /// Replaces `{name}` placeholders with values.
    public static func fill(_ template: String, with values: [String: String]) -> String {
        var text = template
        for (name, value) in values {
            text = text.replacingOccurrences(of: "{\(name)}", with: value)
        }
        // A value nobody gave never reaches a page as "{name}" (a test keeps the call sites giving them).
        return text.replacing(#/\{[a-z_]+(@en)?\}/#, with: "")
    }
}
