import ArgumentParser
import Foundation
import QuhaoCore
import QuhaoStore

/// Options naming a site.
struct SiteOption: ParsableArguments {
    @Option(help: "Site id (may be left out when the database has only one site).")
    var site: String?

    /// The site id, or the only site's.
    func resolve(in store: TicketStore) async throws -> String {
        if let site { return site }
        let sites = try await store.siteIDs()
        guard sites.count == 1 else {
            throw ExitFailure(message: "Which site? Pass --site, one of: \(sites.joined(separator: ", "))", code: 64)
        }
        return sites[0]
    }
}

/// Options naming a counter (window).
struct CounterOptions: ParsableArguments {
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var site: SiteOption
    @Option(help: "Window number.")
    var counter: Int
    @Option(help: "Staff id recorded in the event log.")
    var staff: String?
    @Flag(help: "Print the ticket as JSON.")
    var json = false

    var initiator: Initiator { staff.map(Initiator.staff) ?? .cli }
}

/// Options naming one ticket.
struct TicketOptions: ParsableArguments {
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var site: SiteOption
    @Argument(help: "Today's ticket number (A023), or a token with --token.")
    var ticket: String
    @Flag(help: "The argument is the ticket's token, not its number.")
    var token = false
    @Flag(help: "Print the ticket as JSON.")
    var json = false

    func reference(in store: TicketStore) async throws -> TicketReference {
        token ? .token(ticket) : .number(site: try await site.resolve(in: store), ticket)
    }
}

/// `quhao ticket …`: run the queue from a shell.
struct TicketCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ticket",
        abstract: "Take, call and move tickets from the command line (for staff without a browser, and scripts).",
        subcommands: [
            Take.self, Call.self, Recall.self, Start.self, Complete.self, NoShow.self, Transfer.self, Cancel.self, CheckIn.self,
            Reactivate.self, Show.self, List.self,
        ])

    struct Take: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Take a number.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var site: SiteOption
        @Option(help: "Business type: id or prefix letter (general, A, …).")
        var service: String
        @Option(help: "USCC or resident ID number, when the business type needs one.")
        var identity: String?
        @Option(help: "Mobile number.")
        var phone: String?
        @Option(help: "green (绿色通道), appointment or normal.")
        var priority: PriorityClass = .normal
        @Flag(help: "Queue remotely: passed over until checked in.")
        var remote = false
        @Flag(help: "Print the ticket as JSON.")
        var json = false

        func run() async throws {
            try await reportingErrors {
                let store = try await storeOptions.openStore()
                let request = IssueRequest(
                    siteID: try await site.resolve(in: store), service: service, identity: identity, phone: phone, priority: priority,
                    channel: .cli, remote: remote)
                let ticket = try await store.issue(request, by: .cli)
                try await Output.print(ticket, store: store, json: json)
            }
        }
    }

    struct Call: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Call the next ticket to a window (gives back the window's ticket if it holds one).")
        @OptionGroup var options: CounterOptions

        func run() async throws {
            try await reportingErrors {
                let store = try await options.storeOptions.openStore()
                let result = try await store.callNext(
                    site: try await options.site.resolve(in: store), counter: options.counter, by: options.initiator)
                if result.alreadyHeld, !options.json {
                    print("(window \(options.counter) already holds this ticket 该窗口已有在办号码)")
                }
                try await Output.print(result.ticket, store: store, json: options.json)
            }
        }
    }

    struct Recall: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Call the window's ticket again.")
        @OptionGroup var options: CounterOptions
        func run() async throws { try await counterAction(options) { try await $0.recall(site: $1, counter: $2, by: $3) } }
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The visitor arrived: start serving the window's ticket.")
        @OptionGroup var options: CounterOptions
        func run() async throws { try await counterAction(options) { try await $0.start(site: $1, counter: $2, by: $3) } }
    }

    struct Complete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Finish the window's ticket.")
        @OptionGroup var options: CounterOptions
        func run() async throws { try await counterAction(options) { try await $0.complete(site: $1, counter: $2, by: $3) } }
    }

    struct NoShow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "no-show", abstract: "Record that the called visitor did not come (after the recalls and grace period).")
        @OptionGroup var options: CounterOptions
        func run() async throws { try await counterAction(options) { try await $0.markNoShow(site: $1, counter: $2, by: $3) } }
    }

    struct Transfer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send the window's ticket to another business type, at the front of its queue, keeping the number.")
        @OptionGroup var options: CounterOptions
        @Option(help: "Target business type: id or prefix letter.")
        var to: String
        func run() async throws {
            try await counterAction(options) { store, site, counter, initiator in
                try await store.transfer(site: site, counter: counter, to: to, by: initiator)
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a ticket.")
        @OptionGroup var options: TicketOptions
        func run() async throws { try await ticketAction(options) { try await $0.cancel($1, by: .cli) } }
    }

    struct CheckIn: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "checkin", abstract: "Check a remote ticket in: it becomes callable.")
        @OptionGroup var options: TicketOptions
        func run() async throws { try await ticketAction(options) { try await $0.checkIn($1, by: .cli) } }
    }

    struct Reactivate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put a no-show back in the queue (once, same day, a few places behind the head).")
        @OptionGroup var options: TicketOptions
        func run() async throws { try await ticketAction(options) { try await $0.reactivate($1, by: .cli) } }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a ticket, its place in the queue and its history.")
        @OptionGroup var options: TicketOptions
        func run() async throws {
            try await reportingErrors {
                let store = try await options.storeOptions.openStore()
                let ticket = try await store.ticket(try await options.reference(in: store))
                try await Output.print(ticket, store: store, json: options.json)
                if !options.json {
                    let zone = try await store.site(ticket.siteID).zone
                    for event in try await store.events(site: ticket.siteID, ticket: ticket.id) {
                        let counter = event.counterID.map { " window \($0)" } ?? ""
                        print(
                            "  \(LocalTime.second(event.at, in: zone))  \(event.action)  \(event.fromState?.rawValue ?? "-") → \(event.toState.rawValue)\(counter)  by \(event.initiator)"
                        )
                    }
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Today's queues, windows and tickets at a site.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var site: SiteOption

        func run() async throws {
            try await reportingErrors {
                let store = try await storeOptions.openStore()
                let siteID = try await site.resolve(in: store)
                let day = try await store.today(site: siteID)
                print("\(siteID)  \(day)")
                for queue in try await store.queues(site: siteID) {
                    let wait = queue.estimatedWait.map { "≈\(Int(($0 / 60).rounded(.up))) min" } ?? "no open window"
                    print(
                        "  \(queue.service.prefix) \(queue.service.name.zh): waiting \(queue.waiting), remote \(queue.remote), issued \(queue.issuedToday), \(wait)"
                    )
                }
                for status in try await store.counters(site: siteID) {
                    let current = status.current.map { "\($0.number) \($0.state.rawValue)" } ?? "-"
                    print("  window \(status.counter.id)\(status.paused ? " (paused 暂停)" : ""): \(current)")
                }
                for ticket in try await store.tickets(site: siteID, day: day) {
                    print("  \(ticket.number)  \(ticket.state.rawValue)  \(ticket.serviceID)\(ticket.counterID.map { "  window \($0)" } ?? "")")
                }
            }
        }
    }
}

/// `quhao counter pause|resume`.
struct CounterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "counter", abstract: "Pause or resume a window.", subcommands: [Pause.self, Resume.self])

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a window from calling (it may finish its ticket).")
        @OptionGroup var options: CounterOptions
        func run() async throws {
            try await reportingErrors {
                let store = try await options.storeOptions.openStore()
                try await store.pause(site: try await options.site.resolve(in: store), counter: options.counter, by: options.initiator)
                print("window \(options.counter) paused 已暂停")
            }
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let a paused window call again.")
        @OptionGroup var options: CounterOptions
        func run() async throws {
            try await reportingErrors {
                let store = try await options.storeOptions.openStore()
                try await store.resume(site: try await options.site.resolve(in: store), counter: options.counter, by: options.initiator)
                print("window \(options.counter) resumed 已恢复")
            }
        }
    }
}

