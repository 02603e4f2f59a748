import ArgumentParser
import AsyncHTTPClient
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

    @Option(help: ArgumentHelp("The hub's URL, e.g. https://hub.example.cn:8443.", valueName: "url"))
    var hub: String

    @Option(
        help: ArgumentHelp(
            "The hub's certificate (PEM) to trust alone, for a hub with a self-signed certificate.", valueName: "file"))
    var hubCertificate: String?

    @Option(
        help: ArgumentHelp(
            "The SHA-256 fingerprint the hub's certificate must have (from the hub's operator).",
            valueName: "sha256:hex"))
    var hubFingerprint: String?

    @Flag(help: "Allow plain http:// to another machine (only through a tunnel that encrypts).")
    var allowPlainHttp = false

    func run() async throws {
        let replica = try data.open()
        guard replica.identity.role == .county else { throw CLIFailure.usage("sync runs at a county node") }
        guard let url = URL(string: hub), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil
        else {
            throw CLIFailure.usage("--hub must be an http:// or https:// URL")
        }
        let http: (client: HTTPClient, owned: Bool)
        do {
            http = try HubTLS.nodeClient(
                hubURL: hub, pinnedCertificateFile: hubCertificate, fingerprint: hubFingerprint,
                allowPlainHTTP: allowPlainHttp)
        } catch {
            throw CLIFailure.usage("\(error)")
        }
        let client = HubClient(
            baseURL: hub, signer: replica.identity.signer, wallClock: SystemWallClock(), http: http.client)
        let report = await SyncDriver(executor: ReplicaExecutor(replica), client: client).runRound()
        if http.owned { try? await http.client.shutdown() }
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
