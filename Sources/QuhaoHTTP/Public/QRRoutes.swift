import Foundation
import Hummingbird
import LiveBoard
import QRCode
import QuhaoCore

/// QR images: `/qr/sites/{site}.svg` (the printable hall poster: the plain take-a-number
/// address, never a rotating code) and `/qr/tickets/{token}.svg` (reopens the ticket page).
struct QRRoutes {
    let services: AppDependencies

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get("sites/:file", use: site)
        routes.get("tickets/:file", use: ticket)
        return routes
    }

    @Sendable func site(_ request: Request, context: AppRequestContext) async throws -> Response {
        let siteID = try Self.name(try context.parameters.require("file"), request)
        let site = try await services.board.snapshot(siteID).site
        let caption = "扫码取号 Scan to take a number · \(site.name.zh)"
        return try Self.svg("\(services.settings.publicURL)/s/\(site.id)", caption: caption)
    }

    @Sendable func ticket(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = try Self.name(try context.parameters.require("file"), request)
        let view = try await services.ticketView(token).view
        return try Self.svg(services.ticketURL(token), caption: view.number)
    }

    static func name(_ file: String, _ request: Request) throws -> String {
        guard file.hasSuffix(".svg"), file.count > 4 else { throw QuhaoError(.routeNotFound, ["path": request.uri.path]) }
        return String(file.dropLast(4))
    }

    /// The QR matrix of an address.
    /// - Throws: `request.invalid` when it is too long for a QR code.
    static func matrix(_ text: String) throws -> QRMatrix {
        guard let matrix = QRMatrix(encoding: text, correction: .medium) else {
            throw QuhaoError(.requestInvalid, ["reason": "the address is too long for a QR code"])
        }
        return matrix
    }

    static func svg(_ text: String, caption: String) throws -> Response {
        let matrix = try matrix(text)
        return Response(
            status: .ok, headers: [.contentType: "image/svg+xml; charset=utf-8", .cacheControl: "public, max-age=300"],
            body: .init(byteBuffer: ByteBuffer(string: matrix.svg(caption: caption))))
    }
}
