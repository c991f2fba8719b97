import Foundation
import Hummingbird
import LiveBoard
import QRCode
import QuhaoCore
import QuhaoStore

/// QR images: `/qr/sites/{site}.svg` (the printable hall poster: the plain take-a-number
/// address, never a rotating code), `/qr/tickets/{token}.svg` (reopens the ticket page) and
/// `/qr/units/{posterToken}.svg` (a canteen unit's poster).
struct QRRoutes {
    let services: AppDependencies

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get("sites/:file", use: site)
        routes.get("tickets/:file", use: ticket)
        routes.get("units/:file", use: unit)
        routes.get("bookings/:file", use: booking)
        return routes
    }

    @Sendable func site(_ request: Request, context: AppRequestContext) async throws -> Response {
        let siteID = try Self.name(try context.parameters.require("file"), request)
        let site = try await services.board.snapshot(siteID).site
        // An office's QR codes are its units' posters; a take-a-number code for it would lead nowhere.
        guard site.kind == .taxHall else { throw QuhaoError(.inspectionUnitLinkRequired, ["site": site.id]) }
        let caption = "扫码取号 Scan to take a number · \(site.name.zh)"
        return try Self.svg("\(services.settings.publicURL)/s/\(site.id)", caption: caption)
    }

    @Sendable func ticket(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = try Self.name(try context.parameters.require("file"), request)
        let view = try await services.ticketView(token).view
        return try Self.svg(services.ticketURL(token), caption: view.number)
    }

    /// A booking's QR (`/qr/bookings/{token}.svg`): reopens the booking page.
    @Sendable func booking(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = try Self.name(try context.parameters.require("file"), request)
        let booking = try await services.store.bookings.booking(token: token)
        let site = try await services.board.snapshot(booking.siteID).site
        return try Self.svg(services.bookingURL(token), caption: AppointmentRules.describe(booking.slot, in: site.zone))
    }

    /// A canteen unit's poster QR (`/qr/units/{posterToken}.svg`): opens its public page, where a
    /// signed-in inspector checks in. Only the poster token: the private link is never drawn here.
    @Sendable func unit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = try Self.name(try context.parameters.require("file"), request)
        let unit = try await services.store.inspections.unit(token: token, as: .poster).unit
        // From the unit's own screen: the poster's address with the code of the minute (never cached).
        if let code = request.uri.queryParameters.get("c"), code.count == 6, code.allSatisfy(\.isNumber) {
            var response = try Self.svg("\(services.settings.publicURL)/p/\(token)?c=\(code)", caption: "现场核验码 \(code) · \(unit.name)")
            response.headers[.cacheControl] = "no-store"
            return response
        }
        return try Self.svg("\(services.settings.publicURL)/p/\(token)", caption: "食品安全公示 Food-safety notice · \(unit.name)")
    }

    static func name(_ file: String, _ request: Request) throws -> String {
        guard file.hasSuffix(".svg"), file.count > 4 else { throw QuhaoError(.routeNotFound, ["path": request.uri.path]) }
        return String(file.dropLast(4))
    }

    /// The QR matrix of an address.
    /// - Throws: `request.invalid` when it is too long for a QR code.
    static func matrix(_ text: String) throws -> QRMatrix {
        guard let matrix = QRMatrix(encoding: text, correction: .medium) else {
            throw QuhaoError(.requestInvalid, ["reason": "地址太长，无法生成二维码", "reason@en": "the address is too long for a QR code"])
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
