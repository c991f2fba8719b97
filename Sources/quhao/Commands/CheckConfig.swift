import ArgumentParser
import Foundation
import QuhaoConfig
import QuhaoCore
import QuhaoHTTP
import QuhaoStore

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
                // The secrets the file names read as the daemon will read them: every problem in one run.
                config = try ConfigLoader.load(path: file, environment: ProcessInfo.processInfo.environment)
            } catch let error as ConfigError {
                throw ExitFailure(message: error.description, code: 2)
            }
            // The certificate and key are read as the daemon will read them (ExecStartPre runs this
            // as the daemon's user): a file it cannot read or a key for another certificate is said now.
            if let tls = config.server?.tls {
                do {
                    let certificates = try TLSCertificates(certificate: tls.certificate, key: tls.key)
                    if let notAfter = certificates.notAfter {
                        print("\(file): HTTPS certificate valid until \(LocalTime.minute(notAfter, in: config.domainSites.first?.zone ?? .current))")
                    }
                } catch {
                    throw ExitFailure(message: "\(file): \(error)", code: 2)
                }
            }
            // The database as the daemon will take it (QUHAO_DATABASE over the file), looked at, not
            // changed; a problem with it is said before any "OK".
            let settings: ServerSettings
            do {
                settings = try ServerSettings.resolve(file: config, environment: ProcessInfo.processInfo.environment)
            } catch {
                throw ExitFailure(message: "\(error)", code: 2)
            }
            if let problem = settings.engineProblem { throw ExitFailure(message: "\(file): \(problem)", code: 2) }
            let sites = config.domainSites
            print("\(file): OK: \(sites.count) site(s)")
            for site in sites {
                let prefixes = site.services.map(\.prefix).joined()
                print("  \(site.id) (\(site.name.zh)): \(site.services.count) business types [\(prefixes)], \(site.counters.count) windows")
            }
            let probe = await DatabaseProbe.look(at: settings.databasePath, sites: config.domainSites)
            print("  database 数据库: \(probe.detail)")
            if !probe.sitesDiffering.isEmpty {
                print(
                    "  sites 站点 \(probe.sitesDiffering.joined(separator: ", ")): 与数据库中的规则不同（另一守护进程的配置），本文件启动后将替换所有守护进程的规则"
                        + " / the database's rules differ (another daemon's configuration): starting with this file replaces them for every daemon")
            }
            guard probe.answers else {
                throw ExitFailure(message: "\(file): \(probe.headline)", code: 1)
            }
        }
    }
}
