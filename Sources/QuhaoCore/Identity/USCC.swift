import Foundation

/// 统一社会信用代码 (GB 32100-2015): 18 characters, the last a MOD 31 check character.
public enum USCC {
    /// The 31 characters a code may contain, in value order (I O S V Z never occur).
    public static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    /// Weights of positions 1–17: 3^(i−1) mod 31.
    public static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    /// As people type it (``TypedText/compact(_:)``): full-width to ASCII, no spaces or hyphens, upper case.
    public static func normalize(_ raw: String) -> String { TypedText.compact(raw) }

    /// Registration department + organisation type pairs (GB 32100 positions 1–2).
    public static let kinds: Set<String> = [
        "11", "12", "13", "19", "21", "29", "31", "32", "33", "34", "35", "39", "41", "49", "51", "52", "53", "59",
        "61", "62", "69", "71", "72", "79", "81", "89", "91", "92", "93", "A1", "A9", "N1", "N2", "N3", "N9", "Y1",
    ]

    /// Whether a normalized code opens like a real one: a known department + type pair, then an
    /// administrative division whose province is real (``ResidentID/provinces``). Decides whether an
    /// ID-shaped text that is not a valid ID may be taken for a company code.
    public static func opensLikeARealCode(_ code: String) -> Bool {
        let characters = Array(code)
        guard characters.count >= 8, kinds.contains(String(characters[0..<2])),
            characters[2..<8].allSatisfy(\.isASCIIDigit), let province = Int(String(characters[2..<4]))
        else { return false }
        return ResidentID.provinces.contains(province)
    }

    /// The check character for the first 17 characters, or `nil` if one is outside the alphabet.
    public static func checkCharacter(for body: some Collection<Character>) -> Character? {
        var sum = 0
        for (character, weight) in zip(body, weights) {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            sum += value * weight
        }
        return alphabet[(31 - sum % 31) % 31]
    }

    /// Validates a code and returns it normalized.
    /// - Parameter allowChecksumFailure: Accept a well-formed code whose check character is
    ///   wrong (early pilot codes); staff only, and logged by the caller.
    /// - Throws: ``QuhaoError`` `identity.format` (length, alphabet, shape) or `identity.checksum`.
    public static func validate(_ raw: String, allowChecksumFailure: Bool = false) throws(QuhaoError) -> String {
        let code = normalize(raw)
        let characters = Array(code)
        guard characters.count == 18 else { throw formatError("length") }
        // A bad last character is reported as a wrong check character: that is what it is.
        guard characters.prefix(17).allSatisfy(alphabet.contains) else { throw formatError("alphabet") }
        // Positions 3–8 are the administrative division code: digits only.
        guard characters[2..<8].allSatisfy(\.isASCIIDigit) else { throw formatError("shape") }
        if !allowChecksumFailure, checkCharacter(for: characters.prefix(17)) != characters[17] {
            throw QuhaoError(.identityChecksum, ["kind": IdentityKind.uscc.rawValue])
        }
        return code
    }

    /// Whether a code is valid, checksum included.
    public static func isValid(_ raw: String) -> Bool { (try? validate(raw)) != nil }

    static func formatError(_ reason: String) -> QuhaoError {
        QuhaoError(.identityFormat, ["kind": IdentityKind.uscc.rawValue, "reason": reason])
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
