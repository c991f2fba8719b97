import Foundation
import Hummingbird
import Logging
import NIOHTTP1
import QuhaoCore

extension QuhaoError {
    /// The HTTP status a refusal is answered with.
    var status: HTTPResponse.Status {
        switch code {
        case .siteNotFound, .serviceNotFound, .counterNotFound, .ticketNotFound, .routeNotFound, .staffNotFound, .tokenNotFound, .callNotFound:
            .notFound
        case .identityRequired, .identityNotAccepted, .identityFormat, .identityChecksum, .identityBirthDate, .identityRegion, .phoneRequired,
            .phoneFormat, .noticeUnavailable, .ticketClaimInvalid, .ticketNumberInvalid, .appointmentSlotInvalid, .requestInvalid,
            .ratingScoreInvalid, .staffLoginInvalid,
            .staffPasswordWeak, .staffSiteRequired:
            .badRequest
        case .presenceRequired, .authForbidden, .authOrigin, .displayKeyRequired: .forbidden
        case .authRequired, .authFailed: .unauthorized
        case .requestTooLarge: .contentTooLarge
        case .requestMediaType: .unsupportedMediaType
        case .rateLimited, .authRateLimited, .ticketClaimLimited: .tooManyRequests
        case .storageUnavailable, .storageFileReplaced, .evidenceBusy, .speechUnavailable, .speechFailed, .notReady: .serviceUnavailable
        case .configInvalid, .internalError: .internalServerError
        case .unitNotFound, .unitTokenInvalid, .inspectionNotFound, .findingNotFound, .evidenceNotFound: .notFound
        case .unitTokenWrongKind, .unitCodeInvalid, .inspectionUnitLinkRequired: .forbidden
        case .unitNameRequired, .unitAddressRequired, .unitFieldTooLong, .unitTypeUnknown, .unitRiskUnknown, .unitLicenceFormat,
            .unitKitchenModeUnknown, .unitCameraURLInvalid, .unitsImportInvalid, .checklistItemUnknown, .checklistIncomplete, .findingTextRequired,
            .evidenceTooMany:
            .badRequest
        case .unitDuplicate, .unitLicenceTaken, .unitInactive, .inspectionAlreadyOpen, .inspectionNotCheckedIn, .inspectionInvalidState,
            .inspectionNoCamera,
            .inspectionNoOpenFindings, .inspectionNothingHeld, .inspectionQueueEmpty, .inspectionUseDesk, .inspectionTeamBusy,
            .findingInvalidTransition:
            .conflict
        case .bookingNotFound: .notFound
        case .kioskPINInvalid: .forbidden
        case .kioskGreenUnavailable: .conflict
        case .slotNotOffered: .badRequest
        case .bookingNotOffered, .bookingDuplicate, .bookingBarred, .bookingCancelTooLate, .bookingTooEarly, .bookingInvalidState,
            .slotTooFarAhead, .slotClosed, .slotFull:
            .conflict
        case .planNotFound, .complaintNotFound, .recusalNotFound, .siteNotAnOffice: .notFound
        case .planQuotaInvalid, .planInvalid, .inspectorUnknown, .recusalReasonRequired, .complaintTextRequired, .complaintFieldTooLong,
            .complaintReasonRequired, .findingDueInvalid, .findingReasonRequired, .signatureRequired, .inspectionNoteTooLong:
            .badRequest
        case .planNameTaken, .planAlreadyDrawn, .planNotDrawn, .planNotEnoughInspectors, .planNothingToDraw, .inspectionTooFewInspectors,
            .inspectionRecused,
            .inspectionNotAssigned, .complaintAlreadyDecided:
            .conflict
        case .complaintLimitReached: .tooManyRequests
        case .printerFailed, .inspectionPDFFailed: .serviceUnavailable
        case .inspectionNotOnVisit, .inspectionCompanionRecused: .conflict
        case .complaintAddressLimitReached: .tooManyRequests
        case .evidenceType: .unsupportedMediaType
        case .evidenceTooLarge: .contentTooLarge
        case .serviceClosed, .serviceDailyCapReached, .counterPaused, .counterNotPaused, .counterIdle, .counterBusy, .counterDoesNotServe,
            .queueEmpty,
            .ticketInvalidTransition, .ticketStale, .ticketAlreadyReactivated, .ticketReactivationExpired, .ticketNoShowTooEarly,
            .ticketTransferSameService, .ticketReprintNotOpen, .printerNotConfigured, .ticketDeviceActive, .ticketHeldElsewhere, .identityDuplicate,
            .ratingNotAllowed,
            .ratingDuplicate, .staffLoginTaken:
            .conflict
        }
    }
}

/// An RFC 9457 problem document: `application/problem+json` with our stable `code` and a localized `detail`.
struct Problem: Encodable {
    let type: String
    let title: String
    let status: Int
    let code: String
    let detail: String

    init(_ error: QuhaoError, language: Language) {
        type = "urn:quhao:problem:\(error.code.rawValue)"
        title = error.status.reasonPhrase
        status = error.status.code
        code = error.code.rawValue
        detail = Catalogue.of(language).message(for: error)
    }

