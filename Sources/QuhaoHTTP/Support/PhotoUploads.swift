import Foundation
import Hummingbird
import QuhaoCore
import QuhaoStore

/// A form with photos (`multipart/form-data`, or a plain url-encoded form without any): its text
/// fields and its photos, each told by its bytes (``PhotoType/validated``) and kept on disk by its
/// hash (``EvidenceFiles``) before any command runs. One reading for every form that takes photos:
/// a unit's rectification, an inspector's photos on site, the signature at check-out, a complaint.
struct PhotoUploads {
    let fields: [String: String]
    /// The files sent, by field name, not yet checked.
    let files: [String: [(data: Data, name: String)]]
    let maxBytes: Int

    /// Reads the request's body under the upload gate, at most `maxPhotos` photos of `maxBytes` each.
    /// - Throws: `evidence.too_large`, `evidence.too_many`, `evidence.type`, `request.invalid`.
    static func receive(_ request: Request, services: AppDependencies, maxPhotos: Int, maxBytes: Int) async throws -> PhotoUploads {
        let contentType = request.headers[.contentType] ?? ""
        let request = request
        let body: ByteBuffer = try await services.uploads.run {
            var request = request
            do {
                // Room for the photos allowed at their largest, and the text.
                return try await request.collectBody(upTo: maxPhotos * maxBytes + 256 * 1024)
            } catch {
                throw QuhaoError(.evidenceTooLarge, ["limit": EvidenceFiles.megabytes(maxBytes)])
            }
        }
        guard contentType.lowercased().hasPrefix("multipart/form-data") else {
            let fields = (try? URLEncodedFormDecoder().decode([String: String].self, from: String(buffer: body))) ?? [:]
            return PhotoUploads(fields: fields, files: [:], maxBytes: maxBytes)
        }
        let form = try MultipartForm(body, contentType: contentType)
        var fields: [String: String] = [:]
        var files: [String: [(data: Data, name: String)]] = [:]
        for part in form.parts {
            let name = part.name.hasSuffix("[]") ? String(part.name.dropLast(2)) : part.name
            if part.filename == nil {
                if fields[name] == nil { fields[name] = String(buffer: part.body) }
            } else if part.body.readableBytes > 0 {
                files[name, default: []].append((Data(part.body.readableBytesView), part.filename ?? "photo"))
            }
        }
        guard files.values.map(\.count).reduce(0, +) <= maxPhotos else { throw QuhaoError(.evidenceTooMany, ["limit": String(maxPhotos)]) }
        return PhotoUploads(fields: fields, files: files, maxBytes: maxBytes)
    }

    /// Checks and keeps the photos sent under a field (the caller has kept the text fields, so a
    /// refused photo gives the form back as it was typed).
    /// - Throws: `evidence.too_large`, `evidence.type`.
    func photos(_ field: String, services: AppDependencies) async throws -> [StoredPhoto] {
        let uploads = files[field] ?? []
        guard !uploads.isEmpty else { return [] }
        let evidence = services.settings.evidence
        let limit = maxBytes
        return try await BlockingIO.run { try uploads.map { try evidence.store($0.data, name: $0.name, limit: limit) } }
    }
}
