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

/// Turns what people type into what the checks read.
public enum TypedText {
    /// Full-width forms (what Chinese input methods type: `９１３５…`, `Ｙ`) become ASCII; spaces,
    /// ideographic spaces, hyphens and dashes anywhere are removed; letters become upper case.
    public static func compact(_ raw: String) -> String {
        var result = ""
        result.unicodeScalars.reserveCapacity(raw.unicodeScalars.count)
        for scalar in raw.unicodeScalars {
            var scalar = scalar
            // U+FF01…U+FF5E are the full-width forms of U+0021…U+007E.
            if (0xFF01...0xFF5E).contains(scalar.value), let ascii = Unicode.Scalar(scalar.value - 0xFEE0) { scalar = ascii }
            if scalar.properties.isWhitespace || separators.contains(scalar.value) { continue }
            result.unicodeScalars.append(scalar)
        }
        return result.uppercased()
    }

    /// Hyphen-minus, the Unicode hyphens and dashes (‐ ‑ ‒ – — ―), the minus sign and the katakana middle dot people use as separators.
    static let separators: Set<UInt32> = [0x2D, 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0x30FB, 0xB7]
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
                // A mistyped ID number passes the USCC checksum about once in 31: it is called a
                // company code only when it opens like a real one (as for `either`); otherwise the
                // ID's own fault is named (`630225202701111522`: a birth date in the future).
                let code = TypedText.compact(text)
                if !ResidentID.hasShape(code) || USCC.opensLikeARealCode(code), (try? uscc()) != nil { throw notAccepted(.uscc) }
                throw error
            }
        case .either:
            // All-digit USCCs exist (`121200004013590816`), so an ID-shaped text that is not a
            // valid ID may still be a USCC, but only one that opens like a real code: otherwise
            // about one mistyped ID number in 31 would pass the USCC checksum.
            let code = TypedText.compact(text)
            guard code.count == 18 else {
                throw QuhaoError(.identityFormat, ["kind": IdentityRequirement.either.rawValue, "reason": "length"])
            }
            guard ResidentID.hasShape(code) else { return try uscc() }
            do { return try resident() } catch {
                if USCC.opensLikeARealCode(code), let code = try? uscc() { return code }
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
