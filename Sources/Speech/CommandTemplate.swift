import Foundation

/// An operator's command line with placeholders (`espeak-ng -v {voice} -w {out} {text}`) for values
/// that arrive at run time, some of them from the network (a call's text read with `quhao display --url`).
///
/// No value is ever spliced into the shell string: each placeholder becomes a reference to an
/// environment variable (`{text}` → `"${QUHAO_TEXT}"`, quoted as its place in the line needs), and
/// the values travel in the command's environment. A value holding `{text}`, quotes, `$(…)` or
/// backticks is only ever data. The operator may also use `$QUHAO_TEXT` and friends directly.
public struct CommandTemplate: Sendable, Equatable {
    /// The shell script run by `/bin/sh -c`: the template with its placeholders turned into variable references.
    public let script: String
    /// The placeholders the template uses, without braces.
    public let placeholders: Set<String>

    /// Why a template cannot be used.
    public struct Problem: Error, Equatable, CustomStringConvertible {
        public let description: String

        public init(description: String) { self.description = description }
    }

    /// - Parameters:
    ///   - template: The command line as the operator wrote it.
    ///   - known: The placeholder names this command offers (`text`, `out`, …).
    /// - Throws: ``Problem`` when a placeholder sits inside single quotes (its value could not be
    ///   given there) or the template is not closed (an open quote).
    public init(_ template: String, known: [String]) throws {
        enum Quote { case none, single, double }
        var quote = Quote.none
        var script = ""
        var used: Set<String> = []
        var rest = Substring(template)
        while let character = rest.first {
            if character == "{", let name = known.first(where: { rest.hasPrefix("{\($0)}") }) {
                let variable = Self.variable(name)
                switch quote {
                case .none: script += "\"${\(variable)}\""
                case .double: script += "${\(variable)}"
                case .single:
                    throw Problem(
                        description:
                            "{\(name)} is inside single quotes, where its value cannot be given: write {\(name)} without quotes (Quhao quotes it)")
                }
                used.insert(name)
                rest = rest.dropFirst(name.count + 2)
                continue
            }
            script.append(character)
            rest = rest.dropFirst()
            switch (quote, character) {
            case (.none, "'"): quote = .single
            case (.single, "'"): quote = .none
            case (.none, "\""): quote = .double
            case (.double, "\""): quote = .none
            case (.none, "\\"), (.double, "\\"):
                // The escaped character is copied as it is: an escaped quote opens nothing.
                if let next = rest.first {
                    script.append(next)
                    rest = rest.dropFirst()
                }
            default: break
            }
        }
        guard quote == .none else { throw Problem(description: "a quote is opened and never closed") }
        self.script = script
        self.placeholders = used
    }

    /// The environment variable that carries a placeholder's value (`text` → `QUHAO_TEXT`).
    public static func variable(_ name: String) -> String { "QUHAO_" + name.uppercased() }

    /// The environment to run the script with: the values under their variables.
    public func environment(_ values: [String: String]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: values.map { (Self.variable($0.key), $0.value) })
    }

    /// Runs the script with these values; see ``ShellCommand/run(_:environment:errors:timeout:)``.
    /// - Returns: The exit status.
    public func run(_ values: [String: String], errors: URL? = nil, timeout: Double? = nil) async throws -> Int32 {
        try await ShellCommand.run(script, environment: environment(values), errors: errors, timeout: timeout)
    }
}
