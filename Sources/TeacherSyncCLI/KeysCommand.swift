import ArgumentParser
import Foundation
import SQLiteReplica
import SyncCore
import SyncTransport

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Root keys, key authorizations, rotation, revocation and the key registry.",
        discussion: """
            Each county has an offline root key (`keys make-root`, kept on a USB stick or on paper) that \
            authorizes its online node key (`keys authorize`); the hub enrols the node key with that \
            authorization (`enroll --authorization`). A county replaces its node key with `keys rotate`, and \
            recovers from a dead disk with `restore --from-hub`. The hub revokes a key with `keys revoke`. \
            docs/OPERATIONS.md, "Keys", walks through each step.
            """,
        subcommands: [
            KeysMakeRootCommand.self, KeysAuthorizeCommand.self, KeysRotateCommand.self, KeysRevokeCommand.self,
            KeysListCommand.self,
        ])
}

/// Reads an authorization given as text or as `@FILE`.
func authorizationArgument(_ text: String) throws(CLIFailure) -> KeyAuthorization {
    var value = text
    if text.hasPrefix("@") {
        guard let data = FileManager.default.contents(atPath: String(text.dropFirst())) else {
            throw CLIFailure.usage("--authorization: cannot read \(text.dropFirst())")
        }
        value = String(decoding: data, as: UTF8.self)
    }
    do {
        return try KeyAuthorization(text: value)
    } catch {
        throw CLIFailure.refused("--authorization: \(error.reason): \(error.detail)")
    }
}

/// Parses an optional origin id argument.
func originArgument(_ text: String?, option: String) throws(CLIFailure) -> OriginID? {
    guard let text else { return nil }
    guard let bytes = Hex.decode(text), let origin = OriginID(bytes: bytes) else {
        throw CLIFailure.usage("\(option) is not an origin id (32 hex digits)")
    }
    return origin
}

/// Reads a root key file.
func rootKeyArgument(_ path: String) throws(CLIFailure) -> SigningIdentity {
    try replicaCall { () throws(ReplicaError) in try KeyFile.read(at: path) }
}

struct KeysMakeRootCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make-root",
        abstract: "Make a county's offline root key and print its public half.",
        discussion: """
            Run on a machine that is not the county's server, and keep the file offline (a USB stick in a safe, \
            or its one line on paper). The file is written readable by this user only and never overwritten. \
            Give the printed public key to the provincial operator over a channel you trust: it is what the \
            hub enrols as the county's root.
            """)

    @Option(help: ArgumentHelp("The root key file to write.", valueName: "file"))
    var out: String

    func run() throws {
        let root = SigningIdentity.generate()
        try replicaCall { () throws(ReplicaError) in try KeyFile.create(at: out, identity: root) }
        print("root key written to \(out)")
        print("root_public_key: \(root.publicKeyBase64)")
    }
}

struct KeysAuthorizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authorize",
        abstract: "Sign, with a county's root key, an authorization of a node key; print it.",
        discussion: """
            For a first enrolment: `teachersync id` at the new county node gives --node-key; the hub operator \
            then runs `teachersync enroll --authorization ... --root-key ...`. A planned rotation uses \
            `keys rotate` at the county instead, which signs and hands over the authorization by itself.
            """)

    @Option(help: ArgumentHelp("The county's root key file.", valueName: "file"))
    var root: String

    @Option(
        help: ArgumentHelp(
            "The county the key writes for, or `province` for the hub's own key (with the hub's root).",
            valueName: "code"))
    var county: String

    @Option(help: ArgumentHelp("The node's public key, base64 (from `teachersync id`).", valueName: "base64"))
    var nodeKey: String

    @Option(
        help: ArgumentHelp(
            "The origin of the key this one replaces (`keys list` at the hub); required when that key was enrolled "
                + "without a root.", valueName: "hex"))
    var replaces: String?

    func run() throws {
        guard Scope(wireValue: county) != nil else {
            throw CLIFailure.usage("--county \(county) is not a six-digit county code or province")
        }
        guard let key = Curve25519PublicKeyText.parse(nodeKey) else {
            throw CLIFailure.usage("--node-key is not a base64 Ed25519 public key (32 bytes)")
        }
        let replaced = try originArgument(replaces, option: "--replaces")
        let rootKey = try rootKeyArgument(root)
        do {
            let authorization = try KeyAuthorization.sign(
                county: county, nodeKey: key, root: rootKey, issuedAtMillis: SystemWallClock().nowMillis(),
                replaces: replaced)
            print(authorization.text)
        } catch {
            throw CLIFailure.refused("cannot sign: \(error.detail)")
        }
    }
}

