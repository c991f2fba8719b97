import Foundation
import QuhaoCore
import QuhaoStore
import Testing

@Suite struct IssueTests {
    @Test func numbersCountUpPerServiceFromOne() async throws {
        let (store, _) = try await Fixture.store()
        #expect(try await store.take("general").number.description == "A001")
        #expect(try await store.take("A").number.description == "A002")
        #expect(try await store.take("invoice", identity: "91350100M000100Y43").number.description == "B001")
        #expect(try await store.take("general").number.description == "A003")
    }

    @Test func numbersRestartAtMidnightInShanghaiWithAnInjectedClock() async throws {
        let (store, clock) = try await Fixture.store(at: Fixture.date(25, 23, 59, 58))
        #expect(try await store.take("general").number.description == "A001")
        #expect(try await store.take("general").number.description == "A002")
        clock.advance(by: 1)  // 23:59:59 in Shanghai, 15:59:59 UTC
        let last = try await store.take("general")
        #expect(last.number.description == "A003")
        #expect(last.day.iso == "2026-11-25")
        clock.advance(by: 1)  // 00:00:00 on the 26th in Shanghai, still the 25th in UTC
        let first = try await store.take("general")
        #expect(first.number.description == "A001")
        #expect(first.day.iso == "2026-11-26")
    }

    @Test func fourDigitsPast999() async throws {
        let (store, _) = try await Fixture.store()
        for _ in 1...999 { try await store.take("general") }
        #expect(try await store.take("general").number.description == "A1000")
        #expect(try await store.take("general").number.description == "A1001")
    }

    @Test func dailyCapRefusesTheFourthOfThree() async throws {
        let (store, clock) = try await Fixture.store()
        for _ in 1...3 { try await store.take("capped") }
        await #expect(throws: QuhaoError(.serviceDailyCapReached, ["service": "限号业务", "service@en": "Capped", "cap": "3"])) {
            try await store.take("capped")
        }
        // Cancelling does not give the number back: the cap counts numbers issued.
        _ = try await store.cancel(.number(site: "hall", "C001"))
        await #expect(throws: QuhaoError.self) { try await store.take("capped") }
        clock.set(Fixture.date(26, 9))
        #expect(try await store.take("capped").number.description == "C001", "a new day, a new cap")
    }

    @Test func closedServicesRefuseNumbers() async throws {
        let (store, clock) = try await Fixture.store()
        await #expect(throws: QuhaoError(.serviceClosed, ["service": "周一业务", "service@en": "Mondays only"])) {
            try await store.take("mondays")
        }
        clock.set(Fixture.date(30, 9))  // Monday
        #expect(try await store.take("mondays").number.description == "D001")
        clock.set(Fixture.date(30, 17, 0))
        await #expect(throws: QuhaoError.self) { try await store.take("mondays") }
    }

    @Test func unknownSiteAndServiceAreNamed() async throws {
        let (store, _) = try await Fixture.store()
        await #expect(throws: QuhaoError(.siteNotFound, ["site": "nowhere"])) {
            try await store.issue(IssueRequest(siteID: "nowhere", service: "A"))
        }
        await #expect(throws: QuhaoError(.serviceNotFound, ["service": "Z"])) { try await store.take("Z") }
    }

    @Test func identityIsCheckedHashedMaskedAndOncePerServicePerDay() async throws {
        let (store, _) = try await Fixture.store()
        await #expect(throws: QuhaoError(.identityRequired, ["service": "发票业务", "service@en": "Invoices", "kind": "uscc"])) {
            try await store.take("invoice")
        }
        await #expect(throws: QuhaoError(.identityChecksum, ["kind": "uscc"])) {
            try await store.take("invoice", identity: "91350100M000100Y4Z")
        }
        let ticket = try await store.take("invoice", identity: "91350100m000100y43")
        #expect(ticket.identityMasked == "9135***********Y43")
        await #expect(throws: QuhaoError(.identityDuplicate, ["service": "发票业务", "service@en": "Invoices"])) {
            try await store.take("invoice", identity: " 91350100M000100Y43")
        }
        // Once cancelled, the same firm may take a new number.
        _ = try await store.cancel(.token(ticket.token))
        #expect(try await store.take("invoice", identity: "91350100M000100Y43").number.description == "B002")
    }

    @Test func staffMayOverrideAFailingLegacyCodeAndTheLogSaysSo() async throws {
        let (store, _) = try await Fixture.store()
        let legacy = "91350100M0001TGQXM"
        await #expect(throws: QuhaoError.self) {
            try await store.issue(IssueRequest(siteID: "hall", service: "invoice", identity: legacy, identityOverride: true))
        }
        let ticket = try await store.issue(
            IssueRequest(siteID: "hall", service: "invoice", identity: legacy, channel: .staff, identityOverride: true), by: .staff("7"))
        let events = try await store.events(site: "hall", ticket: ticket.id)
        #expect(events.first?.detail == "identity checksum overridden by staff")
        #expect(events.first?.initiator == "staff:7")
    }

    @Test func phoneIsValidatedAndMasked() async throws {
        let (store, _) = try await Fixture.store()
        await #expect(throws: QuhaoError(.phoneFormat)) {
            try await store.issue(IssueRequest(siteID: "hall", service: "invoice", identity: "91110000600037341L", phone: "12345678901"))
        }
        let ticket = try await store.issue(
            IssueRequest(siteID: "hall", service: "invoice", identity: "91110000600037341L", phone: "+86 138 1234 5678"))
        #expect(ticket.phoneMasked == "138****5678")
    }

    @Test func tokensAre128BitRandomAndUnique() async throws {
        let (store, _) = try await Fixture.store()
        var tokens: Set<String> = []
        for _ in 0..<200 { tokens.insert(try await store.take("general").token) }
        #expect(tokens.count == 200)
        #expect(tokens.allSatisfy { $0.count == 22 && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" } })
    }
}
