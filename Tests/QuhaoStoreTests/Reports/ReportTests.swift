import Foundation
import QuhaoCore
import QuhaoFormats
import Testing

@testable import QuhaoStore

/// Every figure on one scripted day, against answers worked out by hand below (not by the code
/// under test), then across midnight in Asia/Shanghai.
///
/// Wednesday 2026-11-25, Shanghai time:
///
/// | ticket | how | issued | checked in | called (window, by) | start | done / end | wait | walk | service | busy |
/// |---|---|---|---|---|---|---|---|---|---|---|
/// | A001 | phone in hall | 09:00 | | 09:12 (1, 王芳) | 09:13 | 09:20 done | 720 | 60 | 420 | 480 |
/// | A002 | staff (王芳) | 09:00 | | 09:21 (2, 李娜) | | 09:24 no-show | 1260 | | | 180 |
/// | A003 | remote | 09:10 | 09:20 | 09:25 (1, 王芳) | 09:26 | 09:36 done | 300 | 60 | 600 | 660 |
/// | A004 | phone in hall | 10:05 | | | | 10:06 cancelled | | | | |
/// | A005 | phone in hall | 16:00 | | | | expired at midnight | | | | |
/// | A006 | phone in hall | 23:50 | | | | expired at midnight | | | | |
///
/// Window 1 pauses 09:20:30–09:23:30 (180 s). A001 is rated 5, A003 rated 1 (at 09:40).
/// On Thursday 2026-11-26, A001 is taken at 00:10 (the same UTC date as Wednesday's 23:50).
@Suite struct ReportTests {
    static let wednesday = BusinessDay(iso: "2026-11-25")!
    static let thursday = BusinessDay(iso: "2026-11-26")!

    struct Day {
        let store: TicketStore
        let clock: ManualClock
        let wang: String
        let li: String
    }

    static func at(_ hour: Int, _ minute: Int, _ second: Int = 0, day: Int = 25) -> Date { Fixture.date(day, hour, minute, second) }

    /// Plays Wednesday up to `until` (nil: through midnight, with the day's end run).
    static func wednesdayPlayed(expire: Bool = true) async throws -> Day {
        let (store, clock) = try await Fixture.store(at: at(9, 0))
        let wang =
            "staff:\(try await store.accounts.addStaff(NewStaff(login: "wang", name: "王芳", role: .staff, siteID: "hall", counters: [1, 3], password: "window-one-pass"), cost: 4).id)"
        let li =
            "staff:\(try await store.accounts.addStaff(NewStaff(login: "li", name: "李娜", role: .staff, siteID: "hall", counters: [2], password: "window-two-pass"), cost: 4).id)"
        let wangID = String(wang.dropFirst(6))
        let liID = String(li.dropFirst(6))
        let a001 = try await store.issue(IssueRequest(siteID: "hall", service: "general"))
        try await store.issue(IssueRequest(siteID: "hall", service: "general", channel: .staff), by: .staff(wangID))
        clock.set(at(9, 10))
        let a003 = try await store.issue(IssueRequest(siteID: "hall", service: "general", remote: true))
        clock.set(at(9, 12))
        #expect(try await store.callNext(site: "hall", counter: 1, by: .staff(wangID)).ticket.number.description == "A001")
        clock.set(at(9, 13))
        _ = try await store.start(site: "hall", counter: 1, by: .staff(wangID))
        clock.set(at(9, 20))
        _ = try await store.complete(site: "hall", counter: 1, by: .staff(wangID))
        _ = try await store.checkIn(.token(a003.token))
        clock.set(at(9, 20, 30))
        try await store.pause(site: "hall", counter: 1, by: .staff(wangID))
        clock.set(at(9, 21))
        #expect(try await store.callNext(site: "hall", counter: 2, by: .staff(liID)).ticket.number.description == "A002")
        clock.set(at(9, 22))
        _ = try await store.recall(site: "hall", counter: 2, by: .staff(liID))
        clock.set(at(9, 23))
        _ = try await store.recall(site: "hall", counter: 2, by: .staff(liID))
        clock.set(at(9, 23, 30))
        try await store.resume(site: "hall", counter: 1, by: .staff(wangID))
        clock.set(at(9, 24))
        _ = try await store.markNoShow(site: "hall", counter: 2, by: .staff(liID))
        clock.set(at(9, 25))
        #expect(try await store.callNext(site: "hall", counter: 1, by: .staff(wangID)).ticket.number.description == "A003")
        clock.set(at(9, 26))
        _ = try await store.start(site: "hall", counter: 1, by: .staff(wangID))
        clock.set(at(9, 36))
        _ = try await store.complete(site: "hall", counter: 1, by: .staff(wangID))
        clock.set(at(9, 40))
        _ = try await store.rate(.token(a001.token), score: 5)
        _ = try await store.rate(.token(a003.token), score: 1)
        clock.set(at(10, 5))
        let a004 = try await store.issue(IssueRequest(siteID: "hall", service: "general"))
        clock.set(at(10, 6))
        _ = try await store.cancel(.token(a004.token))
        clock.set(at(16, 0))
        try await store.issue(IssueRequest(siteID: "hall", service: "general"))
        clock.set(at(23, 50))
        try await store.issue(IssueRequest(siteID: "hall", service: "general"))
        if expire {
            clock.set(at(0, 10, day: 26))
            #expect(try await store.expireClosed() == 2)
            #expect(try await store.issue(IssueRequest(siteID: "hall", service: "general")).number.description == "A001")
        }
        return Day(store: store, clock: clock, wang: wang, li: li)
    }

