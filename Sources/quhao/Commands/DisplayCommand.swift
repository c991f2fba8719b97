import ArgumentParser
import Foundation
import Presence
import QuhaoConfig
import QuhaoCore
import QuhaoDisplay
import QuhaoStore

/// `quhao display --site SITE`: the hall board on this terminal, or JSON lines for other systems.
struct DisplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "display",
        abstract: "Show a site's calls full screen on this terminal (or write them as JSON lines), following a running daemon.",
        discussion: """
            The board follows the daemon at --url by long-polling its board, like the hall TV page. It uses the \
            alternate screen and gives the terminal back on exit (Ctrl-C). The take-a-number QR of a site with \
            rotating codes needs the display key (--key, or $QUHAO_DISPLAY_KEY; on the daemon's own machine it is \
            read from the database). To draw the board inside the daemon instead: quhao serve --display SITE.

            Examples:
              quhao display --site qiantang
              quhao display --site qiantang --url http://10.0.0.5:8080 --announce 'espeak-ng -v cmn {text}'
              quhao display --site qiantang --jsonl | my-led-sign-driver
            """)

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "Site id, e.g. qiantang.")
    var site: String

    @Option(help: "The daemon's address (default: $QUHAO_URL, else http://127.0.0.1:8080).")
    var url: String?

    @Option(help: "The site's display key, for the rotating take-a-number QR (default: $QUHAO_DISPLAY_KEY).")
    var key: String?

    @Option(help: "A command run for each call; {text} stands for the words to say, {number} and {counter} for the call (Quhao quotes them).")
    var announce: String?

    @Flag(help: "Write one JSON object per event (call, recall, connection lost/restored) to standard output instead of drawing.")
    var jsonl = false

    func validate() throws {
        if let problem = announce.flatMap(Announcer.problem(with:)) { throw ValidationError(problem) }
    }

    func run() async throws {
        try await reportingErrors {
            let environment = ProcessInfo.processInfo.environment
            let address = url ?? environment["QUHAO_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:8080"
            guard let base = URL(string: address), base.scheme == "http" || base.scheme == "https", base.host != nil else {
                throw ExitFailure(message: "--url must be an http(s) address such as http://127.0.0.1:8080, not \"\(address)\"", code: 2)
            }
            let display = ConsoleDisplay(
                site: site, feed: HTTPBoardFeed(base: base, site: site, key: try await displayKey(environment)),
                output: jsonl ? .jsonLines : .screen, announce: try announce.map { try Announcer.command($0).get() })
            let task = Task { await display.run() }
            // Ctrl-C and SIGTERM end the display; it gives the terminal back on the way out.
            let signals = [SIGINT, SIGTERM].map { number in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number)
                source.setEventHandler { task.cancel() }
                source.resume()
                return source
            }
            await task.value
            for source in signals { source.cancel() }
        }
    }

    /// The key given, or the one kept in the local database when there is one.
    func displayKey(_ environment: [String: String]) async throws -> String? {
        if let key = key ?? environment["QUHAO_DISPLAY_KEY"].flatMap({ $0.isEmpty ? nil : $0 }) { return key }
        let (file, _) = try storeOptions.loadConfig()
        let settings = try storeOptions.settings(file: file)
        let clock = try SystemClock.fromEnvironment()
        guard settings.usesPostgres || FileManager.default.fileExists(atPath: settings.databasePath),
            let store = try? await StoreOptions.open(settings, clock: clock)
        else { return nil }
        return PresenceCodes(store: store, clock: clock).displayKey(site: site)
    }
}
