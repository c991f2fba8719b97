import ArgumentParser
import Foundation
import Presence
import QuhaoConfig
import QuhaoCore
import QuhaoStore

/// `quhao keys show|rotate SITE`: the display and kiosk links with their keys. The daemon never
/// writes these keys to its log or the journal (whoever holds one can take numbers as if in the
/// hall); the operator reads them here.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Show or rotate a site's display and kiosk key (the ?key= of /display and /kiosk).",
        subcommands: [Show.self, Rotate.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the site's display and kiosk links with their key.")
        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The site.")
        var site: String

        func run() async throws {
            try await reportingErrors {
                let store = try await storeOptions.openStore()
                try await KeysCommand.printLinks(site: site, store: store, options: storeOptions)
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give the site a new key (the old display and kiosk links stop working), then print the new links.",
            discussion: "A running daemon takes the new key when it reloads its configuration: systemctl reload quhao (SIGHUP).")
        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The site.")
        var site: String

        func run() async throws {
            try await reportingErrors {
                let store = try await storeOptions.openStore()
                try await store.rotatePresenceSecret(site: site)
                try await KeysCommand.printLinks(site: site, store: store, options: storeOptions)
                print("已更换密钥：旧的显示屏和自助机链接已失效；运行中的服务需重新加载（systemctl reload quhao）。")
                print("Key rotated: the old display and kiosk links no longer work; a running daemon takes it on reload (systemctl reload quhao).")
            }
        }
    }

    static func printLinks(site siteID: String, store: TicketStore, options: StoreOptions) async throws {
        let site = try await store.site(siteID)
        let settings = try options.settings(file: try options.loadConfig().file)
        let key = PresenceCodes(store: store, clock: try SystemClock.fromEnvironment()).displayKey(site: site.id)
        print("Hall display 大厅显示屏: \(settings.publicURL)/display/\(site.id)?key=\(key)")
        if site.kind == .taxHall { print("Kiosk 自助取号机: \(settings.publicURL)/kiosk/\(site.id)?key=\(key)") }
    }
}
