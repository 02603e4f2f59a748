import Foundation
import SyncCore
import SyncTestSupport
import TrainingDomain

/// One fuzz input: read as a bundle, as an envelope and as a version vector; every set that decodes goes
/// through the verifier's checks. Refusals are expected; a crash, a hang or a broken invariant is a bug.
enum ChangeSetTarget {
    static let verifier = SetVerifier(catalog: TrainingTables.catalog)
    static let county = KeyFixtures.vectorIdentity
    static let hub = KeyFixtures.identity(9)
    static let directory = InMemoryKeyDirectory([
        OriginRecord(publicKey: county.publicKey, role: .county, county: "130102", status: .active),
        OriginRecord(publicKey: hub.publicKey, role: .hub, county: nil, status: .active),
    ])

    static func run(_ bytes: [UInt8]) {
        if let envelopes = try? BundleFile.decode(bytes) {
            for envelope in envelopes { check(envelope) }
        }
        // Bundle format 2 (protocol 3): its plain entries are envelopes; deflated ones are inflated by the replica.
        if let entries = try? BundleFile.entries(bytes) {
            for entry in entries {
                precondition(entry.size <= StoredEnvelope.maxSize, "an entry over the largest set was accepted")
                if let plain = entry.plain { check(plain) }
            }
        }
        check(bytes)
        _ = try? VersionVector(jsonData: Data(bytes))
        _ = try? SealedBundle.open(bytes, with: county.encryptionKey)
    }

    static func check(_ envelope: [UInt8]) {
        guard let set = try? ChangeSet.decode(envelope: envelope) else { return }
        // The hub's scope check reads the stream from the first bytes alone, and finds the decoder's.
        let header = Array(envelope.prefix(ChangeSet.headerBytes))
        precondition(
            (try? ChangeSet.stream(ofEnvelopePrefix: header, size: envelope.count)) == set.stream,
            "the stream read from an envelope's first bytes is not the decoded set's")
        // The decoder accepts only canonical bytes: what it read re-encodes to the same body.
        let body = ChangeSet.encodeBody(
            format: set.format, stream: set.stream, sequence: set.sequence, previous: set.previous,
            operations: set.operations)
        precondition(body == set.body, "a decoded set does not re-encode to its own body")
        if let author = try? verifier.checkAuthor(set, directory: directory) {
            _ = try? verifier.checkScope(set, author: author)
        }
        _ = try? verifier.checkChain(set, head: .empty, heldIDAtSequence: nil)
        _ = try? verifier.checkClock(set, wallMillis: 1_700_000_000_000)
        _ = try? verifier.checkClockContinuity(set, previousMax: .zero)
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    ChangeSetTarget.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func llvmFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// SwiftPM links an executable's entry point under this name; in a fuzzing build it hands over to libFuzzer.
@_cdecl("teachersync_fuzz_changeset_main")
func fuzzingMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return llvmFuzzerRunDriver(&argc, &argv) { fuzzerTestOneInput($0, $1) }
}
#endif