    static func wednesdayOnly(_ store: TicketStore) -> ReportRange { ReportRange(site: "hall", from: wednesday, to: wednesday) }

    @Test func theDaysTicketFigures() async throws {
        let day = try await Self.wednesdayPlayed()
        let report = try await day.store.reports.tickets(Self.wednesdayOnly(day.store), group: .day)
        #expect(report.rows.map(\.key) == ["2026-11-25"])
        let total = report.total
        #expect(total.issued == 6)
        #expect(total.issuedInHall == 4 && total.issuedRemote == 1 && total.issuedByStaff == 1)
        #expect(total.called == 3)
        #expect(total.served == 2)
        #expect(total.noShow == 1)
        #expect(total.cancelled == 1)
        #expect(total.expired == 2)
        // Waits 720 + 1260 + 300 = 2280 s over 3; in minutes 12, 21, 5: median 12, p90 21.
        #expect(total.waitAverageSeconds == 760)
        #expect(total.waitP50Minutes == 12)
        #expect(total.waitP90Minutes == 21)
        #expect(total.walkAverageSeconds == 60)
        #expect(total.serviceAverageSeconds == 510)
        #expect(total.busySeconds == 1320)
        #expect(report.rows[0].figures == total)
    }

    @Test func byArrivalHourAndByOrigin() async throws {
        let day = try await Self.wednesdayPlayed()
        let byHour = try await day.store.reports.tickets(Self.wednesdayOnly(day.store), group: .hour)
        #expect(byHour.rows.map(\.label) == ["09:00", "10:00", "16:00", "23:00"])
        #expect(byHour.rows.map(\.figures.issued) == [3, 1, 1, 1])
        let nine = byHour.rows[0].figures
        #expect(nine.served == 2 && nine.noShow == 1 && nine.waitAverageSeconds == 760 && nine.waitP90Minutes == 21)
        #expect(byHour.rows[1].figures.cancelled == 1)
        #expect(byHour.rows[3].figures.expired == 1)
        let byOrigin = try await day.store.reports.tickets(Self.wednesdayOnly(day.store), group: .origin)
        #expect(byOrigin.rows.map(\.key) == ["hall", "remote", "staff"])
        #expect(byOrigin.rows.map(\.figures.issued) == [4, 1, 1])
        // The remote ticket waited from its check-in (09:20) to its call (09:25).
        #expect(byOrigin.rows[1].figures.waitAverageSeconds == 300)
        #expect(byOrigin.rows[2].figures.waitAverageSeconds == 1260)
        let byService = try await day.store.reports.tickets(Self.wednesdayOnly(day.store), group: .service)
        #expect(byService.rows.map(\.label) == ["A 综合业务"])
    }

    @Test func windowsBusyPausedAndIdle() async throws {
        let day = try await Self.wednesdayPlayed()
        let report = try await day.store.reports.windows(Self.wednesdayOnly(day.store))
        #expect(report.rows.map(\.counter) == [1, 2])
        let one = report.rows[0]
        // Window 1: open 09:12–09:36 = 1440 s, busy 480 + 660 = 1140, paused 180, idle 120.
        #expect(one.figures.served == 2 && one.figures.serviceAverageSeconds == 510 && one.figures.walkAverageSeconds == 60)
        #expect(one.openSeconds == 1440)
        #expect(one.figures.busySeconds == 1140)
        #expect(one.pausedSeconds == 180)
        #expect(one.idleSeconds == 120)
        // Window 2: the no-show held it 09:21–09:24.
        let two = report.rows[1]
        #expect(two.figures.served == 0 && two.figures.noShow == 1 && two.figures.called == 1)
        #expect(two.openSeconds == 180 && two.figures.busySeconds == 180 && two.pausedSeconds == 0 && two.idleSeconds == 0)
    }

