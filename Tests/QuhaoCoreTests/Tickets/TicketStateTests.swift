import QuhaoCore
import Testing

@Suite struct TicketStateTests {
    /// The whole legal table, written out independently of the implementation.
    static let legal: [TicketState: [TicketAction: TicketState]] = [
        .remote: [.checkIn: .waiting, .cancel: .cancelled, .expire: .expired],
        .waiting: [.call: .called, .cancel: .cancelled, .expire: .expired],
        .called: [
            .recall: .called, .start: .serving, .noShow: .noShow, .transfer: .waiting, .cancel: .cancelled, .expire: .expired, .release: .waiting,
        ],
        .serving: [.complete: .done, .transfer: .waiting],
        .noShow: [.reactivate: .waiting],
        .done: [:], .cancelled: [:], .expired: [:],
    ]

    @Test(arguments: TicketState.allCases)
    func everyActionFromEveryStateIsLegalOrRefusedWithItsCode(_ state: TicketState) throws {
        for action in TicketAction.allCases {
            if let expected = Self.legal[state]?[action] {
                #expect(try state.applying(action, number: "A001") == expected, "\(state) --\(action)-->")
            } else {
                #expect(
                    throws: QuhaoError(.ticketInvalidTransition, ["number": "A001", "state": state.rawValue, "action": action.rawValue])
                ) { try state.applying(action, number: "A001") }
            }
        }
    }

    @Test func refusalReadsWellInBothLanguages() {
        let error = QuhaoError(.ticketInvalidTransition, ["number": "A001", "state": "done", "action": "complete"])
        #expect(Catalogue.chinese.message(for: error) == "A001 号当前状态为「已完成」，不能办结。")
        #expect(Catalogue.english.message(for: error) == "Ticket A001 is done; it cannot be completed.")
    }
}

@Suite struct TicketNumberTests {
    @Test func threeDigitsThenFour() {
        #expect(TicketNumber(prefix: "A", sequence: 1).description == "A001")
        #expect(TicketNumber(prefix: "A", sequence: 23).description == "A023")
        #expect(TicketNumber(prefix: "A", sequence: 999).description == "A999")
        #expect(TicketNumber(prefix: "A", sequence: 1000).description == "A1000")
        #expect(TicketNumber(prefix: "B", sequence: 12345).description == "B12345")
    }

    @Test func parsesWhatPeopleType() throws {
        #expect(try TicketNumber(parsing: " a023 ") == TicketNumber(prefix: "A", sequence: 23))
        #expect(try TicketNumber(parsing: "A1000") == TicketNumber(prefix: "A", sequence: 1000))
        for bad in ["A23", "AA023", "A0023", "023", "A000", ""] {
            #expect(throws: QuhaoError(.ticketNumberInvalid, ["number": bad])) { try TicketNumber(parsing: bad) }
        }
    }
}
