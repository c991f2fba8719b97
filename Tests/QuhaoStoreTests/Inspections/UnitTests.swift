import Foundation
import QuhaoCore
import Testing

@testable import QuhaoStore

/// The units registry: checked fields, one unit per credit code, two tokens that can be rotated.
@Suite struct UnitTests {
    @Test func aRegisteredUnitHasTwoDifferentTokensThatFindItOnlyAsTheirOwnKind() async throws {
        let (store, _) = try await InspectionFixture.store()
        let unit = try await store.inspections.createUnit(site: "office", InspectionFixture.draft(1), by: .cli)
        #expect(unit.unit.name == "第1食堂")
        #expect(unit.unit.type == .schoolCanteen && unit.unit.risk == .b && unit.unit.kitchenMode == .video)
        #expect(unit.posterToken.count == 22 && unit.privateToken.count == 22 && unit.posterToken != unit.privateToken)
        #expect(try await store.inspections.unit(token: unit.posterToken, as: .poster) == unit)
        #expect(try await store.inspections.unit(token: unit.privateToken, as: .private) == unit)
        await #expect(throws: QuhaoError(.unitTokenWrongKind)) { try await store.inspections.unit(token: unit.posterToken, as: .private) }
        await #expect(throws: QuhaoError(.unitTokenWrongKind)) { try await store.inspections.unit(token: unit.privateToken, as: .poster) }
        // A forged token of the right shape, and junk.
        var forged = Array(unit.privateToken)
        forged[5] = forged[5] == "A" ? "B" : "A"
        await #expect(throws: QuhaoError(.unitTokenInvalid)) { try await store.inspections.unit(token: String(forged), as: .private) }
        await #expect(throws: QuhaoError(.unitTokenInvalid)) { try await store.inspections.unit(token: "' OR 1=1 --", as: .private) }
    }

    @Test func rotatingATokenRetiresTheOldOneAndKeepsTheOther() async throws {
        let (store, _) = try await InspectionFixture.store()
        let before = try await store.inspections.createUnit(site: "office", InspectionFixture.draft(1), by: .cli)
        let after = try await store.inspections.rotateToken(.private, unit: before.unit.id, by: .cli)
        #expect(after.privateToken != before.privateToken)
        #expect(after.posterToken == before.posterToken)
        await #expect(throws: QuhaoError(.unitTokenInvalid)) { try await store.inspections.unit(token: before.privateToken, as: .private) }
        #expect(try await store.inspections.unit(token: after.privateToken, as: .private).unit.id == before.unit.id)
        let poster = try await store.inspections.rotateToken(.poster, unit: before.unit.id, by: .cli)
        #expect(poster.posterToken != before.posterToken && poster.privateToken == after.privateToken)
        await #expect(throws: QuhaoError(.unitTokenInvalid)) { try await store.inspections.unit(token: before.posterToken, as: .poster) }
    }

    @Test func tokensDifferBetweenUnitsAndBetweenDatabases() async throws {
        let (store, _) = try await InspectionFixture.store()
        let one = try await store.inspections.createUnit(site: "office", InspectionFixture.draft(1), by: .cli)
        let two = try await store.inspections.createUnit(site: "office", InspectionFixture.draft(2), by: .cli)
        #expect(Set([one.posterToken, one.privateToken, two.posterToken, two.privateToken]).count == 4)
        // Another database has another key: unit 1 there gets other tokens.
        let other = try await TestEngine.store(clock: ManualClock(Fixture.morning), random: .seeded(7))
        try await other.sync(sites: [InspectionFixture.office()])
        let elsewhere = try await other.inspections.createUnit(site: "office", InspectionFixture.draft(1), by: .cli)
        #expect(elsewhere.unit.id == one.unit.id)
        #expect(elsewhere.privateToken != one.privateToken)
    }

