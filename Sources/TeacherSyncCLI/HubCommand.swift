import ArgumentParser
import Foundation
import Logging
import SQLiteReplica
import SyncServices
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
            Settings come from --config (YAML, see Config/hub.example.yaml), then TEACHERSYNC_* environment \
            variables, then these options, which win; a bad setting exits 6 naming the key. Plain HTTP is \
            served only on a loopback address, unless allow_plain_http says a TLS-terminating proxy (nginx) \
            sits in front; docs/OPERATIONS.md shows the proxy configuration. Prints `listening on HOST:PORT` \
            once it accepts connections (port 0 picks a free port).
            """)

    @Option(help: ArgumentHelp("The hub's data folder (overrides data_dir).", valueName: "dir"))
    var data: String?

    @Option(help: ArgumentHelp("Address to listen on (overrides listen).", valueName: "host:port"))
    var listen: String?

    @Option(help: ArgumentHelp("The configuration file (YAML).", valueName: "file"))
    var config: String?

    @Flag(help: "Serve plain HTTP on a non-loopback address (only behind a TLS-terminating proxy).")
    var allowPlainHttp = false

    func run() async throws {
        var overrides = [String: String]()
        if let data { overrides["data_dir"] = data }
        if let listen { overrides["listen"] = listen }
        if allowPlainHttp { overrides["allow_plain_http"] = "true" }
        let settings: HubConfiguration
        do {
            settings = try await HubConfiguration.load(file: config, overrides: overrides)
        } catch {
            throw CLIFailure.configuration("configuration: \(error)")
        }
        let replica = try replicaCall { () throws(ReplicaError) in
            try Replica.open(
                at: URL(fileURLWithPath: settings.dataDirectory, isDirectory: true), keyFile: settings.keyFile)
        }
        guard replica.identity.role == .hub else { throw CLIFailure.usage("hub run needs a hub's data folder") }
        guard let address = HubServer.Listen(settings.listen) else {
            throw CLIFailure.configuration("configuration: listen: must be HOST:PORT")
        }
        guard address.isLoopback || settings.allowPlainHTTP else {
            throw CLIFailure.configuration(
                "configuration: listen: refusing plain HTTP on \(address): identity numbers and names must not cross "
                    + "a network in clear; listen on 127.0.0.1 behind a TLS proxy, or set allow_plain_http if the "
                    + "proxy is on another machine")
        }
        var logger = Logger(label: "teachersync.hub")
        logger.logLevel = Logger.Level(rawValue: settings.logLevel) ?? .info
        let watchdog = SystemdWatchdogService(logger: logger)
        let server = HubServer(replica: replica, listen: address, logger: logger)
        try await server.run(services: [watchdog]) { port in
            watchdog.ready("hub serving on \(address.host):\(port)")
            // Written straight to the descriptor so that scripts waiting for it see it at once.
            FileHandle.standardOutput.write(Data("listening on \(address.host):\(port)\n".utf8))
        }
    }
}
