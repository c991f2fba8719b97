import Testing

@testable import QuhaoCore

/// The exact words handed to a speech engine. Everything is already in words, so no engine can
/// read 023 as "twenty-three" or window 12 as "one two" on its own.
@Suite struct AnnouncementTests {
    static let a023 = Announcement(number: TicketNumber(prefix: "A", sequence: 23), counter: 3)
    static let b105 = Announcement(number: TicketNumber(prefix: "B", sequence: 105), counter: 12)

    @Test func hallsReadTheTicketDigitByDigitAndTheWindowAsANumber() {
        let style = AnnouncementStyle()
        #expect(Self.a023.spoken(style) == "请 A零二三 号到三号窗口办理")
        #expect(Self.b105.spoken(style) == "请 B一零五 号到十二号窗口办理")
    }

    @Test func theOtherReadingIsAConfigurationAway() {
        let style = AnnouncementStyle(language: .zh, ticket: .number, window: .digits)
        #expect(Self.a023.spoken(style) == "请 A二十三 号到三号窗口办理")
        #expect(Self.b105.spoken(style) == "请 B一百零五 号到一二号窗口办理")
    }

    @Test func englishSitesHearEnglishWords() {
        #expect(Self.a023.spoken(AnnouncementStyle(language: .en)) == "Number A zero two three, please go to window three.")
        #expect(Self.b105.spoken(AnnouncementStyle(language: .en)) == "Number B one zero five, please go to window twelve.")
        let other = AnnouncementStyle(language: .en, ticket: .number, window: .digits)
        #expect(Self.a023.spoken(other) == "Number A twenty-three, please go to window three.")
        #expect(Self.b105.spoken(other) == "Number B one hundred five, please go to window one two.")
    }

    @Test func displaysShowDigitsNotWords() {
        #expect(Self.a023.shown(in: .zh) == "请 A023 号到 3 号窗口办理")
        #expect(Self.b105.shown(in: .en) == "B105, please go to window 12")
    }

    @Test func fourDigitNumbersAreReadInFull() {
        let a1000 = Announcement(number: TicketNumber(prefix: "A", sequence: 1000), counter: 1)
        #expect(a1000.spoken(AnnouncementStyle()) == "请 A一零零零 号到一号窗口办理")
    }

    @Test(arguments: [
        (0, "零"), (7, "七"), (10, "十"), (11, "十一"), (20, "二十"), (23, "二十三"), (100, "一百"), (101, "一百零一"), (110, "一百一十"),
        (105, "一百零五"), (999, "九百九十九"), (1000, "一千"), (1001, "一千零一"), (1010, "一千零一十"), (1100, "一千一百"),
        (2005, "二千零五"), (9999, "九千九百九十九"),
    ])
    func chineseNumerals(_ value: Int, _ words: String) {
        #expect(Numerals.zh(value) == words)
    }

    @Test(arguments: [
        (0, "zero"), (12, "twelve"), (20, "twenty"), (21, "twenty-one"), (100, "one hundred"), (105, "one hundred five"),
        (1000, "one thousand"), (1203, "one thousand two hundred three"),
    ])
    func englishNumerals(_ value: Int, _ words: String) {
        #expect(Numerals.en(value) == words)
    }
}