    func response(headers extra: HTTPFields = [:]) -> Response {
        let data = (try? JSONEncoder().encode(self)) ?? Data()
        var headers: HTTPFields = [.contentType: "application/problem+json; charset=utf-8", .cacheControl: "no-store"]
        // Each field once: what the caller gives replaces the default.
        for field in extra {
            headers[fields: field.name] = []
        }
        headers.append(contentsOf: extra)
        return Response(status: HTTPResponse.Status(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Turns every refusal into a problem document, so that bad input never yields an empty 500:
/// domain errors keep their code; the framework's errors (unknown route, body too large,
/// undecodable JSON) get one; anything else is logged and answered as a 500 problem.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as QuhaoError where error.code == .storageUnavailable {
            // Operators must hear of it: the disk, the file or its permissions need a person.
            context.logger.error("storage unavailable", metadata: logCause(error).merging(["path": "\(request.uri.path)"]) { $1 })
            return Self.wantsPage(request) ? Self.page(error, language: request.language) : Problem(error, language: request.language).response()
        } catch let error as QuhaoError where Self.wantsPage(request) {
            var page = Self.page(error, language: request.language)
            for field in Self.extraHeaders(error) { page.headers.append(field) }
            return page
        } catch let error as QuhaoError {
            return Problem(error, language: request.language).response(headers: Self.extraHeaders(error))
        } catch let error as any HTTPResponseError {
            let mapped: QuhaoError =
                switch error.status {
                case .notFound: QuhaoError(.routeNotFound, ["path": request.uri.path])
                case .contentTooLarge: QuhaoError(.requestTooLarge)
                // The framework's own words (a field the JSON lacks, a parameter of the wrong type) in English only.
                default: QuhaoError(.requestInvalid, ["reason": "请求内容缺少必填字段或格式不对", "reason@en": Self.reason(error)])
                }
            if error.status.code >= 500 { return Self.internalError(error, request: request, context: context) }
            // A malformed address typed or followed in a browser (`/admin/units/abc`) gets a page too.
            return Self.wantsPage(request) ? Self.page(mapped, language: request.language) : Problem(mapped, language: request.language).response()
        } catch let error as HTTPParserError {
            // The body could not be read as HTTP (a chunk size `zz`, `-1` or 2^64): the request's
            // fault, not ours. The connection cannot be read further, so it is closed after this answer.
            let reason = ["reason": "请求体的分块编码不合法", "reason@en": "the body's chunked encoding is malformed (\(error))"]
            return Problem(QuhaoError(.requestInvalid, reason), language: request.language)
                .response(headers: [.connection: "close"])
        } catch is DecodingError {
            return Problem(
                QuhaoError(.requestInvalid, ["reason": "请求内容缺少必填字段或格式不对", "reason@en": "the body does not match the expected fields"]),
                language: request.language
            )
            .response()
        } catch {
            return Self.internalError(error, request: request, context: context)
        }
    }

    /// A fault of ours, not of the request or the storage: `internal` (500) with the request id,
    /// and the same id on the error log line, so an operator finds the cause a visitor reports.
    static func internalError(_ error: any Error, request: Request, context: Context) -> Response {
        let id = context.id
        context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)", "request": "\(id)"])
        let problem = QuhaoError(.internalError, ["request": id])
        return wantsPage(request) ? page(problem, language: request.language) : Problem(problem, language: request.language).response()
    }

    /// Browsers asking for a page (not the API) get a page, not JSON.
    static func wantsPage(_ request: Request) -> Bool {
        !request.uri.path.hasPrefix("/api/") && (request.headers[.accept]?.contains("text/html") ?? false)
    }

    /// A minimal page saying what went wrong, in the visitor's language.
    static func page(_ error: QuhaoError, language: Language) -> Response {
        let message = Catalogue.of(language).message(for: error)
            .replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        let html = """
            <!doctype html><html lang="\(language.rawValue)"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1"><title>\(error.status.code)</title>
            <link rel="stylesheet" href="/static/app.css"></head><body><main><p class="error" role="alert">\(message)</p></main></body></html>
            """
        return Response(
            status: error.status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func extraHeaders(_ error: QuhaoError) -> HTTPFields {
        guard [.rateLimited, .authRateLimited, .inspectionPDFFailed].contains(error.code), let seconds = error.parameters["seconds"] else {
            return [:]
        }
        return [.retryAfter: seconds]
    }

    static func reason(_ error: any HTTPResponseError) -> String {
        if let error = error as? HTTPError, let body = error.body { return body }
        return error.status.reasonPhrase
    }
}

/// What the log says of a failure: a storage failure's reason and its engine's own words (the
/// SQLite result code, the PostgreSQL error), anything else as it describes itself.
func logCause(_ error: any Error) -> Logger.Metadata {
    guard let error = error as? QuhaoError, error.code == .storageUnavailable else { return ["error": "\(error)"] }
    var metadata: Logger.Metadata = ["error": "\(error.code.rawValue)", "reason": "\(error.parameters["reason@en"] ?? "")"]
    if let sqlite = error.parameters["sqlite"] { metadata["sqlite"] = "\(sqlite)" }
    if let postgres = error.parameters["postgres"] { metadata["postgres"] = "\(postgres)" }
    return metadata
}
