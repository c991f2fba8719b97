import Crypto
import Hummingbird
import QuhaoCore

/// The pages' templates and static files, compiled into the binary (`.embedInCode` in
/// Package.swift), so the executable runs wherever it is installed with no resource folder beside it.
enum EmbeddedFiles {
    /// The Mustache templates by name (without `.mustache`).
    static let templates: [String: [UInt8]] = [
        "admin-district": PackageResources.admin_district_mustache,
        "admin-inspections": PackageResources.admin_inspections_mustache,
        "answer-history": PackageResources.answer_history_mustache,
        "admin-webhooks": PackageResources.admin_webhooks_mustache,
        "admin-reports": PackageResources.admin_reports_mustache,
        "admin-unit": PackageResources.admin_unit_mustache,
        "admin-units": PackageResources.admin_units_mustache,
        "book": PackageResources.book_mustache,
        "booking": PackageResources.booking_mustache,
        "display": PackageResources.display_mustache,
        "head": PackageResources.head_mustache,
        "inspect": PackageResources.inspect_mustache,
        "inspection": PackageResources.inspection_mustache,
        "kiosk": PackageResources.kiosk_mustache,
        "inspection-sheet": PackageResources.inspection_sheet_mustache,
        "office-complaints": PackageResources.office_complaints_mustache,
        "office-due": PackageResources.office_due_mustache,
        "office-findings": PackageResources.office_findings_mustache,
        "office-plan": PackageResources.office_plan_mustache,
        "office-plans": PackageResources.office_plans_mustache,
        "plan-notice": PackageResources.plan_notice_mustache,
        "plan-notices": PackageResources.plan_notices_mustache,
        "poster": PackageResources.poster_mustache,
        "staff-console": PackageResources.staff_console_mustache,
        "staff-login": PackageResources.staff_login_mustache,
        "staff-nav": PackageResources.staff_nav_mustache,
        "staff-pick": PackageResources.staff_pick_mustache,
        "take": PackageResources.take_mustache,
        "ticket": PackageResources.ticket_mustache,
        "unit": PackageResources.unit_mustache,
        "unit-code": PackageResources.unit_code_mustache,
        "unit-form": PackageResources.unit_form_mustache,
    ]

    /// The files served under `/static/`, by file name.
    static let staticFiles: [String: [UInt8]] = [
        "app.css": PackageResources.app_css,
        "console.js": PackageResources.console_js,
        "display.css": PackageResources.display_css,
        "display.js": PackageResources.display_js,
        "inspection.js": PackageResources.inspection_js,
        "kiosk.css": PackageResources.kiosk_css,
        "kiosk.js": PackageResources.kiosk_js,
        "staff.css": PackageResources.staff_css,
        "staff.js": PackageResources.staff_js,
        "take.js": PackageResources.take_js,
        "ticket.js": PackageResources.ticket_js,
    ]
}

/// Serves the embedded static files: one encoded response per file, an ETag from its content,
/// 304 for a browser that holds it already; anything else under `/static/` is 404.
struct StaticFiles: Sendable {
    struct File: Sendable {
        let body: ByteBuffer
        let contentType: String
        let etag: String
    }

    let files: [String: File]

    init(_ files: [String: [UInt8]] = EmbeddedFiles.staticFiles) {
        self.files = files.reduce(into: [:]) { all, entry in
            let type: String
            switch entry.key.split(separator: ".").last {
            case "css": type = "text/css; charset=utf-8"
            case "js": type = "text/javascript; charset=utf-8"
            default: type = "application/octet-stream"
            }
            let digest = Array(SHA256.hash(data: entry.value)).prefix(8).hex
            all[entry.key] = File(body: ByteBuffer(bytes: entry.value), contentType: type, etag: "\"\(digest)\"")
        }
    }

    /// Adds `GET /static/{file}` (HEAD answered by the router) to a router.
    func add(to router: Router<AppRequestContext>) {
        router.get("/static/{file}") { request, context -> Response in
            guard let name = context.parameters.get("file"), let file = files[name] else { throw HTTPError(.notFound) }
            var headers: HTTPFields = [.contentType: file.contentType, .eTag: file.etag, .cacheControl: "max-age=300"]
            if request.headers[.ifNoneMatch] == file.etag {
                headers[.contentType] = nil
                return Response(status: .notModified, headers: headers)
            }
            headers[.contentLength] = String(file.body.readableBytes)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: file.body))
        }
    }
}
