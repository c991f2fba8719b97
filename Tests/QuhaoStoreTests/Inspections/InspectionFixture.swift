import Foundation
import QuhaoCore
import QuhaoStore

/// An inspection office with two teams, a five-item checklist (two key items) and the default rules.
enum InspectionFixture {
    static let checklist = [
        ChecklistItem(
            code: "1.1", section: LocalizedText(zh: "许可管理", en: "Licensing"), text: LocalizedText(zh: "许可证有效", en: "Licence valid"), isKey: true),
        ChecklistItem(
            code: "2.1", section: LocalizedText(zh: "人员管理", en: "Staff"), text: LocalizedText(zh: "持健康证明", en: "Health certificates"), isKey: true),
        ChecklistItem(
            code: "2.2", section: LocalizedText(zh: "人员管理", en: "Staff"), text: LocalizedText(zh: "穿戴工作衣帽", en: "Work clothes"), isKey: false),
        ChecklistItem(code: "3.1", section: LocalizedText(zh: "环境卫生", en: "Premises"), text: LocalizedText(zh: "场所清洁", en: "Clean"), isKey: false),
        ChecklistItem(
            code: "9.1", section: LocalizedText(zh: "明厨亮灶", en: "Open kitchen"), text: LocalizedText(zh: "设施运行", en: "Cameras work"), isKey: false),
    ]

    static func office(checklist: [ChecklistItem] = checklist, rules configure: (inout InspectionRules) -> Void = { _ in }) -> Site {
        var rules = InspectionRules(checklist: checklist, routineService: "routine", reinspectionService: "recheck")
        configure(&rules)
        return Site(
            id: "office", name: LocalizedText(zh: "食品安全监管所", en: "Food-safety office"), kind: .inspection,
            services: [
                Service(id: "routine", prefix: "J", name: LocalizedText(zh: "日常检查申请", en: "Routine"), identity: .uscc, phone: .required),
                Service(id: "recheck", prefix: "K", name: LocalizedText(zh: "整改复查申请", en: "Re-inspection"), identity: .uscc, phone: .required),
            ],
            counters: [Counter(id: 1, services: ["recheck", "routine"]), Counter(id: 2, services: ["routine", "recheck"])],
            rules: QueueRules(allowRemote: false, presence: .static),
            inspection: rules)
    }

    /// A fresh in-memory store with the office and the fixture hall, at Wednesday 10:00.
    static func store(at start: Date = Fixture.morning, office: Site = office()) async throws -> (TicketStore, ManualClock) {
        let clock = ManualClock(start)
        let store = try await TestEngine.store(clock: clock, random: .seeded(42))
        try await store.sync(sites: [Fixture.site, office])
        return (store, clock)
    }

    /// A valid credit code for a number (its check character computed).
    static func uscc(_ n: Int) -> String {
        let body = "91330100" + String(format: "%09d", n)
        return body + String(USCC.checkCharacter(for: Array(body))!)
    }

    static func draft(_ n: Int, name: String? = nil, risk: RiskLevel = .b, area: String = "", type: UnitType = .schoolCanteen) -> UnitDraft {
        UnitDraft(
            name: name ?? "第\(n)食堂", uscc: uscc(n), licence: "JY1330100" + String(format: "%07d", n), address: "钱塘区\(n)号",
            type: type.rawValue, risk: risk.rawValue, contactName: "王师傅", contactPhone: "13812345678", kitchenMode: "video",
            cameraURL: "https://cam.example.cn/\(n)", area: area)
    }
}
