import ArgumentParser

/// `quhao`: the daemon and its tools.
@main
struct Quhao: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quhao",
        abstract: "取号 Quhao: contactless queue numbers for tax halls and canteen inspections.",
        discussion: """
            Start the daemon on the built-in demo with `quhao serve`, then open http://127.0.0.1:8080/healthz.
            Staff without a browser, and scripts, can run the queue with `quhao ticket …` and `quhao counter …`
            against the same database (they read the sites the daemon synced).
            """,
        subcommands: [Serve.self, CheckConfig.self, TicketCommand.self, CounterCommand.self]
    )
}
