import Foundation

/// A ticket number as people read it: a prefix letter and a daily sequence, `A001`;
/// four digits past 999 (`A1000`) rather than wrapping.
public struct TicketNumber: Hashable, Sendable, CustomStringConvertible {
    public let prefix: String
    public let sequence: Int

    public init(prefix: String, sequence: Int) {
        self.prefix = prefix
        self.sequence = sequence
    }

    /// Parses `A023` (any case, surrounding spaces ignored).
    /// - Throws: ``QuhaoError`` `ticket.number_invalid`.
    public init(parsing text: String) throws(QuhaoError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        guard let first = trimmed.first, first.isASCII, first.isLetter,
            case let digits = trimmed.dropFirst(), digits.count >= 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let value = Int(digits), value > 0, digits.count == 3 || !digits.hasPrefix("0")
        else { throw QuhaoError(.ticketNumberInvalid, ["number": text]) }
        self.init(prefix: String(first), sequence: value)
    }

    /// `A001` … `A999`, `A1000` …
    public var description: String {
        let digits = String(sequence)
        return prefix + String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    }
}
