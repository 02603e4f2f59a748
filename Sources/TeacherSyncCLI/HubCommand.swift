import ArgumentParser
import Foundation
import Logging
import SQLiteReplica
import SyncTransport

struct HubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub", abstract: "Run the provincial hub.", subcommands: [HubRunCommand.self])
}

struct HubRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Serve the sync protocol over HTTP until stopped (SIGTERM or SIGINT drain it gracefully).",
        discussion: """
            Plain HTTP is served only on a loopback address, unless --allow-plain-http says a TLS-terminating \
            proxy (nginx) sits in front; docs/OPERATIONS.md shows the proxy configuration. Prints \
            `listening on HOST:PORT` once it accepts connections (port 0 picks a free port).
            """)

    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("Address to listen on.", valueName: "host:port"))
    var listen = "127.0.0.1:8443"

    @Flag(help: "Serve plain HTTP on a non-loopback address (only behind a TLS-terminating proxy).")
    var allowPlainHttp = false

    func run() async throws {
        let replica = try data.open()
        guard replica.identity.role == .hub else { throw CLIFailure.usage("hub run needs a hub's data folder") }
        guard let address = HubServer.Listen(listen) else { throw CLIFailure.usage("--listen must be HOST:PORT") }
        guard address.isLoopback || allowPlainHttp else {
            throw CLIFailure.usage(
                "refusing plain HTTP on \(address): identity numbers and names must not cross a network in clear; "
                    + "listen on 127.0.0.1 behind a TLS proxy, or pass --allow-plain-http if the proxy is elsewhere")
        }
        var logger = Logger(label: "teachersync.hub")
        logger.logLevel = .info
        let server = HubServer(replica: replica, listen: address, logger: logger)
        try await server.run { port in
            // Written straight to the descriptor so that scripts waiting for it see it at once.
            FileHandle.standardOutput.write(Data("listening on \(address.host):\(port)\n".utf8))
        }
    }
}
