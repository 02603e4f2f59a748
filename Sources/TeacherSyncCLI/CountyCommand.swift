import ArgumentParser
import Foundation
import Logging
import SQLiteReplica
import SyncServices
import SyncTransport

struct CountyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "county", abstract: "Run a county node's daemon.", subcommands: [CountyRunCommand.self])
}

struct CountyRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Serve the local API and sync with the hub in the nightly window, until stopped.",
        discussion: """
            Settings come from --config (YAML, see Config/county.example.yaml), then TEACHERSYNC_* environment \
            variables, then these options, which win. SIGTERM or SIGINT drain the daemon gracefully. A bad \
            setting exits 6 naming the key. `POST /v1/sync` on the local API (or `teachersync sync`) syncs now.
            """)

    @Option(help: ArgumentHelp("The node's data folder (overrides data_dir).", valueName: "dir"))
    var data: String?

    @Option(help: ArgumentHelp("The hub's URL (overrides hub.url).", valueName: "url"))
    var hub: String?

    @Option(help: ArgumentHelp("The local API's address (overrides listen).", valueName: "host:port"))
    var listen: String?

    @Option(help: ArgumentHelp("The configuration file (YAML).", valueName: "file"))
    var config: String?

    func run() async throws {
        var overrides = [String: String]()
        if let data { overrides["data_dir"] = data }
        if let hub { overrides["hub.url"] = hub }
        if let listen { overrides["listen"] = listen }
        let settings: CountyConfiguration
        do {
            settings = try await CountyConfiguration.load(file: config, overrides: overrides)
        } catch {
            throw CLIFailure.configuration("configuration: \(error)")
        }
        let replica = try replicaCall { () throws(ReplicaError) in
            try Replica.open(
                at: URL(fileURLWithPath: settings.dataDirectory, isDirectory: true), keyFile: settings.keyFile)
        }
        guard replica.identity.role == .county else {
            throw CLIFailure.usage("county run needs a county's data folder")
        }
        var logger = Logger(label: "teachersync.county")
        logger.logLevel = Logger.Level(rawValue: settings.logLevel) ?? .info
        do {
            try await CountyDaemon(replica: replica, configuration: settings, logger: logger).run { port in
                let host = HubServer.Listen(settings.listen)?.host ?? "127.0.0.1"
                FileHandle.standardOutput.write(Data("listening on \(host):\(port)\n".utf8))
            }
        } catch let invalid as ConfigurationInvalid {
            throw CLIFailure.configuration("configuration: \(invalid)")
        }
    }
}
