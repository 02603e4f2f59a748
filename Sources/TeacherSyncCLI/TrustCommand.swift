import ArgumentParser
import SQLiteReplica

struct TrustCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust",
        abstract: "Pin the hub's public key at a county node.",
        discussion: """
            The pinned key is the trust anchor: the county accepts the key registry only from it. Take the \
            key from the hub operator (`teachersync id` at the hub) over a channel you trust. A county that \
            imports a bundle before pinning trusts the hub key that bundle introduces (trust on first use) \
            and says so.
            """)

    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("The hub's public key, base64.", valueName: "base64"))
    var hubKey: String

    func run() throws {
        let replica = try data.open()
        guard replica.identity.role == .county else { throw CLIFailure.usage("trust runs at a county node") }
        try replicaCall { () throws(ReplicaError) in try replica.pinHubKey(hubKey) }
        print("pinned hub key")
    }
}