struct KeysRotateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Replace this node's key with a new one its root authorizes (a county's, or the hub's).",
        discussion: """
            At a county, --root is the county's root key; at the hub, the hub's root key. Stop the daemon first (`systemctl stop teachersync-county`). The old key's stream ends at its \
            current head: its sets up to there stay valid everywhere, any later one is refused. The new key \
            takes over at once; the next sync hands its authorization to the hub before anything else. The \
            old key file is kept beside the new one as FILE.retired-<origin>. A rotation interrupted at any \
            point is finished by running the command, or the daemon, again.
            """)

    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("The county's root key file.", valueName: "file"))
    var root: String

    func run() throws {
        let rootKey = try rootKeyArgument(root)
        let role = try data.open().identity.role
        let authorization = try replicaCall { () throws(ReplicaError) in
            role == .hub
                ? try Replica.rotateHubKey(at: data.url, keyFile: data.keyFile, root: rootKey)
                : try Replica.rotateNodeKey(at: data.url, keyFile: data.keyFile, root: rootKey)
        }
        if role == .hub {
            print("new hub key: \(authorization.origin.hex)")
            print("retired hub key: \(authorization.replaces?.hex ?? "-"), valid through its current heads")
            print("the new key announces itself in its first province set; counties that pin the hub root accept it")
            return
        }
        print("new node key: \(authorization.origin.hex)")
        if let old = authorization.replaces {
            print("retired key: \(old.hex), valid through its set \(authorization.replacedThrough ?? 0)")
        }
        print("the next sync hands this authorization to the hub; for a county without network, give it to the")
        print("provincial operator (`teachersync enroll --authorization`):")
        print(authorization.text)
    }
}

struct KeysRevokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a county node key at the hub, with a reason; effective now.",
        discussion: """
            The sets of the key the hub holds now stay valid everywhere (nothing applied is undone); any later \
            set is refused with origin.revoked, and the key's requests are refused. The revocation is sealed \
            into the registry at once, so the next sync or bundle carries it to every node. The county then \
            needs a new key: `restore --from-hub` with its root key.
            """)

    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("The key's origin id, 32 hex digits (from `keys list`).", valueName: "hex"))
    var origin: String

    @Option(help: ArgumentHelp("Why, in one line (kept in the registry).", valueName: "text"))
    var reason: String

    func run() throws {
        guard let id = try originArgument(origin, option: "--origin") else { return }
        let replica = try data.open()
        let record = try replicaCall { () throws(ReplicaError) in try replica.revoke(id, reason: reason) }
        print(
            "revoked \(record.origin.hex) of county \(record.county ?? "-"); its sets through \(record.validThrough ?? 0) stay valid"
        )
    }
}

struct KeysListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the key registry as this node holds it, with its version and expiry.")

    @OptionGroup var data: DataOptions

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let replica = try data.open()
        let (entries, state) = try replicaCall { () throws(ReplicaError) in
            (try replica.registryEntries(), try replica.registryState())
        }
        if json {
            struct Out: Encodable {
                let registry: RegistryState?
                let keys: [RegistryEntry]
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            print(String(decoding: try encoder.encode(Out(registry: state, keys: entries)), as: UTF8.self))
            return
        }
        if let state {
            let expiry = Timestamps.iso(state.expiresAtMillis)
            print("registry version \(state.version), \(state.expired ? "EXPIRED on" : "current until") \(expiry)")
        } else {
            print("no registry received yet")
        }
        for e in entries {
            var line = "\(e.origin.prefix(16))…  \(e.role)  \(e.county ?? "-")  \(e.status)"
            if let through = e.validThrough { line += " through set \(through)" }
            if let reason = e.endReason { line += " (\(reason))" }
            if !e.trusted { line += "  NOT TRUSTED: no valid authorization by its county's root" }
            print(line)
        }
    }
}
