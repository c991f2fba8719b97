import Foundation

/// A refusal or failure the user can understand: a stable code, parameters for the
/// localized message, and an English message for logs and the command line.
///
/// Codes never change once shipped: clients, tests and the message catalogues key on them.
public struct QuhaoError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The stable code, e.g. `ticket.not_found`.
    public let code: Code
    /// Values interpolated into the message templates (`{number}`, `{state}`, …).
    public let parameters: [String: String]

    /// Creates an error.
    /// - Parameters:
    ///   - code: The stable code.
    ///   - parameters: Values for the message templates of the code.
    public init(_ code: Code, _ parameters: [String: String] = [:]) {
        self.code = code
        self.parameters = parameters
    }

    /// The message in English (logs, command line).
    public var message: String { Catalogue.english.message(for: self) }

    public var description: String { "\(code.rawValue): \(message)" }
}

extension QuhaoError {
    /// Every stable error code. The raw value is the public code.
    public enum Code: String, CaseIterable, Sendable {
        case siteNotFound = "site.not_found"
        case serviceNotFound = "service.not_found"
        case serviceClosed = "service.closed"
        case serviceDailyCapReached = "service.daily_cap_reached"
        case counterNotFound = "counter.not_found"
        case counterPaused = "counter.paused"
        case counterNotPaused = "counter.not_paused"
        case counterIdle = "counter.idle"
        case counterBusy = "counter.busy"
        case counterDoesNotServe = "counter.does_not_serve"
        case queueEmpty = "queue.empty"
        case ticketNotFound = "ticket.not_found"
        case ticketInvalidTransition = "ticket.invalid_transition"
        case ticketStale = "ticket.stale"
        case ticketAlreadyReactivated = "ticket.already_reactivated"
        case ticketReactivationExpired = "ticket.reactivation_expired"
        case ticketNoShowTooEarly = "ticket.no_show_too_early"
        case ticketTransferSameService = "ticket.transfer_same_service"
        case ticketReprintNotOpen = "ticket.reprint_not_open"
        case printerNotConfigured = "printer.not_configured"
        case printerFailed = "printer.failed"
        case ticketNumberInvalid = "ticket.number_invalid"
        case ticketDeviceActive = "ticket.device_active"
        case ratingNotAllowed = "rating.not_allowed"
        case ratingDuplicate = "rating.duplicate"
        case ratingScoreInvalid = "rating.score_invalid"
        case presenceRequired = "presence.required"
        case rateLimited = "rate.limited"
        case requestInvalid = "request.invalid"
        case requestTooLarge = "request.too_large"
        case requestMediaType = "request.media_type"
        case routeNotFound = "route.not_found"
        case appointmentSlotInvalid = "appointment.slot_invalid"
        case identityRequired = "identity.required"
        case identityNotAccepted = "identity.not_accepted"
        case identityFormat = "identity.format"
        case identityChecksum = "identity.checksum"
        case identityBirthDate = "identity.birth_date"
        case identityRegion = "identity.region"
        case identityDuplicate = "identity.duplicate"
        case phoneRequired = "phone.required"
        case phoneFormat = "phone.format"
        case staffNotFound = "staff.not_found"
        case staffLoginTaken = "staff.login_taken"
        case staffLoginInvalid = "staff.login_invalid"
        case staffPasswordWeak = "staff.password_weak"
        case staffSiteRequired = "staff.site_required"
        case authRequired = "auth.required"
        case authFailed = "auth.failed"
        case authRateLimited = "auth.rate_limited"
        case authForbidden = "auth.forbidden"
        case authOrigin = "auth.origin"
        case tokenNotFound = "token.not_found"
        case configInvalid = "config.invalid"
        case storageUnavailable = "storage.unavailable"
        case notReady = "service.not_ready"
        case storageFileReplaced = "storage.file_replaced"
        case evidenceBusy = "evidence.busy"
        /// A fault of the daemon itself (a bug): logged with the request id the answer carries.
        case internalError = "internal"
        case displayKeyRequired = "display.key_required"
        case callNotFound = "call.not_found"
        case speechUnavailable = "speech.unavailable"
        case speechFailed = "speech.failed"
        case unitNotFound = "unit.not_found"
        case unitTokenInvalid = "unit.token_invalid"
        case unitTokenWrongKind = "unit.token_wrong_kind"
        case unitNameRequired = "unit.name_required"
        case unitAddressRequired = "unit.address_required"
        case unitFieldTooLong = "unit.field_too_long"
        case unitTypeUnknown = "unit.type_unknown"
        case unitRiskUnknown = "unit.risk_unknown"
        case unitLicenceFormat = "unit.licence_format"
        case unitKitchenModeUnknown = "unit.kitchen_mode_unknown"
        case unitCameraURLInvalid = "unit.camera_url_invalid"
        case unitDuplicate = "unit.duplicate"
        case unitInactive = "unit.inactive"
        case unitsImportInvalid = "units.import_invalid"
        case inspectionNotFound = "inspection.not_found"
        case inspectionAlreadyOpen = "inspection.already_open"
        case inspectionNotCheckedIn = "inspection.not_checked_in"
        case inspectionInvalidState = "inspection.invalid_state"
        case inspectionNoCamera = "inspection.no_camera"
        case checklistItemUnknown = "checklist.item_unknown"
        case checklistIncomplete = "checklist.incomplete"
        case findingNotFound = "finding.not_found"
        case findingInvalidTransition = "finding.invalid_transition"
        case findingTextRequired = "finding.text_required"
        case evidenceType = "evidence.type"
        case evidenceTooLarge = "evidence.too_large"
        case evidenceTooMany = "evidence.too_many"
        case evidenceNotFound = "evidence.not_found"
        case inspectionNoOpenFindings = "inspection.no_open_findings"
        case unitCodeInvalid = "unit.code_invalid"
        case bookingNotOffered = "booking.not_offered"
        case bookingNotFound = "booking.not_found"
        case bookingDuplicate = "booking.duplicate"
        case bookingBarred = "booking.barred"
        case bookingCancelTooLate = "booking.cancel_too_late"
        case bookingTooEarly = "booking.too_early"
        case bookingInvalidState = "booking.invalid_state"
        case slotNotOffered = "slot.not_offered"
        case slotTooFarAhead = "slot.too_far_ahead"
        case slotClosed = "slot.closed"
        case slotFull = "slot.full"
        case kioskPINInvalid = "kiosk.pin_invalid"
        case kioskGreenUnavailable = "kiosk.green_unavailable"
        case inspectionUnitLinkRequired = "inspection.unit_link_required"
        case inspectionNothingHeld = "inspection.nothing_held"
        case inspectionQueueEmpty = "inspection.queue_empty"
        case unitLicenceTaken = "unit.licence_taken"
        case inspectionUseDesk = "inspection.use_desk"
        case inspectionTeamBusy = "inspection.team_busy"
        case planNotFound = "plan.not_found"
        case planQuotaInvalid = "plan.quota_invalid"
        case planInvalid = "plan.invalid"
        case planNameTaken = "plan.name_taken"
        case planAlreadyDrawn = "plan.already_drawn"
        case planNotEnoughInspectors = "plan.not_enough_inspectors"
        case planNothingToDraw = "plan.nothing_to_draw"
        case inspectionTooFewInspectors = "inspection.too_few_inspectors"
        case inspectionRecused = "inspection.recused"
        case inspectionNotAssigned = "inspection.not_assigned"
        case inspectorUnknown = "inspection.inspector_unknown"
        case recusalReasonRequired = "recusal.reason_required"
        case complaintTextRequired = "complaint.text_required"
        case complaintFieldTooLong = "complaint.field_too_long"
        case complaintNotFound = "complaint.not_found"
        case complaintAlreadyDecided = "complaint.already_decided"
        case complaintReasonRequired = "complaint.reason_required"
        case complaintLimitReached = "complaint.limit_reached"
        case findingDueInvalid = "finding.due_invalid"
        case findingReasonRequired = "finding.reason_required"
        case signatureRequired = "inspection.signature_required"
        case inspectionPDFFailed = "inspection.pdf_failed"
    }
}
