import ArgumentParser
import SQLiteReplica

struct TrustCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust",
        abstract: "Pin the hub's public key, or the hub's root key, at a county node.",
        discussion: """
            The pinned key is the trust anchor: the county accepts the key registry only from it. Take the \
            key from the hub operator (`teachersync id` at the hub) over a channel you trust. A county that \
            imports a bundle before pinning trusts the hub key that bundle introduces (trust on first use) \
            and says so.
            """)

    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("The hub's public key, base64.", valueName: "base64"))
    var hubKey: String?

    @Option(
        help: ArgumentHelp(
            "The hub's root public key, base64: trusts the hub keys it authorizes, also after a hub key rotation.",
            valueName: "base64"))
    var hubRoot: String?

    func run() throws {
        let replica = try data.open()
        guard replica.identity.role == .county else { throw CLIFailure.usage("trust runs at a county node") }
        guard hubKey != nil || hubRoot != nil else { throw CLIFailure.usage("give --hub-key, --hub-root or both") }
        if let hubKey {
            try replicaCall { () throws(ReplicaError) in try replica.pinHubKey(hubKey) }
            print("pinned hub key")
        }
        if let hubRoot {
            // The hub root authorizes the hub's *next* keys; the current one is pinned itself, because the key the
            // hub started with may predate its root (and with a root pinned there is no trust on first use).
            let pinned = try replicaCall { () throws(ReplicaError) in try replica.pinnedHubKey() }
            guard hubKey != nil || pinned != nil else {
                throw CLIFailure.usage("pin the hub's current key too: --hub-key (from `teachersync id` at the hub)")
            }
            try replicaCall { () throws(ReplicaError) in try replica.pinHubRoot(hubRoot) }
            print("pinned hub root key")
        }
    }
}
