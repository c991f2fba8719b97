import Foundation
import Hummingbird
import Mustache
import QuhaoCore

/// The Mustache templates compiled into the binary (``EmbeddedFiles``), parsed once.
struct Templates: Sendable {
    let library: MustacheLibrary

    init() throws {
        var library = MustacheLibrary()
        for (name, bytes) in EmbeddedFiles.templates {
            try library.register(String(decoding: bytes, as: UTF8.self), named: name)
        }
        self.library = library
    }

    /// Renders a page as an HTML response.
    func page(_ name: String, _ data: [String: Any], status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        let html = library.render(data, withTemplate: name) ?? ""
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// Renders a staff-side page (window console, inspector, admin) with what every one of them uses:
    /// strings, language, the staff stylesheet.
    func staffPage(_ name: String, _ request: Request, _ data: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let language = request.language
        let common: [String: Any] = [
            "t": Self.strings(language).template, "lang": language.rawValue, "langQuery": PublicPages.langQuery(request),
            "stylesheet": "/static/staff.css",
        ]
        return page(name, common.merging(data) { _, new in new }, status: status)
    }

    /// The strings a page and its script use, in a language: `t` for the template, and JSON for the script.
    /// - Parameter prefixes: The catalogue sections the script needs.
    static func strings(_ language: Language, script prefixes: [String] = ["ui.take.", "ui.ticket."]) -> (
        template: [String: String], script: String
    ) {
        let catalogue = Catalogue.of(language)
        var ui = catalogue.entries(withPrefix: "ui.")
        var script = prefixes.reduce(into: [String: String]()) { all, prefix in
            all.merge(catalogue.entries(withPrefix: prefix)) { a, _ in a }
        }
        for state in TicketState.allCases { script["state_\(state.rawValue)"] = catalogue.template("state.\(state.rawValue)") }
        let message = { (code: QuhaoError.Code, parameters: [String: String]) in catalogue.message(for: QuhaoError(code, parameters)) }
        script["uscc_length"] = message(.identityFormat, ["kind": "uscc", "reason": "length"])
        script["either_length"] = message(.identityFormat, ["kind": "either", "reason": "length"])
        script["uscc_alphabet"] = message(.identityFormat, ["kind": "uscc", "reason": "alphabet"])
        script["uscc_shape"] = message(.identityFormat, ["kind": "uscc", "reason": "shape"])
        script["uscc_checksum"] = message(.identityChecksum, ["kind": "uscc"])
        script["id_shape"] = message(.identityFormat, ["kind": "resident_id", "reason": "id_shape"])
        script["id_region"] = message(.identityRegion, [:])
        script["id_birth"] = message(.identityBirthDate, [:])
        script["id_checksum"] = message(.identityChecksum, ["kind": "resident_id"])
        script["identity_required"] = catalogue.template("ui.take.identity_hint")
        script["phone_required"] = message(.phoneRequired, ["form": "any"])
        script["phone_required_notice"] = message(.phoneRequired, ["form": "notice"])
        script["phone_format"] = message(.phoneFormat, [:])
        script["lang"] = language == .en ? "en" : "zh-CN"
        ui["lang"] = script["lang"]
        let data = (try? JSONSerialization.data(withJSONObject: script, options: [.sortedKeys])) ?? Data("{}".utf8)
        // Safe inside <script>: no "</" can close the element early.
        let json = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "</", with: "<\\/")
        return (ui, json)
    }
}
