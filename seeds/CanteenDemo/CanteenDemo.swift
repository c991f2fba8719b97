import Foundation
import QuhaoCore
import QuhaoStore

/// The source scenario's canteen supervision, rebuilt through the store's own commands (no SQL):
/// 120 units registered, **110 inspected**, **33 problems** found and **30 rectified and
/// verified** (90.9 %), 3 still open: one overdue, one not yet due, one rectification waiting to be
/// verified. The weeks before `end` are replayed day by day on a manual clock, so every date,
/// deadline and "overdue" is what the commands themselves made of it.
///
/// How the 33 close: 5 corrected on site, 19 rectified by the unit and verified (3 of them
/// rejected once first), 6 closed by a re-inspection; plus the 3 left open.
public enum CanteenDemo {
    /// What was built.
    public struct Outcome: Sendable, Hashable {
        public let units: Int
        public let inspected: Int
        public let findings: Int
        public let rectified: Int

        public init(units: Int, inspected: Int, findings: Int, rectified: Int) {
            self.units = units
            self.inspected = inspected
            self.findings = findings
            self.rectified = rectified
        }
    }

    /// The office's inspectors: logins and names. The demo makes their accounts (with passwords
    /// nobody knows: `quhao staff passwd LOGIN` gives one) so a plan can draw them.
    public static let inspectorAccounts = [("liming", "李明"), ("wangfang", "王芳"), ("zhaoqiang", "赵强"), ("chenjing", "陈静")]

    /// The plan drawn at the end of the replay, and its public draw's number.
    public static let planName = "本月双随机抽查"
    public static let planSeed = "20261201"
    /// The demo's visits were signed on the paper record (it draws no signatures).
    static let signedOnPaper = "演示数据：单位负责人在纸质记录上签字"

    public static let places = ["下沙", "白杨", "河庄", "义蓬", "新湾", "临江", "前进", "江东"]
    static let companies = ["华芯科技", "钱江制造", "东方物流", "海达生物", "远景电子", "新禾医药", "临江新材", "钱塘汽车"]
    static let dishes = ["小笼", "面", "家常菜", "海鲜", "川菜", "粥", "快餐", "烧烤"]
    /// General items that fail most often, and key items.
    static let generalItems = ["1.2", "2.2", "2.3", "3.1", "4.3", "5.2", "6.1", "9.1"]
    static let keyItems = ["2.1", "3.2", "4.1", "5.1", "7.1", "8.1"]

    /// The unit draft for number `n` (1…120).
    public static func draft(_ n: Int) -> UnitDraft {
        let place = places[n % places.count]
        let company = companies[(n / 3) % companies.count]
        let (type, name): (UnitType, String) =
            switch n % 10 {
            case 0, 1, 2: (.schoolCanteen, "钱塘区\(place)第\(n)小学食堂")
            case 3, 4: (.workplaceCanteen, "\(company)有限公司职工食堂（\(n)号楼）")
            case 5, 6, 7: (.restaurant, "\(place)\(dishes[n % dishes.count])馆（\(n)号店）")
            case 8: (.centralKitchen, "\(place)中央厨房\(n)号")
            default: (.mealDelivery, "\(company)配餐中心\(n)号")
            }
        let risk: RiskLevel = [.a, .b, .b, .c, .b, .c, .a, .b, .c, .d][n % 10]
        let body = "91330114" + String(format: "%09d", 700_000 + n)
        let kitchen: KitchenMode = [.video, .internet, .glass, .video, .none][n % 5]
        return UnitDraft(
            name: name, uscc: body + String(USCC.checkCharacter(for: Array(body))!), licence: "JY1330114" + String(format: "%07d", n),
            address: "杭州市钱塘区\(place)街道\(n % 40 + 1)号", type: type.rawValue, risk: risk.rawValue, contactName: "负责人\(n)",
            contactPhone: "1380000" + String(format: "%04d", n), kitchenMode: kitchen.rawValue,
            cameraURL: kitchen == .video || kitchen == .internet ? "https://kitchen.example.cn/live/\(n)" : "", area: "\(place)街道")
    }