extension PriorityClass: ExpressibleByArgument {}

/// Runs an action on a window's ticket and prints the result.
func counterAction(
    _ options: CounterOptions, _ action: (TicketStore, String, Int, Initiator) async throws -> Ticket
) async throws {
    try await reportingErrors {
        let store = try await options.storeOptions.openStore()
        let ticket = try await action(store, try await options.site.resolve(in: store), options.counter, options.initiator)
        try await Output.print(ticket, store: store, json: options.json)
    }
}

/// Runs an action on one ticket and prints the result.
func ticketAction(_ options: TicketOptions, _ action: (TicketStore, TicketReference) async throws -> Ticket) async throws {
    try await reportingErrors {
        let store = try await options.storeOptions.openStore()
        let ticket = try await action(store, try await options.reference(in: store))
        try await Output.print(ticket, store: store, json: options.json)
    }
}

/// How tickets are printed.
enum Output {
    static func print(_ ticket: Ticket, store: TicketStore, json: Bool) async throws {
        let position = try await store.position(of: .id(ticket.id))
        if json {
            var object: [String: Any] = [
                "id": ticket.id, "number": ticket.number.description, "token": ticket.token, "site": ticket.siteID,
                "service": ticket.serviceID, "state": ticket.state.rawValue, "day": ticket.day.iso, "people_ahead": position.peopleAhead,
                "recalls": ticket.recallCount, "transfers": ticket.transferCount,
            ]
            object["counter"] = ticket.counterID
            object["estimated_wait_seconds"] = position.estimatedWait.map { Int($0.rounded()) }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            Swift.print(String(decoding: data, as: UTF8.self))
            return
        }
        let state = "\(Catalogue.chinese.template("state.\(ticket.state.rawValue)") ?? "") \(ticket.state.rawValue)"
        var line = "\(ticket.number)  \(state)  \(ticket.serviceID)"
        if let counter = ticket.counterID, [.called, .serving].contains(ticket.state) {
            line += "  → 请 \(ticket.number) 号到 \(counter) 号窗口办理"
        }
        if ticket.state == .waiting || ticket.state == .remote {
            line += "  ahead 前面 \(position.peopleAhead)"
            if let wait = position.estimatedWait { line += ", ≈\(Int((wait / 60).rounded(.up))) min" }
        }
        Swift.print(line)
        Swift.print("  token: \(ticket.token)")
    }
}
