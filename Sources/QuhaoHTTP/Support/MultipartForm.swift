import Foundation
import Hummingbird
import MultipartKit
import QuhaoCore

/// A `multipart/form-data` body (a form with files), read by multipart-kit's parser.
struct MultipartForm {
    struct Part {
        let name: String
        /// The file name the browser gave, for messages only (never a path on our side).
        let filename: String?
        let body: ByteBuffer
    }

    /// More parts than this and the form is refused (a form here has a text field and a few photos).
    static let maxParts = 40

    let parts: [Part]

    /// The first text field of a name.
    func text(_ name: String) -> String? {
        parts.first { $0.name == name && $0.filename == nil }.map { String(buffer: $0.body) }
    }

    /// The files sent under a name (`photos` or `photos[]`), empty ones (no file chosen) left out.
    func files(_ name: String) -> [Part] {
        parts.filter { ($0.name == name || $0.name == name + "[]") && $0.filename != nil && $0.body.readableBytes > 0 }
    }

    /// Parses a body.
    /// - Throws: `request.media_type` for another content type; `request.invalid` for a malformed body.
    init(_ body: ByteBuffer, contentType: String?) throws {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data"),
            let boundary = Self.parameter("boundary", in: contentType), !boundary.isEmpty
        else { throw QuhaoError(.requestMediaType, ["expected": "multipart/form-data"]) }
        var parts: [Part] = []
        var headers: [(String, String)] = []
        var current = ByteBuffer()
        var tooMany = false
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in headers.append((name, value)) }
        parser.onBody = { chunk in current.writeBuffer(&chunk) }
        parser.onPartComplete = {
            let disposition = headers.first { $0.0.lowercased() == "content-disposition" }?.1 ?? ""
            if parts.count >= Self.maxParts {
                tooMany = true
            } else if let name = Self.parameter("name", in: disposition) {
                parts.append(Part(name: name, filename: Self.parameter("filename", in: disposition), body: current))
            }
            headers = []
            current = ByteBuffer()
        }
        do {
            try parser.execute(body)
        } catch {
            throw QuhaoError(.requestInvalid, ["reason": "上传的表单格式不正确", "reason@en": "the form upload is malformed"])
        }
        if tooMany { throw QuhaoError(.requestInvalid, ["reason": "上传的表单内容过多", "reason@en": "too many parts in the form upload"]) }
        self.parts = parts
    }

    /// A `key=value` or `key="value"` parameter of a header value.
    static func parameter(_ key: String, in header: String) -> String? {
        for piece in header.split(separator: ";") {
            let pair = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == key else { continue }
            var value = pair[1]
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }
}