    /// Builds the scenario. The office must exist (synced) and hold no units yet.
    /// - Parameters:
    ///   - store: A store whose clock is `clock`.
    ///   - site: The inspection office.
    ///   - end: The last moment of the replay ("now" when it is done).
    public static func load(into store: TicketStore, clock: ManualClock, site: String = "canteen", end: Date) async throws -> Outcome {
        let inspections = store.inspections
        guard try await inspections.units(site: site).isEmpty else {
            throw QuhaoError(.requestInvalid, ["reason": "the office already has units: load the demo into a fresh database"])
        }
        let checklist = try await inspections.checklist(site: site)
        let office = try await store.site(site)
        let zone = office.zone
        let lastDay = office.businessDay(at: end)
        /// 09:00 + `hour` on the day `days` before the last one.
        func at(_ days: Int, _ hour: Double) -> Date { lastDay.adding(days: -days).start(in: zone).addingTimeInterval((9 + hour) * 3600) }

        clock.set(at(45, -1))
        var inspectors: [Inspector] = []
        for (login, name) in inspectorAccounts {
            let account: StaffAccount
            if let existing = try await store.accounts.staffAccounts().first(where: { $0.login == login }) {
                guard existing.role == .inspector, existing.siteID == site else {
                    throw QuhaoError(
                        .requestInvalid, ["reason": "the login \(login) is taken by another account: load the demo into a fresh database"])
                }
                account = existing
            } else {
                account = try await store.accounts.addStaff(
                    NewStaff(login: login, name: name, role: .inspector, siteID: site, password: UUID().uuidString + UUID().uuidString))
            }
            inspectors.append(Inspector(initiator: .staff(String(account.id)), name: account.name))
        }
        var units: [RegisteredUnit] = []
        for n in 1...120 { units.append(try await inspections.createUnit(site: site, draft(n), by: .cli)) }

        // The problem units: 22 of the 110, 11 of them with two problems: 33 findings.
        let problemUnits = (1...110).filter { $0 % 10 == 3 || $0 % 10 == 7 }
        var planned: [Int: [String: ItemEntry]] = [:]
        var findingIndex = 0
        /// How each finding closes, in finding order (33).
        enum Fate { case corrected, rectified, rejectedThenRectified, reinspected, openOverdue, openNotDue, awaiting }
        // The overdue one first: it falls to the first unit inspected (a key item, long past due).
        let fates: [Fate] =
            [.openOverdue] + Array(repeating: .corrected, count: 5) + Array(repeating: .rectified, count: 16)
            + Array(repeating: .rejectedThenRectified, count: 3) + Array(repeating: .reinspected, count: 6) + [.awaiting, .openNotDue]
        var fateOf: [Int: [(code: String, fate: Fate)]] = [:]
        for (k, n) in problemUnits.enumerated() {
            let count = k % 2 == 0 ? 2 : 1
            var items: [String: ItemEntry] = [:]
            for j in 0..<count {
                let fate = fates[findingIndex]
                findingIndex += 1
                // Every third problem unit fails a key item first.
                let code = j == 0 && k % 3 == 0 ? keyItems[k % keyItems.count] : generalItems[(k + j) % generalItems.count]
                items[code] = ItemEntry(.no, note: "检查发现：\(checklist.item(code)?.text.zh ?? code)未落实", correctedOnSite: fate == .corrected)
                fateOf[n, default: []].append((code, fate))
            }
            planned[n] = items
        }
        // The last problem unit (the one whose finding is not yet due) is inspected on the last day.
        let lateUnit = fateOf.first { $0.value.contains { $0.fate == .openNotDue } }!.key

        // Day by day: three inspections a day over 40 days (the late unit on the last day), follow-ups after.
        var followUps: [Int: [(Inspection.ID, Int, String, Fate)]] = [:]
        var order = Array(1...110).filter { $0 != lateUnit }
        order.append(lateUnit)
        for (index, n) in order.enumerated() {
            let days = n == lateUnit ? 0 : 40 - index / 3
            let slot = Double(index % 3) * 2
            let unit = units[n - 1]
            let inspector = inspectors[index % 2]
            let team = index % 2 + 1
            clock.set(at(days, slot))
            let inspection: Inspection
            if n % 2 == 1 {
                // Requested by the unit through its link, called by a team.
                inspection = try await inspections.request(.routine, unitToken: unit.privateToken)
                clock.advance(by: 600)
                _ = try await store.callNext(site: site, counter: team, by: inspector.initiator)
                clock.advance(by: 1800)
                if unit.unit.cameraURL != nil, n % 4 == 1 {
                    _ = try await inspections.markRemote(inspection.id, by: inspector)
                } else {
                    _ = try await inspections.checkIn(posterToken: unit.posterToken, team: team, by: inspector)
                }
            } else {
                // An unannounced visit.
                inspection = try await inspections.checkIn(posterToken: unit.posterToken, team: team, by: inspector)
            }
            // On the premises, the team's second officer scans the same code (two officers on site).
            if try await inspections.inspection(inspection.id).mode == .onSite {
                _ = try await inspections.join(posterToken: unit.posterToken, by: inspectors[(index + 1) % 2])
            }
            clock.advance(by: 2400)
            var items = Dictionary(uniqueKeysWithValues: checklist.items.map { ($0.code, ItemEntry(.yes)) })
            if unit.unit.kitchenMode == .none { items["9.1"] = ItemEntry(.notApplicable) }
            for (code, entry) in planned[n] ?? [:] { items[code] = entry }
            let summary = planned[n] == nil ? "未发现问题" : "发现问题已告知单位负责人，限期整改"
            _ = try await inspections.record(inspection.id, items: items, summary: summary, by: inspector)
            clock.advance(by: 300)
            _ = try await inspections.checkOut(inspection.id, unsignedReason: Self.signedOnPaper, by: inspector)
            for (code, fate) in fateOf[n] ?? [] {
                followUps[max(0, days - 2), default: []].append((inspection.id, n, code, fate))
            }
        }
        // Follow-ups, in day order (two days after each inspection).
        for days in followUps.keys.sorted(by: >) {
            for (inspectionID, n, code, fate) in followUps[days]! {
                let unit = units[n - 1]
                let finding = try await inspections.details(inspectionID).findings.first { $0.itemCode == code }!
                clock.set(at(days, 1))
                let inspector = inspectors[n % 2]
                switch fate {
                case .corrected, .openOverdue, .openNotDue:
                    break
                case .rectified, .awaiting:
                    _ = try await inspections.submitRectification(
                        unitToken: unit.privateToken, finding: finding.id, text: "已按要求整改：\(code) 项已落实并留存记录", photos: [])
                    if fate == .rectified {
                        clock.advance(by: 3600)
                        _ = try await inspections.verifyRectification(finding.id, by: inspector)
                    }
                case .rejectedThenRectified:
                    _ = try await inspections.submitRectification(unitToken: unit.privateToken, finding: finding.id, text: "已整改", photos: [])
                    clock.advance(by: 3600)
                    _ = try await inspections.rejectRectification(finding.id, reason: "整改说明过于简单，请补充整改措施和记录", by: inspector)
                    clock.advance(by: 3600 * 3)
                    _ = try await inspections.submitRectification(
                        unitToken: unit.privateToken, finding: finding.id, text: "已补充整改措施：重新培训并建立每日检查记录", photos: [])
                    clock.advance(by: 3600)
                    _ = try await inspections.verifyRectification(finding.id, by: inspector)
                case .reinspected:
                    // The unit asks for a re-inspection; a team comes and the item passes now
                    // (an earlier re-inspection of the unit may have closed it already). Its other
                    // findings' items are not looked at, so they stay as they are.
                    guard try await inspections.details(inspectionID).findings.first(where: { $0.itemCode == code })?.state != .verified else {
                        continue
                    }
                    let recheck = try await inspections.request(.reinspection, unitToken: unit.privateToken)
                    clock.advance(by: 600)
                    _ = try await store.callNext(site: site, counter: 1, by: inspector.initiator)
                    clock.advance(by: 1800)
                    _ = try await inspections.checkIn(posterToken: unit.posterToken, team: 1, by: inspector)
                    _ = try await inspections.join(posterToken: unit.posterToken, by: inspectors[(n + 1) % 2])
                    var items = Dictionary(uniqueKeysWithValues: checklist.items.map { ($0.code, ItemEntry(.yes)) })
                    if unit.unit.kitchenMode == .none { items["9.1"] = ItemEntry(.notApplicable) }
                    for other in fateOf[n] ?? [] where other.fate != .reinspected { items[other.code] = ItemEntry(.notObserved) }
                    _ = try await inspections.record(recheck.id, items: items, summary: "复查：问题已整改", by: inspector)
                    _ = try await inspections.checkOut(recheck.id, unsignedReason: Self.signedOnPaper, by: inspector)
                }
            }
        }
        // A few units check themselves on the current checklist.
        for n in stride(from: 5, through: 60, by: 11) {
            clock.set(at(1, 3))
            let items = Dictionary(uniqueKeysWithValues: checklist.items.map { ($0.code, ItemEntry(.yes)) })
            _ = try await inspections.selfInspection(unitToken: units[n - 1].privateToken, items: items, summary: "单位自查")
        }
        // Diners' complaints from two posters: one waits for the office, one was checked and closed.
        clock.set(at(0, 2))
        _ = try await inspections.fileComplaint(
            posterToken: units[114].posterToken, ComplaintDraft(text: "午餐的青菜里吃出头发，餐具也有油污", happened: "昨天午餐"), photo: nil,
            device: "demo-diner-1", address: nil)
        let checked = try await inspections.fileComplaint(
            posterToken: units[40].posterToken, ComplaintDraft(text: "排队取餐时看到后厨地面有积水"), photo: nil, device: "demo-diner-2", address: nil)
        clock.advance(by: 1800)
        _ = try await inspections.closeComplaint(checked.id, reason: "已电话联系单位核实：地面积水系拖地所致，已提醒及时清理", by: inspectors[0].initiator)
        // An inspector's declared conflict, then this month's random plan, drawn with a public draw's number.
        let drawnFrom = try await inspections.inspectors(site: site)
        if let zhao = drawnFrom.first(where: { $0.login == "zhaoqiang" }) {
            _ = try await inspections.declareRecusal(site: site, staff: zhao.id, unit: units[2].unit.id, reason: "亲属经营", by: .cli)
        }
        let plan = try await inspections.createPlan(
            site: site,
            PlanDraft(
                name: planName, firstDay: lastDay, lastDay: lastDay.adding(days: 30), scope: PlanScope(),
                quotas: [.a: .count(2), .b: .count(3), .c: .count(3), .d: .count(2)]), by: .cli)
        _ = try await inspections.drawPlan(plan.id, seed: planSeed, by: .cli)
        clock.set(end)
        let summary = try await inspections.summary(site: site)
        return Outcome(
            units: units.count, inspected: summary.total.unitsInspected, findings: summary.total.findings, rectified: summary.total.rectified)
    }
}
