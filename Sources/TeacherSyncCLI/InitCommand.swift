import ArgumentParser
import Foundation
import SQLiteReplica
import SyncCore
import TrainingDomain

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a replica and a fresh key in a data folder.",
        discussion: """
            Prints the new origin id and public key. The key file (node.key) is readable by its owner only.
            An existing replica is never overwritten. A county may pin the hub's key now (--hub-key) or \
            later (teachersync trust); see docs/OPERATIONS.md.
            """)

    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("hub or county.", valueName: "role"))
    var role: String

    @Option(help: ArgumentHelp("The county's six-digit GB/T 2260 code (county role only).", valueName: "code"))
    var county: String?

    @Option(help: ArgumentHelp("The hub's public key (base64) to pin (county role only).", valueName: "base64"))
    var hubKey: String?

    @Option(help: ArgumentHelp("The hub's root key (base64) to pin (county role only).", valueName: "base64"))
    var hubRoot: String?

    func run() throws {
        guard let role = Role(rawValue: role) else { throw CLIFailure.usage("--role must be hub or county") }
        switch role {
        case .hub:
            guard county == nil, hubKey == nil, hubRoot == nil else {
                throw CLIFailure.usage("--county, --hub-key and --hub-root are for county nodes")
            }
        case .provider:
            throw CLIFailure.usage(
                "a provider's connector is not a replica: the hub enrols its key (`enroll --provider-project`)")
        case .county:
            guard let county else { throw CLIFailure.usage("a county node needs --county CODE") }
            guard UnitCatalog.hebei201904.isCounty(county) else {
                throw CLIFailure.usage("--county \(county) is not a Hebei county-level code (GB/T 2260, 201904)")
            }
        }
        let replica = try replicaCall { () throws(ReplicaError) in
            try Replica.create(at: data.url, role: role, county: county, hubKey: hubKey, hubRoot: hubRoot)
        }
        print("origin: \(replica.identity.origin.hex)")
        print("public_key: \(replica.identity.signer.publicKeyBase64)")
    }
}
