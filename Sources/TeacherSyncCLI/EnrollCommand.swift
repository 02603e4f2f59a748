import ArgumentParser
import Foundation
import SQLiteReplica
import SyncCore
import TrainingDomain

struct EnrollCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll",
        abstract: "Register a county node's or a training provider's key in the hub's key registry.",
        discussion: """
            Run at the hub. With --authorization (signed by the county's offline root key, `keys authorize`), \
            the key is checked back to the county's root; a county's first enrolment also names its root with \
            --root-key, which must match. An authorization for a county that already has a key rotates it: \
            the old key stays valid through the point its root signed (or the hub's head). With --public-key \
            alone (no root) the key is enrolled as before roots existed; a county with a root refuses that. \
            A training provider's connector key is enrolled with --public-key and --provider-project: it may \
            then write study records, homework and withdrawals of that project's teachers only \
            (scope.outside_project otherwise). \
            The entry is sealed into a hub-signed change set at once, so the next bundle or sync carries it \
            to every node.
            """)

    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("The county the key writes for (with --public-key).", valueName: "code"))
    var county: String?

    @Option(help: ArgumentHelp("The county node's public key, base64 (from `teachersync id`).", valueName: "base64"))
    var publicKey: String?

    @Option(
        help: ArgumentHelp(
            "The node key's authorization from `keys authorize` or `keys rotate` (text, or @FILE).",
            valueName: "tsauth1..."))
    var authorization: String?

    @Option(
        help: ArgumentHelp(
            "The county's root public key, base64, for its first enrolment (from `keys make-root`).",
            valueName: "base64"))
    var rootKey: String?

    @Option(
        help: ArgumentHelp(
            "Enrol --public-key as a training provider's connector for this project (a project_code of the catalogue).",
            valueName: "code"))
    var providerProject: String?

    func run() throws {
        let replica = try data.open()
        guard replica.identity.role == .hub else { throw CLIFailure.usage("enroll runs at the hub") }
        if let providerProject {
            guard county == nil, authorization == nil, rootKey == nil, let publicKey else {
                throw CLIFailure.usage(
                    "--provider-project takes --public-key only (no --county, --authorization or --root-key)")
            }
            guard let key = Curve25519PublicKeyText.parse(publicKey) else {
                throw CLIFailure.usage("--public-key is not a base64 Ed25519 public key (32 bytes)")
            }
            let record = try replicaCall { () throws(ReplicaError) in
                try replica.enrolProvider(publicKey: key, project: providerProject)
            }
            print("enrolled provider origin \(record.origin.hex) for project \(providerProject)")
            return
        }
        if let authorization {
            guard publicKey == nil else { throw CLIFailure.usage("give --authorization or --public-key, not both") }
            let auth = try authorizationArgument(authorization)
            if let county, county != auth.county {
                throw CLIFailure.usage("--county \(county) differs from the authorization's county \(auth.county)")
            }
            if let rootKey {
                guard let root = Curve25519PublicKeyText.parse(rootKey) else {
                    throw CLIFailure.usage("--root-key is not a base64 Ed25519 public key (32 bytes)")
                }
                guard root.rawRepresentation == auth.rootKey.rawRepresentation else {
                    throw CLIFailure.refused(
                        "key.wrong_root: the authorization is signed by another root than --root-key")
                }
            }
            let enrolment = try replicaCall { () throws(ReplicaError) in
                try replica.enrol(auth, registerRoot: rootKey != nil)
            }
            if enrolment.alreadyEnrolled {
                print("origin \(enrolment.record.origin.hex) was enrolled with this authorization before")
                return
            }
            if enrolment.registeredRoot { print("enrolled the root key of county \(auth.county)") }
            for r in enrolment.retired {
                print("retired origin \(r.origin.hex), valid through its set \(r.validThrough ?? 0)")
            }
            print("enrolled origin \(enrolment.record.origin.hex) for county \(auth.county)")
            return
        }
        guard let county, let publicKey else {
            throw CLIFailure.usage("give --authorization (and --root-key the first time), or --county and --public-key")
        }
        guard UnitCatalog.hebei201904.isCounty(county) else {
            throw CLIFailure.usage("--county \(county) is not a Hebei county-level code")
        }
        guard let key = Curve25519PublicKeyText.parse(publicKey) else {
            throw CLIFailure.usage("--public-key is not a base64 Ed25519 public key (32 bytes)")
        }
        let record = OriginRecord(publicKey: key, role: .county, county: county, status: .active)
        guard record.origin != replica.identity.origin else { throw CLIFailure.usage("that is the hub's own key") }
        try replicaCall { () throws(ReplicaError) in try replica.enrolWithoutRoot(record) }
        print("enrolled origin \(record.origin.hex) for county \(county)")
    }
}

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Rebuild a county node whose disk died, from the hub's copy, under a new key.",
        discussion: """
            Creates a new replica and key in --data, signs the new key's authorization with the county's root \
            key (--root), hands it to the hub, which retires the dead node's key at the last set it holds, and \
            pulls every set of the county and the province. The county's records continue from the hub's copy; \
            writes the dead node never delivered are lost with its disk. Exits 0 when the node is in sync. If \
            the hub cannot be reached, the new node is kept with its authorization pending: run \
            `teachersync sync --data DIR` once the hub is reachable.
            """)

    @OptionGroup var data: DataOptions
    @OptionGroup var connection: HubConnectionOptions

    @Flag(help: "Rebuild from the hub (the only source there is).")
    var fromHub = false

    @Option(help: ArgumentHelp("The county's six-digit code.", valueName: "code"))
    var county: String

    @Option(help: ArgumentHelp("The county's root key file.", valueName: "file"))
    var root: String

    @Option(help: ArgumentHelp("The hub's public key (base64) to pin.", valueName: "base64"))
    var hubKey: String?

    @Option(help: ArgumentHelp("The hub's root key (base64) to pin.", valueName: "base64"))
    var hubRoot: String?

    @Option(
        help: ArgumentHelp(
            "The dead node's origin (`keys list` at the hub); required when its key was enrolled without a root.",
            valueName: "hex"))
    var replaces: String?

    func run() async throws {
        guard fromHub else { throw CLIFailure.usage("restore needs --from-hub (for a backup file, see `backup`)") }
        guard UnitCatalog.hebei201904.isCounty(county) else {
            throw CLIFailure.usage("--county \(county) is not a Hebei county-level code")
        }
        let rootKey = try rootKeyArgument(root)
        let replaced = try originArgument(replaces, option: "--replaces")
        let replica = try replicaCall { () throws(ReplicaError) in
            try Replica.create(at: data.url, role: .county, county: county, hubKey: hubKey, hubRoot: hubRoot)
        }
        let authorization: KeyAuthorization
        do {
            authorization = try KeyAuthorization.sign(
                county: county, nodeKey: replica.identity.signer.publicKey, root: rootKey,
                issuedAtMillis: SystemWallClock().nowMillis(), replaces: replaced)
        } catch {
            throw CLIFailure.refused("cannot sign: \(error.detail)")
        }
        try replicaCall { () throws(ReplicaError) in try replica.setPendingAuthorization(authorization) }
        print("new node key: \(replica.identity.origin.hex)")
        try await SyncCommand.runRound(replica, connection: connection)
    }
}
