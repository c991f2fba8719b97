import ArgumentParser
import QuhaoCore

/// `quhao`: the daemon and its tools.
@main
struct Quhao: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quhao",
        abstract: "取号 Quhao: contactless queue numbers for tax halls and canteen inspections.",
        discussion: """
            Start the daemon on the built-in demo with `quhao serve`, then open http://127.0.0.1:8080/healthz. \
            Staff without a browser, and scripts, run the queue with `quhao ticket …` and `quhao counter …` \
            against the same database; they use the sites the daemon synced.

            Examples:
              quhao serve --config /etc/quhao/quhao.yaml
              quhao ticket take --site qiantang --service A --identity 91350100M000100Y43
              quhao ticket call --site qiantang --counter 3
            """,
        version: QuhaoVersion.current,
        subcommands: [
            Serve.self, CheckConfig.self, TicketCommand.self, CounterCommand.self, QRCommand.self, StaffCommand.self, TokenCommand.self,
            AuditCommand.self, DisplayCommand.self, UnitsCommand.self, InspectionsCommand.self, PlanCommand.self, ReportCommand.self,
            SeedCommand.self,
            BackupCommand.self, RestoreCommand.self, WebhooksCommand.self, PrintCommand.self, BookingsCommand.self, KeysCommand.self,
            MigrateCommand.self,
        ]
    )
}
