import ArgumentParser
import Foundation
import Presence
import QRCode
import QuhaoConfig
import QuhaoCore
import QuhaoHTTP
import QuhaoStore

/// `quhao qr site SITE`: the hall poster QR.
struct QRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qr", abstract: "Print or save QR codes.", subcommands: [SiteQR.self, UnitQR.self])

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case svg, png, html, text
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
            case .html: throw ExitFailure(message: "--format html prints a unit's sheet (quhao qr unit UNIT --poster --format html).", code: 2)
            case .text: Data((matrix.terminalText(ansi: out == nil) + "\n\(url)\n").utf8)
            }
        try write(bytes, out: out, url: url)
    }

    /// Bytes to a file (saying so, readable by its owner and group only) or to standard output.
    static func write(_ bytes: Data, out: String?, url: String) throws {
        if let out {
            try PrivateFiles.write(bytes, to: out, mode: PrivateFiles.ownerAndGroup)
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
            abstract: "A canteen unit's sheet: the public notice for its premises, or the private link's sheet for its contact.",
            discussion: """
                --poster (食品安全公示): posted at the premises with the unit's name and latest result; anyone may read it, and a \
                signed-in inspector checks in by scanning it. A deactivated unit's notice says 停业/注销. \
                --private: handed to the unit's contact only (仅限本单位使用，请勿张贴; red, framed, unlike the notice); it lets the \
                unit request inspections and answer findings. Rotate either with `quhao units rotate`. \
                --format svg or html: the A4 sheet (html prints from a browser at 100 %); png: the sheet drawn by rsvg-convert \
                (librsvg2-bin, with a CJK font); text: the QR in this terminal.
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
                guard format != .text else {
                    let caption = kind == .poster ? "食品安全公示 · \(found.unit.name)" : "单位专用，请勿张贴 · \(found.unit.name)"
                    return try QRCommand.emit(url, caption: caption, format: format, out: out)
                }
                if let warning = PublicAddress.warning(for: url) { FileHandle.standardError.write(Data((warning + "\n").utf8)) }
                guard let matrix = QRMatrix(encoding: url, correction: .quartile) else {
                    throw ExitFailure(message: "The address is too long for a QR code: \(url)", code: 1)
                }
                let office = try await store.site(found.unit.siteID)
                let latest = try await UnitSheets.latestResult(store.inspections, unit: found.unit.id)
                let sheet = UnitSheets.sheet(kind == .poster ? .poster : .private, unit: found.unit, office: office, latest: latest)
                let bytes: Data =
                    switch format {
                    case .svg: Data(sheet.svg(code: matrix).utf8)
                    case .html: Data(sheet.html(code: matrix, title: "\(sheet.band) · \(found.unit.name)").utf8)
                    case .png: try SheetPNG.render(sheet.svg(code: matrix))
                    case .text: Data()
                    }
                try QRCommand.write(bytes, out: out, url: url)
            }
        }
    }
}
