import ArgumentParser
import Foundation
import QuhaoConfig
import QuhaoCore

/// `quhao check-config FILE`.
struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check a configuration file; exit 0 when valid, 2 with one line per problem when not.")

    @Argument(help: "The YAML file to check.")
    var file: String

    func run() async throws {
        try await reportingErrors {
            let config: ConfigFile
            do {
                config = try ConfigLoader.load(path: file)
            } catch let error as ConfigError {
                throw ExitFailure(message: error.description, code: 2)
            }
            let sites = config.domainSites
            print("\(file): OK: \(sites.count) site(s)")
            for site in sites {
                let prefixes = site.services.map(\.prefix).joined()
                print("  \(site.id) (\(site.name.zh)): \(site.services.count) business types [\(prefixes)], \(site.counters.count) windows")
            }
        }
    }
}
