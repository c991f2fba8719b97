import ArgumentParser
import Foundation
import Presence
import QRCode
import QuhaoConfig
import QuhaoCore
import QuhaoStore

/// `quhao qr site SITE`: the hall poster QR.
struct QRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qr", abstract: "Print or save QR codes.", subcommands: [SiteQR.self])

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case svg, png, text
    }

    struct SiteQR: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "site",
            abstract: "The hall QR: the take-a-number address (with the current code when the site rotates codes).",
            discussion: """
                A printed poster should carry the plain address (--plain): on a rotating site phones that scan it \
                take remote numbers and check in with the live code on the hall display.
                """)

        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "Site id, e.g. qiantang.")
        var site: String
        @Option(help: "svg, png (for printing) or text (this terminal).")
        var format: Format = .text
        @Option(help: "Write to this file instead of standard output.")
        var out: String?
        @Flag(help: "The plain address, without the rotating code (for printed posters).")
        var plain = false

        func run() async throws {
            try await reportingErrors {
                let store = try await storeOptions.openStore()
                let (file, _) = try storeOptions.loadConfig()
                let settings = try storeOptions.settings(file: file)
                let definition = try await store.site(site)
                var url = "\(settings.publicURL)/s/\(definition.id)"
                if definition.rules.presence == .rotating, !plain {
                    url += "?p=\(PresenceCodes(store: store, clock: try SystemClock.fromEnvironment()).current(site: definition.id))"
                }
                guard let matrix = QRMatrix(encoding: url, correction: .quartile) else {
                    throw ExitFailure(message: "The address is too long for a QR code: \(url)", code: 1)
                }
                let caption = "扫码取号 Scan to take a number · \(definition.name.zh)"
                let bytes: Data =
                    switch format {
                    case .svg: Data(matrix.svg(caption: caption).utf8)
                    case .png: Data(matrix.png(scale: 12))
                    case .text: Data((matrix.terminalText(ansi: out == nil) + "\n\(url)\n").utf8)
                    }
                if let out {
                    try bytes.write(to: URL(fileURLWithPath: out))
                    print("\(out): \(url)")
                } else {
                    FileHandle.standardOutput.write(bytes)
                }
            }
        }
    }
}
