import ArgumentParser
import Crypto
import Foundation
import SQLiteReplica
import SyncCore

struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Carry change sets between nodes in a file (offline sync).",
        subcommands: [BundleExportCommand.self, BundleImportCommand.self])
}

struct BundleExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every change set a peer may lack to a bundle file.",
        discussion: """
            Pending local writes are sealed first. With --since, only the sets after the peer's version \
            vector (from `teachersync vector` at the peer) are written. At the hub, --county limits the \
            bundle to what that county may read: the province-wide streams and the county's own. With --to \
            (the recipient's encryption_key from `teachersync id`), the file is encrypted to that node alone: \
            a lost stick discloses nothing, and only that node can import it. Bundles that leave the machine \
            with names and identity numbers should always be encrypted.
            """)

    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("The bundle file to write.", valueName: "file"))
    var out: String

    @Option(help: ArgumentHelp("A peer's version-vector file: export only what it lacks.", valueName: "file"))
    var since: String?

    @Option(help: ArgumentHelp("Only the streams a county may read (hub).", valueName: "code"))
    var county: String?

    @Option(
        help: ArgumentHelp(
            "Encrypt to this node's encryption key (base64, `teachersync id` at the recipient).", valueName: "key"))
    var to: String?

    func validate() throws {
        if let to, Curve25519.KeyAgreement.PublicKey.fromBase64(to) == nil {
            throw ValidationError("--to must be a node's encryption_key: base64 of 32 bytes")
        }
    }

    func run() throws {
        let replica = try data.open()
        var vector: VersionVector?
        if let since {
            guard let bytes = FileManager.default.contents(atPath: since) else {
                throw CLIFailure.usage("cannot read version-vector file \(since)")
            }
            do {
                vector = try VersionVector(jsonData: bytes)
            } catch {
                throw CLIFailure.usage("\(since): \(error.detail)")
            }
        }
        let envelopes = try replicaCall { () throws(ReplicaError) in
            try replica.seal()
            return try replica.exportEnvelopes(since: vector, county: county)
        }
        var bytes = BundleFile.encode(envelopes)
        var encryptedFor = ""
        if let to, let recipient = Curve25519.KeyAgreement.PublicKey.fromBase64(to) {
            encryptedFor = Hex.encode(SealedBundle.keyID(recipient))
            do { bytes = try SealedBundle.seal(bytes, to: recipient) } catch {
                throw CLIFailure("\(error)", exitStatus: 1)
            }
        }
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: out), options: .atomic)
        } catch {
            throw CLIFailure.io("cannot write \(out): \(error.localizedDescription)")
        }
        print(
            "exported \(envelopes.count) sets (\(bytes.count) bytes) to \(out)"
                + (to == nil ? "" : ", encrypted to the node with key id \(encryptedFor)"))
    }
}

struct BundleImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Verify and apply every change set in a bundle file.",
        discussion: """
            Each set goes through the same checks as over the network: signature, author's key and scope, \
            hash chain, clock. A damaged file is refused whole. Prints counts applied / already present / \
            rejected with reasons; exits 3 if any set was rejected (rejected sets are kept in quarantine). An \
            encrypted bundle is decrypted with this node's key first; one encrypted for another node, or \
            altered, is refused whole (bundle.wrong_recipient, bundle.decryption_failed).
            """)

    @OptionGroup var data: DataOptions

    @Argument(help: ArgumentHelp("The bundle file.", valueName: "file"))
    var file: String

    func run() throws {
        let replica = try data.open()
        guard let contents = FileManager.default.contents(atPath: file) else {
            throw CLIFailure.usage("cannot read bundle \(file)")
        }
        var bytes = Array(contents)
        if SealedBundle.isSealed(bytes) {
            do { bytes = try SealedBundle.open(bytes, with: replica.identity.signer.encryptionKey) } catch {
                throw CLIFailure.refused("\(file): \(error.reason): \(error.detail)")
            }
        }
        let envelopes: [[UInt8]]
        do {
            envelopes = try BundleFile.decode(bytes)
        } catch {
            throw CLIFailure.refused("\(file): \(error.reason): \(error.detail); nothing was applied")
        }
        var progress = Progress("applying")
        var report = try replicaCall { () throws(ReplicaError) in
            try replica.receive(envelopes) { done, total in progress.update(done, of: total) }
        }
        progress.finish()
        if report.applied > 0 {
            let retried = try replicaCall { () throws(ReplicaError) in try replica.retryQuarantined() }
            report.applied += retried.applied
            report.operationsApplied += retried.operationsApplied
        }
        if let hub = report.pinnedHubOrigin {
            print("pinned hub key of origin \(hub.hex) on first use; check it with the hub operator")
        }
        print(
            "applied \(report.applied), already present \(report.alreadyPresent), rejected \(report.rejected.count)"
                + " (\(report.operationsApplied) operations applied)")
        for r in report.rejected { print("rejected \(r)") }
        if !report.rejected.isEmpty {
            let reasons = Set(report.rejected.map(\.reason.rawValue)).sorted().joined(separator: ", ")
            throw CLIFailure.refused("\(report.rejected.count) set(s) rejected: \(reasons)")
        }
    }
}
