import Foundation

/// The kinds of identity a visitor can give.
public enum IdentityKind: String, Sendable, CaseIterable, Codable {
    case uscc
    case residentID = "resident_id"
}

/// A validated identity: normalized (for hashing, never stored in clear) and masked (for display).
public struct ValidIdentity: Hashable, Sendable {
    public let kind: IdentityKind
    /// The normalized value; hash it, never store or log it.
    public let normalized: String
    /// Whether a staff member accepted a failing check character.
    public let checksumOverridden: Bool

    /// The masked form shown to staff: `110105********002X`, `9135***********Y43`.
    public var masked: String { Masking.mask(normalized, keepingFirst: kind == .uscc ? 4 : 6, last: kind == .uscc ? 3 : 4) }
}

/// Masks personal numbers, keeping their length.
public enum Masking {
    /// Keeps the first and last characters, stars in between.
    public static func mask(_ value: String, keepingFirst first: Int, last: Int) -> String {
        let characters = Array(value)
        guard characters.count > first + last else { return String(repeating: "*", count: characters.count) }
        return String(characters.prefix(first)) + String(repeating: "*", count: characters.count - first - last)
            + String(characters.suffix(last))
    }

    /// `138****5678`.
    public static func phone(_ digits: String) -> String { mask(digits, keepingFirst: 3, last: 4) }
}

/// Checks what a visitor typed against what a business type needs.
public enum IdentityCheck {
    /// Validates an identity for a requirement.
    /// - Parameters:
    ///   - raw: What was typed; `nil` or blank when nothing was.
    ///   - requirement: What the business type needs.
    ///   - service: Names the business type in messages (``Service/messageParameters``).
    ///   - today: The business day (birth dates after it are refused).
    ///   - allowChecksumOverride: Staff may accept a well-formed USCC with a wrong check character.
    /// - Returns: The identity, or `nil` when none is needed (anything typed is then ignored).
    /// - Throws: ``QuhaoError`` `identity.*`.
    public static func validate(
        _ raw: String?, for requirement: IdentityRequirement, service: [String: String] = [:], today: BusinessDay,
        allowChecksumOverride: Bool = false
    ) throws(QuhaoError) -> ValidIdentity? {
        guard requirement != .none else { return nil }
        let text = raw?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !text.isEmpty else {
            throw QuhaoError(.identityRequired, service.merging(["kind": requirement.rawValue]) { $1 })
        }
        func uscc() throws(QuhaoError) -> ValidIdentity {
            do {
                return ValidIdentity(kind: .uscc, normalized: try USCC.validate(text), checksumOverridden: false)
            } catch let error where error.code == .identityChecksum && allowChecksumOverride {
                return ValidIdentity(kind: .uscc, normalized: try USCC.validate(text, allowChecksumFailure: true), checksumOverridden: true)
            }
        }
        func resident() throws(QuhaoError) -> ValidIdentity {
            ValidIdentity(kind: .residentID, normalized: try ResidentID.validate(text, today: today), checksumOverridden: false)
        }
        func notAccepted(_ kind: IdentityKind) -> QuhaoError {
            QuhaoError(.identityNotAccepted, service.merging(["accepted": requirement.rawValue, "kind": kind.rawValue]) { $1 })
        }
        switch requirement {
        case .none:
            return nil
        case .uscc:
            do { return try uscc() } catch {
                if (try? resident()) != nil { throw notAccepted(.residentID) }
                throw error
            }
        case .residentID:
            do { return try resident() } catch {
                if (try? uscc()) != nil { throw notAccepted(.uscc) }
                throw error
            }
        case .either:
            // All-digit USCCs exist (`121200004013590816`), so an ID-shaped text that is not a
            // valid ID is tried as a USCC before the ID's error is reported.
            guard ResidentID.hasShape(ResidentID.normalize(text)) else { return try uscc() }
            do { return try resident() } catch {
                if let code = try? uscc() { return code }
                throw error
            }
        }
    }

    /// Validates a phone number for a requirement.
    /// - Returns: The 11 digits, or `nil` when none was given and none is required.
    /// - Throws: ``QuhaoError`` `phone.required` or `phone.format`.
    public static func validatePhone(_ raw: String?, for requirement: FieldRequirement, service: [String: String] = [:]) throws(QuhaoError)
        -> String?
    {
        let text = raw?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard requirement != .none else { return nil }
        guard !text.isEmpty else {
            if requirement == .required { throw QuhaoError(.phoneRequired, service) }
            return nil
        }
        return try MobilePhone.validate(text)
    }
}
