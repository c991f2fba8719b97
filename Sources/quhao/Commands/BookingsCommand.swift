import ArgumentParser
import Foundation
import QuhaoCore
import QuhaoStore

/// `quhao bookings`: a day's bookings at a site, per time.
struct BookingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bookings", abstract: "A day's bookings (预约) at a site, per time: places, checked in, missed.")

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var site: SiteOption
    @Option(help: "The day, YYYY-MM-DD (default: today at the site).")
    var day: String?
    @Flag(help: "One JSON object per booking, for scripts.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let store = try await storeOptions.openStore()
            let siteID = try await site.resolve(in: store)
            let definition = try await store.site(siteID)
            let date: BusinessDay
            if let day {
                guard let parsed = BusinessDay(iso: day) else {
                    throw ExitFailure(message: "--day must be a date YYYY-MM-DD, not \"\(day)\"", code: 64)
                }
                date = parsed
            } else {
                date = try await store.today(site: siteID)
            }
            let now = Date()
            let bookings = try await store.bookings.all(site: siteID, day: date)
            let zone = definition.zone
            func time(_ booking: Booking) -> String {
                booking.slot.times(in: zone)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                for booking in bookings {
                    var object: [String: String] = [
                        "day": date.iso, "time": time(booking), "service": booking.serviceID, "status": booking.status(at: now),
                    ]
                    object["identity"] = booking.identityMasked
                    object["phone"] = booking.phoneMasked
                    object["ticket"] = booking.ticketNumber
                    print(String(decoding: try encoder.encode(object), as: UTF8.self))
                }
                return
            }
            print("\(siteID)  \(date)  bookings 预约: \(bookings.filter { $0.state != .cancelled }.count)")
            var previous = ""
            for booking in bookings {
                let service = definition.service(booking.serviceID)
                let heading = "\(time(booking))  \(service?.prefix ?? "?") \(service?.name.zh ?? booking.serviceID)"
                if heading != previous {
                    let inSlot = bookings.filter { $0.slot == booking.slot && $0.serviceID == booking.serviceID && $0.state != .cancelled }
                    let capacity = service?.appointments?.capacity ?? 0
                    print("  \(heading): booked \(inSlot.count)/\(capacity), checked in \(inSlot.filter { $0.state == .checkedIn }.count)")
                    previous = heading
                }
                let who = [booking.identityMasked, booking.phoneMasked].compactMap { $0 }.joined(separator: " ")
                print("    \(booking.status(at: now))  \(who)\(booking.ticketNumber.map { "  → \($0)" } ?? "")")
            }
        }
    }
}
