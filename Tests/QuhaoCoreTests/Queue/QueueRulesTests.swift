import QuhaoCore
import Testing

@Suite struct CallPolicyTests {
    @Test func greenThenAppointmentThenNormal() {
        #expect(CallPolicy.choose(green: "G", appointment: "P", normal: "N", priorityStreak: 0, burst: 2)?.candidate == "G")
        #expect(CallPolicy.choose(green: nil, appointment: "P", normal: "N", priorityStreak: 0, burst: 2)?.candidate == "P")
        #expect(CallPolicy.choose(green: nil, appointment: nil, normal: "N", priorityStreak: 0, burst: 2)?.candidate == "N")
        #expect(CallPolicy.choose(green: String?.none, appointment: nil, normal: nil, priorityStreak: 0, burst: 2) == nil)
    }

    @Test func afterTwoPriorityCallsOneNormalIsTaken() {
        var streak = 0
        var calls: [String] = []
        for _ in 0..<6 {
            let choice = CallPolicy.choose(green: "G", appointment: nil, normal: "N", priorityStreak: streak, burst: 2)!
            calls.append(choice.candidate)
            streak = CallPolicy.streak(after: choice, previous: streak)
        }
        #expect(calls == ["G", "G", "N", "G", "G", "N"])
    }

    @Test func priorityContinuesWhenNobodyNormalWaits() {
        let choice = CallPolicy.choose(green: "G", appointment: nil, normal: nil, priorityStreak: 5, burst: 2)
        #expect(choice?.candidate == "G")
        #expect(choice?.isPriority == true)
    }
}

@Suite struct QueuePlacementTests {
    let keys: [Int64] = [10, 20, 30, 40, 50]

    @Test func placesBehindTheThirdTicket() {
        #expect(QueuePlacement.key(behind: 3, in: keys) == 35)
        #expect(QueuePlacement.key(behind: 0, in: keys)! < 10)
        #expect(QueuePlacement.key(behind: 9, in: keys)! > 50)
        #expect(QueuePlacement.key(behind: 3, in: []) == 0)
    }

    @Test func asksForRenumberingWhenNeighboursTouch() {
        #expect(QueuePlacement.key(behind: 1, in: [10, 11]) == nil)
        let fresh = QueuePlacement.renumbered(count: 3)
        #expect(fresh == fresh.sorted())
        #expect(QueuePlacement.key(behind: 1, in: fresh) != nil)
    }
}

@Suite struct WaitEstimatorTests {
    @Test func peopleAheadOverOpenCountersTimesAverage() {
        #expect(WaitEstimator.estimate(peopleAhead: 6, openCounters: 3, averageServiceSeconds: 300) == 600)
        #expect(WaitEstimator.estimate(peopleAhead: 6, openCounters: 0, averageServiceSeconds: 300) == nil)
    }

    @Test func defaultUntilTheDayHasDataThenMovingAverage() {
        #expect(WaitEstimator.averageServiceSeconds(recent: [], defaultMinutes: 5) == 300)
        #expect(WaitEstimator.averageServiceSeconds(recent: [100, 200], defaultMinutes: 5) == 150)
        let many = [Double](repeating: 60, count: 10) + [6000]
        #expect(WaitEstimator.averageServiceSeconds(recent: many, defaultMinutes: 5) == 60, "only the last ten count")
    }
}
