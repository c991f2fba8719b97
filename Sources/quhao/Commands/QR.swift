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
        commandName: "qr", abstract: "Print or save QR codes.", subcommands: [SiteQR.self, UnitQR.self])

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case svg, png, text
    }

    /// Draws an address as a QR code in a format, to a file (saying so) or to standard output.
    static func emit(_ url: String, caption: String, format: Format, out: String?) throws {
        guard let matrix = QRMatrix(encoding: url, correction: .quartile) else {
            throw ExitFailure(message: "The address is too long for a QR code: \(url)", code: 1)
        }
        // On standard error: a QR written to standard output stays a clean file.
        if let warning = PublicAddress.warning(for: url) { FileHandle.standardError.write(Data((warning + "\n").utf8)) }
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
                guard definition.kind == .taxHall else {
                    throw ExitFailure(
                        message: """
                            \(site) is an inspection office: it takes no anonymous numbers, so it has no take-a-number QR. \
                            Print each unit's poster: quhao qr unit UNIT --poster --site \(site)
                            """, code: 2)
                }
                var url = "\(settings.publicURL)/s/\(definition.id)"
                if definition.rules.presence == .rotating, !plain {
                    url += "?p=\(PresenceCodes(store: store, clock: try SystemClock.fromEnvironment()).current(site: definition.id))"
                }
                try QRCommand.emit(url, caption: "扫码取号 Scan to take a number · \(definition.name.zh)", format: format, out: out)
            }
        }
    }

    struct UnitQR: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "unit",
            abstract: "A canteen unit's QR: the public poster for its premises, or the private link for its contact.",
            discussion: """
                --poster (公示): posted at the premises; anyone may read it, and a signed-in inspector checks in by scanning it. \
                --private: handed to the unit's contact only (a registration sheet); it lets the unit request inspections and \
                answer findings. Rotate either with `quhao units rotate`.
                """)

        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "The inspection office (when the unit is named by its credit code).")
        var site: String?
        @Argument(help: "The unit: its id or its credit code.")
        var unit: String
        @Flag(help: "Which QR.")
        var kind: UnitsCommand.Rotate.TokenKind
        @Option(help: "svg, png (for printing) or text (this terminal).")
        var format: Format = .text
        @Option(help: "Write to this file instead of standard output.")
        var out: String?

        func run() async throws {
            try await reportingErrors {
                let store = try await storeOptions.openStore()
                let settings = try storeOptions.settings(file: try storeOptions.loadConfig().file)
                let found = try await UnitsCommand.unit(unit, site: site, store: store)
                let url =
                    kind == .poster ? "\(settings.publicURL)/p/\(found.posterToken)" : "\(settings.publicURL)/u/\(found.privateToken)"
                let caption =
                    kind == .poster
                    ? "食品安全公示 Food-safety notice · \(found.unit.name)" : "单位专用 For the unit only · \(found.unit.name)"
                try QRCommand.emit(url, caption: caption, format: format, out: out)
            }
        }
    }
}
