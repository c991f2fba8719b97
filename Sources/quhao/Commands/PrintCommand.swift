import ArgumentParser
import Foundation
import Printing
import QuhaoConfig
import QuhaoCore
import QuhaoStore

/// `quhao print test`: a sample ticket on the hall's printer (or another), to set one up;
/// `quhao print reprint SITE NUMBER`: an open ticket's slip again.
struct PrintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "print", abstract: "Ticket printers.", subcommands: [Test.self, Reprint.self])

    /// Sends a laid-out ticket (`nil`: it could not be laid out) straight to a printer, or exits with why not.
    static func send(_ bytes: [UInt8]?, to target: PrinterTarget, failed: String) async throws {
        guard let bytes else { throw ExitFailure(message: "cannot lay out the ticket (no GB18030 converter in the C library?)", code: 1) }
        do {
            try await PrinterConnection(target: target).send(bytes)
        } catch let error as PrinterError {
            throw ExitFailure(message: "\(failed) \(error.zh)\n  \(error.en)", code: 1)
        }
    }

    struct Reprint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a ticket of today's again on its hall's printer (the first slip did not come out, or was lost).",
            discussion: "Only a ticket still in the queue (waiting, remote, called or being served). Example: quhao print reprint qiantang A023")
        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The site (a tax hall with sites[].printer).")
        var site: String
        @Argument(help: "The ticket's number today, e.g. A023.")
        var number: String

        /// Seconds the command waits for the daemon to print the slip.
        static let patience = 10

        func run() async throws {
            try await reportingErrors {
                let (file, _) = try storeOptions.loadConfig()
                let settings = try storeOptions.settings(file: file)
                let store = try await storeOptions.openStore()
                let site = try await store.site(site)
                guard let printer = site.printer, let target = PrinterTarget(printer.target) else {
                    throw QuhaoError(.printerNotConfigured)
                }
                let ticket = try await store.ticket(.number(site: site.id, number.uppercased()))
                guard !ticket.state.isFinal else { throw QuhaoError(.ticketReprintNotOpen, ["number": ticket.number.description]) }
                let ahead = try await store.position(of: .id(ticket.id)).peopleAhead
                let slip = TicketSlip(
                    site: site, number: ticket.number.description, serviceID: ticket.serviceID, peopleAhead: ahead, takenAt: ticket.issuedAt,
                    url: PublicLinks.ticket(ticket.token, base: settings.publicURL))
                // Through the hall's print queue: the daemon driving the printer prints it, in turn
                // with the windows' and the kiosk's slips (never two senders on one printer at once).
                let spooler = PrintSpooler(store: store, clock: try SystemClock.fromEnvironment())
                switch await spooler.print(site: site.id, slip: slip, settings: printer, within: .seconds(Self.patience)) {
                case .printed:
                    print("已补打 reprinted \(ticket.number) (\(ahead) ahead 前面 \(ahead) 人) on \(target)")
                case .queued:
                    throw ExitFailure(
                        message: """
                            未打印：\(Self.patience) 秒内没有守护进程取走此号票（quhao serve 是否在运行？）；它在队列中保留一分钟。
                              not printed within \(Self.patience) s: no daemon took the slip (is quhao serve running?); it stays queued for a minute.
                            """, code: 1)
                case let outcome:
                    let problem = outcome.problem.map { "\($0.zh)\n  \($0.en)" } ?? outcome.code
                    throw ExitFailure(message: "未打印 not printed: \(problem)", code: 1)
                }
            }
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a sample ticket: hall name, number A001 in double size, business type, people ahead, time, QR code.",
            discussion: """
                Without --printer: the printer of the site's configuration (sites[].printer.target). \
                Examples: quhao print test --printer tcp://192.168.1.50:9100 · quhao print test --printer /dev/usb/lp0
                """)
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "The site (default: the first with a printer, else the first tax hall).")
        var site: String?
        @Option(help: "tcp://host:port (a network printer, usually port 9100) or a device such as /dev/usb/lp0.")
        var printer: String?
        @Option(help: "Paper width in mm: 58 or 80 (default: the configuration's, else 58).")
        var paper: Int?
        @Option(help: "raster (the QR code as an image: every printer) or native (the printer's own QR command).")
        var qr: String?

        func run() async throws {
            try await reportingErrors {
                let (file, _) = try storeOptions.loadConfig()
                let settings = try storeOptions.settings(file: file)
                let sites = file.domainSites
                let chosen: Site
                if let site {
                    guard let found = sites.first(where: { $0.id == site }) else {
                        throw ExitFailure(message: "--site \(site): no such site (configured: \(sites.map(\.id).joined(separator: ", ")))", code: 2)
                    }
                    chosen = found
                } else {
                    guard let first = sites.first(where: { $0.printer != nil }) ?? sites.first(where: { $0.kind == .taxHall }) ?? sites.first else {
                        throw ExitFailure(message: "no site configured", code: 2)
                    }
                    chosen = first
                }
                guard let targetText = printer ?? chosen.printer?.target else {
                    throw ExitFailure(
                        message: "\(chosen.id) has no printer in the configuration (sites[].printer.target); give one with --printer", code: 2)
                }
                guard let target = PrinterTarget(targetText) else {
                    throw ExitFailure(message: "--printer \(targetText): give tcp://host:port or a device path like /dev/usb/lp0", code: 2)
                }
                let width = paper ?? chosen.printer?.paper ?? 58
                guard let paperWidth = PaperWidth(rawValue: width) else { throw ExitFailure(message: "--paper must be 58 or 80", code: 2) }
                guard let mode = QRPrinting(rawValue: qr ?? chosen.printer?.qr ?? "raster") else {
                    throw ExitFailure(message: "--qr must be raster or native", code: 2)
                }
                let service = chosen.services.first
                var slip = TicketSlip(
                    site: chosen, number: "\(service?.prefix ?? "A")001", serviceID: service?.id ?? "", peopleAhead: 0,
                    takenAt: try SystemClock.fromEnvironment().now(), url: "\(settings.publicURL)/s/\(chosen.id)")
                slip.footer = chosen.printer?.footer ?? PrinterSettings(target: targetText).footer
                try await PrintCommand.send(ESCPOS.ticket(slip, paper: paperWidth, qr: mode), to: target, failed: "打印失败")
                print("已打印样张 printed a sample ticket (\(slip.number), \(paperWidth.rawValue) mm, QR \(mode.rawValue)) on \(target)")
            }
        }
    }
}
