import ArgumentParser
import Foundation
import SQLiteReplica
import SyncCore
import TrainingDomain

struct EnrollCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll",
        abstract: "Register a county node's key in the hub's key registry.",
        discussion: """
            Run at the hub. The entry is sealed into a hub-signed change set at once, so the next bundle \
            or sync carries it to every node.
            """)

    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("The county the key writes for.", valueName: "code"))
    var county: String

    @Option(help: ArgumentHelp("The county node's public key, base64 (from `teachersync id`).", valueName: "base64"))
    var publicKey: String

    func run() throws {
        let replica = try data.open()
        guard replica.identity.role == .hub else { throw CLIFailure.usage("enroll runs at the hub") }
        guard UnitCatalog.hebei201904.isCounty(county) else {
            throw CLIFailure.usage("--county \(county) is not a Hebei county-level code")
        }
        guard let key = Curve25519PublicKeyText.parse(publicKey) else {
            throw CLIFailure.usage("--public-key is not a base64 Ed25519 public key (32 bytes)")
        }
        let record = OriginRecord(publicKey: key, role: .county, county: county, status: .active)
        guard record.origin != replica.identity.origin else { throw CLIFailure.usage("that is the hub's own key") }
        try replicaCall { () throws(ReplicaError) in
            try replica.write([.registryEntry(record)])
            try replica.seal()
        }
        print("enrolled origin \(record.origin.hex) for county \(county)")
    }
}
