import Foundation

/// How a site's calls are spoken: the language, and how the ticket and the window are read.
///
/// Halls read a ticket digit by digit (「A 零二三」: 023 is never "twenty-three") and a window
/// as a number (「十二号窗口」, not 「一二号窗口」); both can be changed per site.
public struct AnnouncementStyle: Hashable, Sendable, Codable {
    /// The language calls are spoken in.
    public enum Language: String, Hashable, Sendable, Codable, CaseIterable {
        case zh, en
    }

    /// How a number is read aloud.
    public enum Reading: String, Hashable, Sendable, Codable, CaseIterable {
        /// One digit after another: 023 → 零二三, "zero two three".
        case digits
        /// As a number: 23 → 二十三, "twenty-three".
        case number
    }

    public var language: Language
    public var ticket: Reading
    public var window: Reading

    public init(language: Language = .zh, ticket: Reading = .digits, window: Reading = .number) {
        self.language = language
        self.ticket = ticket
        self.window = window
    }
}

/// One call to be announced: a ticket number to a window.
public struct Announcement: Hashable, Sendable {
    public let number: TicketNumber
    public let counter: Int

    public init(number: TicketNumber, counter: Int) {
        self.number = number
        self.counter = counter
    }

    /// What a hall display shows: 「请 A023 号到 3 号窗口办理」 or "A023, please go to window 3".
    public func shown(in language: AnnouncementStyle.Language) -> String {
        switch language {
        case .zh: "请 \(number) 号到 \(counter) 号窗口办理"
        case .en: "\(number), please go to window \(counter)"
        }
    }

    /// The exact text handed to a speech engine: every digit already in words, so no engine can
    /// read 023 as "twenty-three", or a window digit by digit, on its own.
    public func spoken(_ style: AnnouncementStyle) -> String {
        // Ticket digits are read as shown: 023, three at least.
        switch style.language {
        case .zh:
            let ticket = Numerals.zh(number.sequence, style.ticket, width: 3)
            return "请 \(number.prefix)\(ticket) 号到\(Numerals.zh(counter, style.window))号窗口办理"
        case .en:
            let ticket = Numerals.en(number.sequence, style.ticket, width: 3)
            return "Number \(number.prefix) \(ticket), please go to window \(Numerals.en(counter, style.window))."
        }
    }
}

/// Numbers in words, the way they are said aloud.
public enum Numerals {
    static let zhDigits = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"]
    static let enSmall = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen",
        "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
    ]
    static let enTens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]

    /// One digit in Chinese (0 → 零).
    public static func zhDigit(_ digit: Int) -> String { zhDigits[digit] }

    /// The decimal digits of a non-negative value, left-padded with zeros to `width`.
    static func digits(_ value: Int, width: Int = 1) -> [Int] {
        value.zeroPadded(width).compactMap(\.wholeNumberValue)
    }

    /// A value read in Chinese as a number (二十三) or digit by digit (零二三, padded to `width`).
    public static func zh(_ value: Int, _ reading: AnnouncementStyle.Reading, width: Int = 1) -> String {
        reading == .number ? zh(value) : digits(value, width: width).map(zhDigit).joined()
    }

    /// A value read in English as a number (twenty-three) or digit by digit (zero two three, padded to `width`).
    public static func en(_ value: Int, _ reading: AnnouncementStyle.Reading, width: Int = 1) -> String {
        reading == .number ? en(value) : digits(value, width: width).map { enSmall[$0] }.joined(separator: " ")
    }

    /// A number from 0 to 9,999 in Chinese: 12 → 十二, 105 → 一百零五, 1010 → 一千零一十.
    /// Larger numbers are read digit by digit.
    public static func zh(_ value: Int) -> String {
        guard (0...9999).contains(value) else { return zh(value, .digits) }
        if value < 10 { return zhDigit(value) }
        if value < 20 { return "十" + (value == 10 ? "" : zhDigit(value - 10)) }
        let units = ["千", "百", "十", ""]
        let places = [value / 1000, value / 100 % 10, value / 10 % 10, value % 10]
        var text = ""
        var pendingZero = false
        for (place, digit) in places.enumerated() {
            if digit == 0 {
                if !text.isEmpty { pendingZero = true }
                continue
            }
            if pendingZero { text += "零" }
            pendingZero = false
            text += zhDigit(digit) + units[place]
        }
        return text
    }

    /// A number from 0 to 9,999 in English words: 12 → twelve, 105 → one hundred five.
    /// Larger numbers are read digit by digit.
    public static func en(_ value: Int) -> String {
        guard (0...9999).contains(value) else { return en(value, .digits) }
        if value < 20 { return enSmall[value] }
        if value < 100 { return enTens[value / 10] + (value % 10 == 0 ? "" : "-" + enSmall[value % 10]) }
        if value < 1000 { return enSmall[value / 100] + " hundred" + (value % 100 == 0 ? "" : " " + en(value % 100)) }
        return enSmall[value / 1000] + " thousand" + (value % 1000 == 0 ? "" : " " + en(value % 1000))
    }
}
