import ArgumentParser
import Foundation
import SQLiteReplica
import SyncCore
import SyncTransport

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Run one sync round with the hub now.",
        discussion: """
            Seals pending writes, exchanges heads with the hub, pushes what the hub lacks and pulls what this \
            node lacks. Exits 0 when both sides hold the same heads for this node's scope; otherwise prints \
            one line with the reason and exits 3 (refused) or 5 (network or store; retrying may help). An \
            interrupted round resumes where it stopped.
            """)

    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("The hub's URL, e.g. http://127.0.0.1:8443.", valueName: "url"))
    var hub: String

    func run() async throws {
        let replica = try data.open()
        guard replica.identity.role == .county else { throw CLIFailure.usage("sync runs at a county node") }
        guard let url = URL(string: hub), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil
        else {
            throw CLIFailure.usage("--hub must be an http:// or https:// URL")
        }
        let client = HubClient(baseURL: hub, signer: replica.identity.signer, wallClock: SystemWallClock())
        let report = await SyncDriver(executor: ReplicaExecutor(replica), client: client).runRound()
        for r in report.rejectedByHub { print("refused by the hub: \(r)") }
        for r in report.rejectedHere { print("refused here: \(r)") }
        switch report.outcome {
        case .inSync(let pushed, let pulled):
            print("in sync: pushed \(pushed) sets, pulled \(pulled) sets")
        case .failed(let reason, let detail, let retryable):
            let message = "sync failed: \(reason): \(detail)"
            throw retryable ? CLIFailure.io(message) : CLIFailure.refused(message)
        }
    }
}
