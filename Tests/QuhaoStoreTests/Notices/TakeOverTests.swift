import Foundation
import QuhaoCore
import Synchronization
import Testing

@testable import QuhaoStore

/// A number that survives a closed browser: the same identity and phone elsewhere are told the
/// number and its place; acting on it there needs a code texted to that phone.
@Suite struct TakeOverTests {
    static let uscc = "91350100M000100Y43"

    static func request(phone: String = "13812345678", device: String? = nil) -> IssueRequest {
        IssueRequest(siteID: "hall", service: "invoice", identity: uscc, phone: phone, device: device)
    }

    static func code(_ store: TicketStore) async throws -> String? {
        try await store.read { db in try db.value(String.self, "SELECT detail FROM notices WHERE kind = 'code' ORDER BY id DESC LIMIT 1") }
    }

    @Test func anotherBrowserIsToldTheNumberAndItsPlaceButNotItsLink() async throws {
        let (store, _) = try await NoticeOutboxTests.store()
        _ = try await store.issue(IssueRequest(siteID: "hall", service: "invoice", identity: "91110000600037341L"))
        let first = try await store.issue(Self.request(device: "phone-browser-aaaaaaaa"))
        let held = await #expect(throws: QuhaoError.self) { try await store.issue(Self.request(device: "scanner-browser-bbbbbbbb")) }
        #expect(held?.code == .ticketHeldElsewhere)
        #expect(held?.parameters["number"] == first.number.description)
        #expect(held?.parameters["place"] == "前面还有 1 人")
        #expect(held?.parameters["phone"] == "138****5678")
        #expect(held.map { Catalogue.chinese.message(for: $0) }?.contains(first.token) == false)
        // Someone who knows the ID but not the phone learns nothing more than before.
        let other = await #expect(throws: QuhaoError.self) { try await store.issue(Self.request(phone: "13900000000", device: "x-browser-cccccccc")) }
        #expect(other?.code == .identityDuplicate)
    }

    @Test func aCodeTextedToThePhoneHandsTheNumberToTheNewBrowserOnce() async throws {
        let (store, clock) = try await NoticeOutboxTests.store()
        let first = try await store.issue(Self.request(device: "phone-browser-aaaaaaaa"))
        #expect(try await store.sendTakeOverCode(Self.request()) == "138****5678")
        let limited = await #expect(throws: QuhaoError.self) { try await store.sendTakeOverCode(Self.request()) }
        #expect(limited?.code == .ticketClaimLimited)
        let code = try #require(try await Self.code(store))
        #expect(code.count == 6)
        let claimed = try await store.notices.claim(site: "hall", channel: .sms, limit: 10, lease: 15, publicURL: "https://q.example")
        let message = try #require(claimed.first { $0.notice.kind == .code })
        #expect(message.verdict == .send && message.address == "13812345678" && message.text.contains(code))
        #expect(!message.text.contains(first.token), "the code's text carries no link")
        try await store.notices.settle(message.notice.id, .sent, attempted: true)
        #expect(try await Self.code(store) == nil, "the code's text is gone once sent")
        // A wrong code, then the right one: the number is this browser's.
        let wrong = await #expect(throws: QuhaoError.self) {
            try await store.takeOver(Self.request(), code: code == "000000" ? "111111" : "000000", device: "scanner-browser-bbbbbbbb")
        }
        #expect(wrong?.code == .ticketClaimInvalid)
        // Found by a walk: one wrong try of five said "请重新获取".
        #expect(wrong.map(Catalogue.of(.zhCN).message(for:)) == "验证码不正确，还可再试 4 次。")
        let taken = try await store.takeOver(Self.request(), code: code, device: "scanner-browser-bbbbbbbb")
        #expect(taken.id == first.id)
        #expect(try await store.activeTicket(site: "hall", device: "scanner-browser-bbbbbbbb")?.id == first.id)
        let again = await #expect(throws: QuhaoError.self) { try await store.takeOver(Self.request(), code: code, device: "third-browser-dddddddd") }
        #expect(again?.code == .ticketClaimInvalid, "used up")
        // Five wrong tries burn a code, even before it expires.
        clock.advance(by: 61)
        _ = try await store.sendTakeOverCode(Self.request())
        let fresh = try #require(
            try await store.read { db in
                try db.value(Int.self, "SELECT COUNT(*) FROM notices WHERE kind = 'code'")
            })
        #expect(fresh == 2)
        let newCode = try #require(try await Self.code(store))
        for _ in 0..<TicketStore.takeOverAttempts {
            _ = try? await store.takeOver(Self.request(), code: newCode == "000000" ? "111111" : "000000", device: "third-browser-dddddddd")
        }
        let burnt = await #expect(throws: QuhaoError.self) {
            try await store.takeOver(Self.request(), code: newCode, device: "third-browser-dddddddd")
        }
        #expect(burnt?.code == .ticketClaimInvalid)
        #expect(burnt.map(Catalogue.of(.zhCN).message(for:)) == "验证码不正确或已过期，请重新获取。")
    }

    @Test func noCodeForANumberThatIsNotHeldOrAHallWithoutTexts() async throws {
        let (store, _) = try await NoticeOutboxTests.store()
        let none = await #expect(throws: QuhaoError.self) { try await store.sendTakeOverCode(Self.request()) }
        #expect(none?.code == .ticketClaimInvalid)
        #expect(none.map(Catalogue.of(.zhCN).message(for:)) == "今天没有用这个证件号和手机号取得的号，请核对后重试。")
        let (silent, _) = try await NoticeOutboxTests.store(sites: [Fixture.site])
        _ = try await silent.issue(Self.request(device: "phone-browser-aaaaaaaa"))
        let unavailable = await #expect(throws: QuhaoError.self) { try await silent.sendTakeOverCode(Self.request()) }
        #expect(unavailable?.code == .noticeUnavailable)
    }

    /// Found by the walk: a phone typed only to get a code stayed in the WAL after the ticket ended.
    @Test(.sqliteOnly) func aPhoneTypedForACodeIsGoneFromTheFilesWhenTheTicketEnds() async throws {
        try await Fixture.withStoredStore(sites: [NoticeOutboxTests.site]) { store, stored in
            let ticket = try await store.issue(Self.request(phone: "13566667777", device: "phone-browser-aaaaaaaa"))
            _ = try await store.sendTakeOverCode(Self.request(phone: "13566667777"))
            #expect(try await stored().range(of: Data("13566667777".utf8)) != nil)
            let told = Mutex(0)
            store.notices.onErased { told.withLock { $0 += 1 } }
            _ = try await store.cancel(.token(ticket.token))
            // The daemon's eraser is told, and checkpoints (as here).
            #expect(told.withLock { $0 } == 1)
            try await store.notices.dropErasedPages()
            #expect(try await stored().range(of: Data("13566667777".utf8)) == nil)
        }
    }
}