    @Test func staffAndTheirRatings() async throws {
        let day = try await Self.wednesdayPlayed()
        let report = try await day.store.reports.staff(Self.wednesdayOnly(day.store))
        #expect(report.rows.map(\.name) == ["王芳", "李娜"])
        let wang = report.rows[0]
        #expect(wang.staff == day.wang)
        #expect(wang.figures.served == 2 && wang.figures.called == 2 && wang.figures.serviceAverageSeconds == 510)
        #expect(wang.ratings == 2 && wang.ratingAverage == 3)
        let li = report.rows[1]
        #expect(li.figures.served == 0 && li.figures.noShow == 1 && li.ratings == 0 && li.ratingAverage == nil)
    }

    @Test func ratingsPerLevelAndTheBadOnesToFollowUp() async throws {
        let day = try await Self.wednesdayPlayed()
        let report = try await day.store.reports.ratings(Self.wednesdayOnly(day.store))
        #expect(report.levels.map(\.score) == [5, 4, 3, 2, 1])
        #expect(report.levels.map(\.count) == [1, 0, 0, 0, 1])
        #expect(report.count == 2 && report.average == 3)
        #expect(report.bad.count == 1)
        let bad = try #require(report.bad.first)
        #expect(bad.number == "A003" && bad.score == 1 && bad.counter == 1 && bad.staffName == "王芳" && bad.day == "2026-11-25")
        #expect(bad.at == Self.at(9, 40))
    }

    /// A bad rating's time reads as the hall reads it: 24-hour, in Shanghai, whatever the process locale
    /// (it read "09:05" for 21:05 before).
    @Test(arguments: [(0, 30, "00:30"), (12, 30, "12:30"), (21, 5, "21:05")])
    func aBadRatingsTimeIsTheHallsClock(_ hour: Int, _ minute: Int, _ expected: String) async throws {
        let (store, clock) = try await Fixture.store(at: Self.at(hour, 0))
        let ticket = try await store.issue(IssueRequest(siteID: "hall", service: "general"))
        _ = try await store.callNext(site: "hall", counter: 1, by: .cli)
        _ = try await store.start(site: "hall", counter: 1, by: .cli)
        _ = try await store.complete(site: "hall", counter: 1, by: .cli)
        clock.set(Self.at(hour, minute))
        _ = try await store.rate(.token(ticket.token), score: 2)
        let report = try await store.reports.ratings(Self.wednesdayOnly(store))
        #expect(report.bad.map(\.time) == [expected])
        #expect(report.bad.map(\.day) == ["2026-11-25"])
    }

    @Test func aRangeCrossingMidnightInShanghai() async throws {
        let day = try await Self.wednesdayPlayed()
        // Wednesday 23:50 and Thursday 00:10 in Shanghai are both 2026-11-25 in UTC; each belongs to its own business day.
        let both = try await day.store.reports.tickets(ReportRange(site: "hall", from: Self.wednesday, to: Self.thursday), group: .day)
        #expect(both.rows.map(\.key) == ["2026-11-25", "2026-11-26"])
        #expect(both.rows.map(\.figures.issued) == [6, 1])
        #expect(both.total.issued == 7)
        let thursday = try await day.store.reports.tickets(ReportRange(site: "hall", from: Self.thursday, to: Self.thursday), group: .hour)
        #expect(thursday.rows.map(\.label) == ["00:00"])
        #expect(thursday.total.issued == 1 && thursday.total.expired == 0)
        let hours = try await day.store.reports.tickets(ReportRange(site: "hall", from: Self.wednesday, to: Self.thursday), group: .hour)
        #expect(hours.rows.map(\.label) == ["00:00", "09:00", "10:00", "16:00", "23:00"])
        // Ratings by the day they were given, in Shanghai.
        #expect(try await day.store.reports.ratings(ReportRange(site: "hall", from: Self.thursday, to: Self.thursday)).count == 0)
    }