    @Test func eachBadFieldIsRefusedNamingTheField() async throws {
        let (store, _) = try await InspectionFixture.store()
        func refusal(_ change: (inout UnitDraft) -> Void) async -> QuhaoError? {
            var draft = InspectionFixture.draft(1)
            change(&draft)
            do {
                _ = try await store.inspections.createUnit(site: "office", draft, by: .cli)
                return nil
            } catch { return error as? QuhaoError }
        }
        let cases: [(String, QuhaoError.Code, (inout UnitDraft) -> Void)] = [
            ("name", .unitNameRequired, { $0.name = "  " }),
            ("uscc", .identityChecksum, { $0.uscc = "91350100M000100Y4Z" }),
            ("uscc", .identityRequired, { $0.uscc = "" }),
            ("licence", .unitLicenceFormat, { $0.licence = "JY123" }),
            ("address", .unitAddressRequired, { $0.address = "" }),
            ("type", .unitTypeUnknown, { $0.type = "网吧" }),
            ("risk", .unitRiskUnknown, { $0.risk = "E" }),
            ("contact_phone", .phoneFormat, { $0.contactPhone = "12345678901" }),
            ("kitchen_mode", .unitKitchenModeUnknown, { $0.kitchenMode = "x-ray" }),
            ("camera_url", .unitCameraURLInvalid, { $0.cameraURL = "javascript:alert(1)" }),
        ]
        for (field, code, change) in cases {
            let error = await refusal(change)
            #expect(error?.code == code, "\(field)")
            #expect(error?.parameters["field"] == field, "\(field)")
        }
        #expect(try await store.inspections.units(site: "office").isEmpty, "nothing was registered")
    }

    @Test func typedVariantsAreNormalized() throws {
        var draft = InspectionFixture.draft(3)
        draft.uscc = " " + draft.uscc.lowercased().map { String($0) }.joined(separator: " ") + " "
        draft.licence = "ｊｙ1330100-0000003"
        draft.type = "School canteen"
        draft.risk = "d"
        draft.contactPhone = "+86 138-1234-5678"
        draft.kitchenMode = "互联网明厨亮灶"
        let checked = try draft.checked()
        #expect(checked.uscc == InspectionFixture.uscc(3))
        #expect(checked.licence == "JY13301000000003")
        #expect(checked.type == .schoolCanteen && checked.risk == .d && checked.kitchenMode == .internet)
        #expect(checked.contactPhone == "13812345678")
    }

    @Test func aCreditCodeIsRegisteredOncePerOffice() async throws {
        let (store, _) = try await InspectionFixture.store()
        let first = try await store.inspections.createUnit(site: "office", InspectionFixture.draft(1), by: .cli)
        await #expect(throws: QuhaoError(.unitDuplicate, ["uscc": InspectionFixture.uscc(1), "name": "第1食堂", "field": "uscc"])) {
            try await store.inspections.createUnit(site: "office", InspectionFixture.draft(1, name: "别名"), by: .cli)
        }
        // Nor can another unit be changed to it.
        let second = try await store.inspections.createUnit(site: "office", InspectionFixture.draft(2), by: .cli)
        var draft = InspectionFixture.draft(2)
        draft.uscc = first.unit.uscc
        await #expect(throws: QuhaoError.self) { try await store.inspections.updateUnit(second.unit.id, draft, by: .cli) }
        #expect(try await store.inspections.unit(second.unit.id).unit.uscc == InspectionFixture.uscc(2))
    }

    @Test func unitsLiveOnlyInAnInspectionOffice() async throws {
        let (store, _) = try await InspectionFixture.store()
        await #expect(throws: QuhaoError(.siteNotFound, ["site": "hall"])) {
            try await store.inspections.createUnit(site: "hall", InspectionFixture.draft(1), by: .cli)
        }
    }

    @Test func aChangedChecklistIsANewVersionAndAnUnchangedOneIsNot() async throws {
        let (store, _) = try await InspectionFixture.store()
        try await store.sync(sites: [InspectionFixture.office()])
        #expect(try await store.inspections.checklist(site: "office").version == 1)
        var items = InspectionFixture.checklist
        items.removeLast()
        try await store.sync(sites: [InspectionFixture.office(checklist: items)])
        let current = try await store.inspections.checklist(site: "office")
        #expect(current.version == 2 && current.items.count == 4)
        let old = try await store.inspections.checklist(site: "office", version: 1)
        #expect(old.items.count == 5 && old.items.last?.code == "9.1")
    }
}
