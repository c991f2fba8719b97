import Foundation

/// Mainland China mobile numbers: `1[3-9]` and nine more digits. Carrier prefixes are not
/// listed on purpose: lists go stale and reject real numbers.
public enum MobilePhone {
    /// Full-width digits to ASCII, spaces and hyphens removed (``TypedText/compact(_:)``), then a
    /// leading `+86`, `0086` or `86` removed.
    public static func normalize(_ raw: String) -> String {
        var digits = TypedText.compact(raw)
        if digits.hasPrefix("+86") {
            digits.removeFirst(3)
        } else if digits.hasPrefix("0086"), digits.count == 15 {
            digits.removeFirst(4)
        } else if digits.hasPrefix("86"), digits.count == 13 {
            digits.removeFirst(2)
        }
        return digits
    }

    /// Validates a number and returns its 11 digits.
    /// - Throws: ``QuhaoError`` `phone.format`.
    public static func validate(_ raw: String) throws(QuhaoError) -> String {
        let digits = Array(normalize(raw))
        guard digits.count == 11, digits.allSatisfy(\.isASCIIDigit), digits[0] == "1", ("3"..."9").contains(digits[1]) else {
            throw QuhaoError(.phoneFormat)
        }
        return String(digits)
    }
}