    @Test func openTicketsCountLiveAndOnceTheyFinishFromTheRollup() async throws {
        // Before midnight A005 and A006 are still waiting: issued, not yet expired.
        let day = try await Self.wednesdayPlayed(expire: false)
        let before = try await day.store.reports.tickets(Self.wednesdayOnly(day.store), group: .day).total
        #expect(before.issued == 6 && before.expired == 0 && before.served == 2)
        day.clock.set(Self.at(0, 10, day: 26))
        #expect(try await day.store.expireClosed() == 2)
        let after = try await day.store.reports.tickets(Self.wednesdayOnly(day.store), group: .day).total
        #expect(after.issued == 6 && after.expired == 2 && after.served == 2, "counted once, not twice")
    }

    @Test func aReactivatedNoShowIsCountedOnce() async throws {
        let (store, clock) = try await Fixture.store(at: Self.at(9, 0))
        let ticket = try await store.issue(IssueRequest(siteID: "hall", service: "general"))
        clock.set(Self.at(9, 1))
        _ = try await store.callNext(site: "hall", counter: 2)
        for minute in 2...3 {
            clock.set(Self.at(9, minute))
            _ = try await store.recall(site: "hall", counter: 2)
        }
        clock.set(Self.at(9, 4))
        _ = try await store.markNoShow(site: "hall", counter: 2)
        let range = ReportRange(site: "hall", from: Self.wednesday, to: Self.wednesday)
        #expect(try await store.reports.tickets(range, group: .day).total.noShow == 1)
        clock.set(Self.at(9, 5))
        _ = try await store.reactivate(.token(ticket.token))
        var total = try await store.reports.tickets(range, group: .day).total
        #expect(total.issued == 1 && total.noShow == 1 && total.served == 0)
        clock.set(Self.at(9, 6))
        _ = try await store.callNext(site: "hall", counter: 2)
        _ = try await store.start(site: "hall", counter: 2)
        clock.set(Self.at(9, 10))
        _ = try await store.complete(site: "hall", counter: 2)
        total = try await store.reports.tickets(range, group: .day).total
        // One ticket: issued once, a no-show once, then served; its wait is to its first call (60 s).
        #expect(total.issued == 1 && total.noShow == 1 && total.served == 1 && total.called == 1)
        #expect(total.waitAverageSeconds == 60 && total.serviceAverageSeconds == 240)
    }

    @Test func theRollupEqualsARebuildFromTheEventLog() async throws {
        let day = try await Self.wednesdayPlayed()
        let range = ReportRange(site: "hall", from: Self.wednesday, to: Self.thursday)
        let live = try await (day.store.reports.tickets(range, group: .hour), day.store.reports.windows(range), day.store.reports.staff(range))
        #expect(try await day.store.reports.rebuildFacts() == 6, "the six finished tickets of Wednesday")
        let rebuilt = try await (day.store.reports.tickets(range, group: .hour), day.store.reports.windows(range), day.store.reports.staff(range))
        #expect(live.0 == rebuilt.0)
        #expect(live.1 == rebuilt.1)
        #expect(live.2 == rebuilt.2)
    }

