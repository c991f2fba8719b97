import Foundation
import QuhaoCore
import Yams

/// One problem in a configuration file, named by its path (`sites[0].services[2].prefix`).
public struct ConfigIssue: Error, Hashable, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String

    public init(_ path: String, _ reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}

/// All problems found in a configuration file.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public let source: String
    public let issues: [ConfigIssue]

    public var description: String {
        issues.map { "\(source): \($0)" }.joined(separator: "\n")
    }
}

/// Reads, checks and validates configuration files.
public enum ConfigLoader {
    /// The built-in demo: a Qiantang tax hall and a canteen-inspection office.
    /// `config/quhao.yaml`, compiled into the binary (Sources/QuhaoConfig/Resources/demo.yaml links to it).
    public static var demoYAML: String { String(decoding: PackageResources.demo_yaml, as: UTF8.self) }

    /// Loads a file.
    /// - Throws: ``ConfigError`` naming the file and each problem's path.
    public static func load(path: String) throws(ConfigError) -> ConfigFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(source: path, issues: [ConfigIssue("(file)", "cannot read: \(error.localizedDescription)")])
        }
        return try parse(text, source: path)
    }

    /// Decodes and validates YAML text.
    /// - Parameter source: Names the text in messages (a file path, or "built-in demo").
    /// - Throws: ``ConfigError``.
    public static func parse(_ text: String, source: String) throws(ConfigError) -> ConfigFile {
        let fail = { (issues: [ConfigIssue]) in ConfigError(source: source, issues: issues) }
        let node: Node
        do {
            guard let composed = try Yams.compose(yaml: text) else { throw fail([ConfigIssue("(document)", "the file is empty")]) }
            node = composed
        } catch let error as ConfigError {
            throw error
        } catch {
            throw fail([ConfigIssue("(syntax)", "YAML syntax error at " + String(describing: error).trimmingCharacters(in: .newlines))])
        }
        let file: ConfigFile
        do {
            file = try YAMLDecoder().decode(ConfigFile.self, from: node)
        } catch let error as DecodingError {
            throw fail([issue(for: error)])
        } catch {
            throw fail([ConfigIssue("(document)", String(describing: error))])
        }
        var issues = unknownKeys(in: node, canonical: file)
        issues += ConfigValidator.validate(file)
        guard issues.isEmpty else { throw fail(issues) }
        return file
    }

    // MARK: - Decoding errors as paths

    static func path(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text.isEmpty ? "(document)" : text
    }

    static func issue(for error: DecodingError) -> ConfigIssue {
        switch error {
        case .keyNotFound(let key, let context):
            return ConfigIssue(path(context.codingPath + [key]), "is required")
        case .valueNotFound(let type, let context):
            return ConfigIssue(path(context.codingPath), "needs a value (\(describe(type)))")
        case .typeMismatch(let type, let context):
            return ConfigIssue(path(context.codingPath), "must be \(describe(type))")
        case .dataCorrupted(let context):
            return ConfigIssue(path(context.codingPath), plain(context.debugDescription))
        @unknown default:
            return ConfigIssue("(document)", String(describing: error))
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: "a whole number"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        case is String.Type: "text"
        case is [Any].Type: "a list"
        default: "a \(type)".replacingOccurrences(of: "Entry", with: "").replacingOccurrences(of: "Array<", with: "list of ")
        }
    }

    /// Makes decoder messages about enums readable: names the allowed values.
    static func plain(_ message: String) -> String {
        let allowed: [(String, [String])] = [
            ("SiteKind", SiteKind.allCases.map(\.rawValue)), ("PresenceMode", PresenceMode.allCases.map(\.rawValue)),
            ("IdentityRequirement", IdentityRequirement.allCases.map(\.rawValue)),
            ("FieldRequirement", FieldRequirement.allCases.map(\.rawValue)), ("CallOrder", CallOrder.allCases.map(\.rawValue)),
            ("Weekday", Weekday.allCases.map(\.rawValue)),
            ("Language", AnnouncementStyle.Language.allCases.map(\.rawValue)), ("Reading", AnnouncementStyle.Reading.allCases.map(\.rawValue)),
        ]
        for (type, values) in allowed where message.contains(type) {
            return "must be one of: \(values.joined(separator: ", "))"
        }
        return message
    }

    // MARK: - Unknown keys

    /// Keys in the file that no setting reads (usually typos: `daily_capp`). Found by comparing
    /// the file with the decoded value encoded back: every key written must come back.
    static func unknownKeys(in node: Node, canonical file: ConfigFile) -> [ConfigIssue] {
        guard let text = try? YAMLEncoder().encode(file), let known = try? Yams.compose(yaml: text) else { return [] }
        var issues: [ConfigIssue] = []
        func walk(_ written: Node, _ known: Node?, _ path: String) {
            switch written {
            case .mapping(let mapping):
                let knownMapping = known?.mapping
                for (key, value) in mapping {
                    let name = key.string ?? "?"
                    let child = path.isEmpty ? name : "\(path).\(name)"
                    if let knownValue = knownMapping?[name] {
                        walk(value, knownValue, child)
                    } else if case .scalar(let scalar) = value, scalar.string == "~" || scalar.string == "null" || scalar.string.isEmpty {
                        // An explicit empty value for an optional setting is fine; a stray word usually
                        // comes from an unquoted comma inside { … }.
                        if !ConfigFile.knownKeys.contains(name) {
                            issues.append(ConfigIssue(child, "unknown setting (inside { … } a comma ends a value: quote text that contains commas)"))
                        }
                    } else {
                        issues.append(ConfigIssue(child, "unknown setting (check the spelling)"))
                    }
                }
            case .sequence(let sequence):
                let knownSequence = known?.sequence.map(Array.init) ?? []
                for (index, value) in sequence.enumerated() {
                    walk(value, index < knownSequence.count ? knownSequence[index] : nil, "\(path)[\(index)]")
                }
            default:
                break
            }
        }
        walk(node, known, "")
        return issues
    }
}
