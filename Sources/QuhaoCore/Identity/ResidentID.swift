import Foundation

/// 居民身份证号码 (GB 11643-1999): 17 digits and an ISO 7064 MOD 11-2 check character.
public enum ResidentID {
    /// Weights of positions 1–17.
    public static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    /// Check character for Σ mod 11 = 0…10.
    public static let checkCharacters = Array("10X98765432")
    /// Province-level codes that may open a number; 81, 82 and 83 open the residence permits of
    /// Hong Kong, Macau and Taiwan residents, which have the same form.
    public static let provinces: Set<Int> = [
        11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
        50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
    ]

    /// As people type it (``TypedText/compact(_:)``): full-width to ASCII, no spaces or hyphens, `x` → `X`.
    public static func normalize(_ raw: String) -> String { TypedText.compact(raw) }

    /// Whether the text has the shape of an ID number (17 digits and a digit or X).
    public static func hasShape(_ code: String) -> Bool {
        let characters = Array(code)
        return characters.count == 18 && characters.prefix(17).allSatisfy(\.isASCIIDigit)
            && (characters[17].isASCIIDigit || characters[17] == "X")
    }

    /// The check character for the first 17 digits.
    public static func checkCharacter(for digits: some Collection<Character>) -> Character {
        var sum = 0
        for (digit, weight) in zip(digits, weights) { sum += (digit.wholeNumberValue ?? 0) * weight }
        return checkCharacters[sum % 11]
    }

    /// Validates a number and returns it normalized.
    /// - Parameter today: Birth dates after this day are refused.
    /// - Throws: ``QuhaoError`` `identity.format`, `identity.region`, `identity.birth_date` or `identity.checksum`.
    public static func validate(_ raw: String, today: BusinessDay) throws(QuhaoError) -> String {
        let code = normalize(raw)
        guard hasShape(code) else {
            throw QuhaoError(.identityFormat, ["kind": IdentityKind.residentID.rawValue, "reason": "id_shape"])
        }
        let characters = Array(code)
        guard let province = Int(String(characters[0..<2])), provinces.contains(province) else {
            throw QuhaoError(.identityRegion)
        }
        let birth = String(characters[6..<14])
        guard let year = Int(birth.prefix(4)), let month = Int(birth.dropFirst(4).prefix(2)), let day = Int(birth.suffix(2)),
            year >= 1850, let born = BusinessDay(year: year, month: month, day: day), born <= today
        else { throw QuhaoError(.identityBirthDate) }
        guard checkCharacter(for: characters.prefix(17)) == characters[17] else {
            throw QuhaoError(.identityChecksum, ["kind": IdentityKind.residentID.rawValue])
        }
        return code
    }
}
