import Foundation
import Notify
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
    /// - Parameter environment: When given, the secrets the file names (`*_env`, `*_file`) are
    ///   read from it too, and a missing one is named with the file's other problems, in one run.
    public static func load(path: String, environment: [String: String]? = nil) throws(ConfigError) -> ConfigFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(source: path, issues: [ConfigIssue("(file)", "cannot read: \(error.localizedDescription)")])
        }
        return try parse(text, source: path, environment: environment)
    }

    /// Decodes and validates YAML text.
    /// - Parameters:
    ///   - source: Names the text in messages (a file path, or "built-in demo").
    ///   - environment: See ``load(path:environment:)``.
    /// - Throws: ``ConfigError``.
    public static func parse(_ text: String, source: String, environment: [String: String]? = nil) throws(ConfigError) -> ConfigFile {
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
        // Every problem in one run: a value that does not decode is reported, taken out, and the
        // rest decoded again, so six typos take one round, not three.
        var working = node
        var issues: [ConfigIssue] = []
        // Entries taken out of lists, in order: the list's path and the entry's index then, so a
        // later problem is named at its place in the file, not at its place after the removals.
        var dropped: [(list: [any CodingKey], index: Int)] = []
        func same(_ a: any CodingKey, _ b: any CodingKey) -> Bool { a.intValue.map { $0 == b.intValue } ?? (a.stringValue == b.stringValue) }
        func original(_ keys: [any CodingKey]) -> [any CodingKey] {
            var keys = keys
            for removal in dropped.reversed() where keys.count > removal.list.count {
                guard zip(keys, removal.list).allSatisfy({ same($0, $1) }), let index = keys[removal.list.count].intValue,
                    index >= removal.index
                else { continue }
                keys[removal.list.count] = ListIndex(index + 1)
            }
            return keys
        }
        var entryDropped = false
        var decoded: ConfigFile?
        // A missing required key is filled with a stand-in (text, a number, a section, a list: the
        // first that decodes), so its entry stays and every other value in the file is still
        // checked; what the checks say about the stand-in itself is not reported.
        var standIns: [(keys: [String], path: String, tried: Int)] = []
        func keyNames(_ keys: [any CodingKey]) -> [String] { keys.map { $0.intValue.map { "#\($0)" } ?? $0.stringValue } }
        for _ in 0..<200 {
            do {
                decoded = try YAMLDecoder().decode(ConfigFile.self, from: working)
                break
            } catch let error as DecodingError {
                if case .keyNotFound(let key, let context) = error, dropped.isEmpty,
                    let filled = filling(working, at: context.codingPath, key: key.stringValue, with: standInValues[0])
                {
                    let found = issue(for: error, original: original)
                    if !issues.contains(where: { $0.path == found.path }) { issues.append(found) }
                    standIns.append((keyNames(context.codingPath + [key]), found.path, 0))
                    working = filled
                    continue
                }
                // A stand-in of the wrong kind: the next one.
                let keys = Self.path(of: error)
                if let last = keys.last, let at = standIns.lastIndex(where: { $0.keys == keyNames(keys) }),
                    standIns[at].tried + 1 < standInValues.count,
                    let filled = filling(working, at: Array(keys.dropLast()), key: last.stringValue, with: standInValues[standIns[at].tried + 1])
                {
                    standIns[at].tried += 1
                    working = filled
                    continue
                }
                let found = issue(for: error, original: original)
                if !issues.contains(where: { $0.path == found.path }) { issues.append(found) }
                guard let (next, element, wasEntry) = removing(error, from: working) else { break }
                working = next
                if let element, let index = element.last?.intValue {
                    dropped.append((Array(element.dropLast()), index))
                }
                entryDropped = entryDropped || wasEntry
            } catch {
                issues.append(ConfigIssue("(document)", String(describing: error)))
                break
            }
        }
        if let decoded, !entryDropped {
            issues += unknownKeys(in: working, canonical: decoded)
            let standing = standIns.map(\.path)
            issues += ConfigValidator.validate(decoded).filter { found in
                !standing.contains { found.path == $0 || found.path.hasPrefix($0 + ".") || found.path.hasPrefix($0 + "[") }
            }
            // (Not while a required notify key is missing: its stand-in would be named as a bad value.)
            if let environment, !standing.contains(where: { $0.hasPrefix("notify.") }) {
                // What only the secrets tell (the provider's set-up read as the daemon will read it).
                for found in notifyIssues(decoded, environment: environment) where !issues.contains(found) { issues.append(found) }
            }
        } else {
            // A whole entry was taken out (later entries' numbers moved): the checks between
            // entries wait for the next run; keys no setting has anywhere are still named.
            issues += unknownKeyNames(in: node)
        }
        guard let decoded, issues.isEmpty else { throw fail(issues) }
        return decoded
    }

    /// Stand-ins for a missing required key, tried in turn until one decodes.
    static var standInValues: [Node] {
        [
            .scalar(.init("\u{1}missing")), .scalar(.init("0")), .mapping(.init([])), .sequence(.init([])),
        ]
    }

    /// Where a decoding error points.
    static func path(of error: DecodingError) -> [any CodingKey] {
        switch error {
        case .keyNotFound(let key, let context): context.codingPath + [key]
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): context.codingPath
        @unknown default: []
        }
    }

    /// The node with `key` set to `value` in the mapping at `path`; `nil` when there is no mapping there.
    static func filling(_ node: Node, at path: [any CodingKey], key: String, with value: Node) -> Node? {
        guard let first = path.first else {
            guard case .mapping(var mapping) = node else { return nil }
            mapping[.scalar(.init(key))] = value
            return .mapping(mapping)
        }
        switch node {
        case .mapping(var mapping):
            guard let index = mapping.firstIndex(where: { $0.key.string == first.stringValue }),
                let child = filling(mapping[index].value, at: Array(path.dropFirst()), key: key, with: value)
            else { return nil }
            mapping[mapping[index].key] = child
            return .mapping(mapping)
        case .sequence(let sequence):
            guard let position = first.intValue, position < sequence.count else { return nil }
            var nodes = Array(sequence)
            guard let child = filling(nodes[position], at: Array(path.dropFirst()), key: key, with: value) else { return nil }
            nodes[position] = child
            return .sequence(Node.Sequence(nodes, sequence.tag, sequence.style, sequence.mark))
        default:
            return nil
        }
    }

    /// The node without what a decoding error points at: the value for a bad value, the entry
    /// missing a required key. `nil` when nothing can be taken out (the document itself).
    /// - Returns: The node, the path of the list element taken out (if one was: later elements'
    ///   numbers moved), and whether it was an entry (a mapping: the checks between entries wait).
    static func removing(_ error: DecodingError, from node: Node) -> (Node, [any CodingKey]?, Bool)? {
        let path: [any CodingKey]
        switch error {
        case .keyNotFound(_, let context): path = context.codingPath
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): path = context.codingPath
        @unknown default: return nil
        }
        guard !path.isEmpty else { return nil }
        var droppedEntry = false
        var target = path
        func remove(_ node: Node, _ rest: ArraySlice<any CodingKey>) -> Node? {
            guard let key = rest.first else { return nil }
            let last = rest.count == 1
            switch node {
            case .mapping(var mapping):
                guard let index = mapping.firstIndex(where: { $0.key.string == key.stringValue }) else { return nil }
                if last {
                    var pairs = Array(mapping)
                    pairs.remove(at: mapping.distance(from: mapping.startIndex, to: index))
                    return .mapping(Node.Mapping(pairs.map { ($0.key, $0.value) }, mapping.tag, mapping.style, mapping.mark))
                }
                guard let child = remove(mapping[index].value, rest.dropFirst()) else { return nil }
                mapping[mapping[index].key] = child
                return .mapping(mapping)
            case .sequence(let sequence):
                guard let position = key.intValue, position < sequence.count else { return nil }
                var nodes = Array(sequence)
                if last {
                    if case .mapping = nodes[position] { droppedEntry = true }
                    nodes.remove(at: position)
                } else {
                    guard let child = remove(nodes[position], rest.dropFirst()) else { return nil }
                    nodes[position] = child
                }
                return .sequence(Node.Sequence(nodes, sequence.tag, sequence.style, sequence.mark))
            default:
                return nil
            }
        }
        // A missing required key takes out the list entry that lacks it (or the section, outside lists).
        if case .keyNotFound = error, let last = target.lastIndex(where: { $0.intValue != nil }) {
            target = Array(target[...last])
        }
        guard let result = remove(node, target[...]) else { return nil }
        return (result, target.last?.intValue != nil ? target : nil, droppedEntry)
    }

    /// Keys that no setting anywhere is called (the check when the file could not be decoded whole).
    static func unknownKeyNames(in node: Node) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        func walk(_ node: Node, _ path: String) {
            switch node {
            case .mapping(let mapping):
                for (key, value) in mapping {
                    let name = key.string ?? "?"
                    let child = path.isEmpty ? name : "\(path).\(name)"
                    if ConfigFile.knownKeys.contains(name) {
                        walk(value, child)
                    } else {
                        issues.append(ConfigIssue(child, "unknown setting (check the spelling)"))
                    }
                }
            case .sequence(let sequence):
                for (index, value) in sequence.enumerated() { walk(value, "\(path)[\(index)]") }
            default:
                break
            }
        }
        walk(node, "")
        return issues
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

    /// - Parameter original: Maps a path in the node decoded to the same place in the file as written.
    static func issue(for error: DecodingError, original: ([any CodingKey]) -> [any CodingKey] = { $0 }) -> ConfigIssue {
        switch error {
        case .keyNotFound(let key, let context):
            return ConfigIssue(path(original(context.codingPath + [key])), "is required")
        case .valueNotFound(let type, let context):
            return ConfigIssue(path(original(context.codingPath)), "needs a value (\(describe(type)))")
        case .typeMismatch(let type, let context):
            return ConfigIssue(path(original(context.codingPath)), "must be \(describe(type))")
        case .dataCorrupted(let context):
            return ConfigIssue(path(original(context.codingPath)), plain(context.debugDescription))
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
            ("NoticeChannel", NoticeChannel.allCases.map(\.rawValue)), ("Kind", NoticeRules.Kind.allCases.map(\.rawValue)),
            ("BodyEncoding", ["json", "form", "raw"]), ("Encoding", ["hex", "base64"]),
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

/// A list index in a coding path (for naming a problem at its place in the file).
struct ListIndex: CodingKey {
    let intValue: Int?
    var stringValue: String { String(intValue ?? 0) }
    init(_ index: Int) { intValue = index }
    init?(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}

extension ConfigLoader {
    /// The problems of `notify` that reading its secrets finds (``SMSTransport/resolve(_:environment:)``).
    static func notifyIssues(_ file: ConfigFile, environment: [String: String]) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        if let sms = file.notify?.sms {
            do { _ = try SMSTransport.resolve(sms, environment: environment) } catch { issues += error.issues }
        }
        if let wechat = file.notify?.wechat {
            do { _ = try WeChatTransport.resolve(wechat, environment: environment) } catch { issues += error.issues }
        }
        return issues
    }
}