    /// A ticket one window called and transferred, and another served, worked out by hand
    /// (Wednesday, Shanghai):
    ///
    /// | ticket | issued as | events |
    /// |---|---|---|
    /// | A001 | general | 09:05 called at 1 (王芳), 09:06 start, 09:08 transferred to invoice; 09:10 called at 3 (赵伟), 09:11 start, 09:20 done |
    /// | A002 | general | 09:07 called at 2 (李娜), 09:08 start, 09:15 done |
    ///
    /// By ticket: 2 issued, both as general (none as invoice), 2 called, 2 served; waits 300 and
    /// 420 s. Window 1: 1 call, 1 transfer out, busy 180 s (09:05–09:08), open 180 s. Window 3:
    /// 1 call, 1 transfer in, served 1, busy 600 s, service 540 s. Window 2: 1 call, served 1.
    @Test func aTransferredTicketCountsOnceUnderItsTypeAndAtBothWindows() async throws {
        let (store, clock) = try await Fixture.store(at: Self.at(9, 0))
        func staff(_ login: String, _ name: String, _ counter: Int) async throws -> String {
            String(
                try await store.accounts.addStaff(
                    NewStaff(login: login, name: name, role: .staff, siteID: "hall", counters: [counter], password: "counter-\(counter)-pass-word"),
                    cost: 4
                ).id)
        }
        let wang = try await staff("wang", "王芳", 1)
        let li = try await staff("li", "李娜", 2)
        let zhao = try await staff("zhao", "赵伟", 3)
        try await store.issue(IssueRequest(siteID: "hall", service: "general"))
        try await store.issue(IssueRequest(siteID: "hall", service: "general"))
        clock.set(Self.at(9, 5))
        #expect(try await store.callNext(site: "hall", counter: 1, by: .staff(wang)).ticket.number.description == "A001")
        clock.set(Self.at(9, 6))
        _ = try await store.start(site: "hall", counter: 1, by: .staff(wang))
        clock.set(Self.at(9, 7))
        #expect(try await store.callNext(site: "hall", counter: 2, by: .staff(li)).ticket.number.description == "A002")
        clock.set(Self.at(9, 8))
        _ = try await store.transfer(site: "hall", counter: 1, to: "invoice", by: .staff(wang))
        _ = try await store.start(site: "hall", counter: 2, by: .staff(li))
        let range = Self.wednesdayOnly(store)
        // Read live while A001 waits in the invoice queue: window 1's call and transfer already show.
        let meanwhile = try await store.reports.windows(range)
        #expect(meanwhile.rows.first { $0.counter == 1 }?.figures.called == 1)
        #expect(meanwhile.rows.first { $0.counter == 1 }?.figures.transferredOut == 1)
        #expect(try await store.reports.tickets(range, group: .service).rows.map(\.key) == ["general"])
        clock.set(Self.at(9, 10))
        #expect(try await store.callNext(site: "hall", counter: 3, by: .staff(zhao)).ticket.number.description == "A001")
        clock.set(Self.at(9, 11))
        _ = try await store.start(site: "hall", counter: 3, by: .staff(zhao))
        clock.set(Self.at(9, 15))
        _ = try await store.complete(site: "hall", counter: 2, by: .staff(li))
        clock.set(Self.at(9, 20))
        _ = try await store.complete(site: "hall", counter: 3, by: .staff(zhao))

        let tickets = try await store.reports.tickets(range, group: .service)
        #expect(tickets.rows.map(\.key) == ["general"], "issued as general; none as invoice")
        let total = tickets.total
        #expect(total.issued == 2 && total.called == 2 && total.served == 2)
        #expect(total.waitAverageSeconds == 360)
        #expect(total.transferredIn == 1 && total.transferredOut == 1)

        let windows = try await store.reports.windows(range)
        #expect(windows.rows.map(\.counter) == [1, 2, 3])
        let one = windows.rows[0]
        #expect(one.figures.called == 1 && one.figures.transferredOut == 1 && one.figures.transferredIn == 0 && one.figures.served == 0)
        #expect(one.figures.busySeconds == 180 && one.openSeconds == 180)
        let two = windows.rows[1]
        #expect(two.figures.called == 1 && two.figures.served == 1 && two.figures.transferredIn == 0 && two.figures.transferredOut == 0)
        #expect(two.figures.busySeconds == 480 && two.figures.serviceAverageSeconds == 420)
        let three = windows.rows[2]
        #expect(three.figures.called == 1 && three.figures.transferredIn == 1 && three.figures.transferredOut == 0 && three.figures.served == 1)
        #expect(three.figures.busySeconds == 600 && three.figures.serviceAverageSeconds == 540)

        let people = try await store.reports.staff(range)
        #expect(people.rows.map(\.name) == ["王芳", "李娜", "赵伟"])
        #expect(people.rows.map(\.figures.called) == [1, 1, 1])
        #expect(people.rows.map(\.figures.transferredOut) == [1, 0, 0])
        #expect(people.rows.map(\.figures.transferredIn) == [0, 0, 1])
        #expect(people.rows.map(\.figures.served) == [0, 1, 1])

        // The same figures from the event log alone, and in the table every format prints.
        #expect(try await store.reports.rebuildFacts() == 2)
        #expect(try await store.reports.windows(range) == windows)
        #expect(try await store.reports.tickets(range, group: .service) == tickets)
        let table = windows.table
        let columns = table.columns.map(\.key)
        let inColumn = try #require(columns.firstIndex(of: "transferred_in"))
        let outColumn = try #require(columns.firstIndex(of: "transferred_out"))
        #expect(table.rows.map { [$0[inColumn], $0[outColumn]] } == [["0", "1"], ["0", "0"], ["1", "0"]])
    }
}
