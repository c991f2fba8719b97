import Foundation
import Hummingbird
import LiveBoard
import Presence
import QRCode
import QuhaoCore
import Speech

/// The hall TV: `/display/{site}` (the page), its rotating take-a-number QR, the chime and the
/// spoken calls. The page long-polls the public board; everything it needs is served from here
/// (halls may be offline).
struct DisplayPages {
    let services: AppDependencies
    let templates: Templates

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get(":site", use: page)
        routes.get(":site/hall-code", use: hallCode)
        routes.get(":site/chime.wav", use: chime)
        routes.get(":site/speech.wav", use: speech)
        return routes
    }

    @Sendable func page(_ request: Request, context: AppRequestContext) async throws -> Response {
        let site = try await services.board.snapshot(try context.parameters.require("site")).site
        let language = request.language
        let (t, script) = Templates.strings(language, script: ["ui.display."])
        return templates.page(
            "display",
            [
                "t": t, "lang": language.rawValue, "title": t["display_title"] ?? "", "siteID": site.id, "siteName": site.name.text(language),
                "siteNameOther": language == .en ? site.name.zh : (site.name.en ?? ""), "stringsJSON": script,
                "key": request.uri.queryParameters.get("key") ?? "",
            ])
    }

    /// The take-a-number QR the display shows, and when to ask again: with the current presence
    /// code when the site rotates codes (then only for a display holding the site's display key).
    @Sendable func hallCode(_ request: Request, context: AppRequestContext) async throws -> Response {
        let site = try await services.board.snapshot(try context.parameters.require("site")).site
        if site.rules.presence == .rotating, !services.presence.isDisplayKey(request.uri.queryParameters.get("key"), site: site.id) {
            throw QuhaoError(.displayKeyRequired)
        }
        let code = services.hallCode(site)
        let body = HallCode(url: code.url, svg: try QRRoutes.matrix(code.url).svg(moduleSize: 8, quietZone: 2), refreshIn: code.refreshIn)
        return try JSON.response(JSON.encoder.encode(body), headers: [.cacheControl: "no-store"])
    }

    struct HallCode: Encodable {
        let url: String
        let svg: String
        /// Seconds until the code rotates (ask again then; the previous code stays valid one more window).
        let refreshIn: Int
    }

    @Sendable func chime(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try await services.board.snapshot(try context.parameters.require("site"))
        return Self.wav(Chime.wav, cache: "public, max-age=86400")
    }

    /// A recent call, spoken: `?number=A023&counter=3`. Only calls on the board are spoken (no
    /// free text: nobody can make the hall say something else, or fill the cache).
    @Sendable func speech(_ request: Request, context: AppRequestContext) async throws -> Response {
        let snapshot = try await services.board.snapshot(try context.parameters.require("site"))
        let query = request.uri.queryParameters
        guard let numberText = query.get("number"), let counterText = query.get("counter"), let counter = Int(counterText) else {
            throw QuhaoError(.requestInvalid, ["reason": "语音需要号码和窗口（?number=A023&counter=3）", "reason@en": "speech needs ?number=A023&counter=3"])
        }
        let number = try TicketNumber(parsing: numberText)
        guard let call = snapshot.board.recentCalls.first(where: { $0.number == number.description && $0.counter == counter }) else {
            throw QuhaoError(.callNotFound, ["number": number.description, "counter": String(counter)])
        }
        let audio = try await services.speech.audio(for: call.spoken, language: snapshot.site.announce.language)
        return Self.wav(audio, cache: "public, max-age=3600")
    }

    static func wav(_ data: Data, cache: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: "audio/wav", .cacheControl: cache], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
