import Crypto
import Foundation
import SyncCore
import SyncTestSupport
import Testing

@Suite struct ChangeSetTests {
    static let signer = KeyFixtures.identity(7)
    static let stream = StreamID(origin: signer.origin, scope: .county("130102"))

    static func sampleOperations() -> [RowOperation] {
        [
            RowOperation(
                kind: .upsert, hlc: HybridTimestamp(physicalMillis: 1_567_296_000_000, logical: 0), table: "schools",
                key: [.text("1301020001")],
                fields: [
                    .init("name", .text("第1学校")), .init("county_code", .text("130102")), .init("stages", .text("2")),
                ]),
            RowOperation(
                kind: .insertFact, hlc: HybridTimestamp(physicalMillis: 1_567_296_000_000, logical: 1),
                table: "study_records", key: [.text("R1")],
                fields: [.init("minutes", .integer(45)), .init("county_code", .text("130102")), .init("x", .null)]),
            RowOperation(
                kind: .delete, hlc: HybridTimestamp(physicalMillis: 1_567_296_000_001, logical: 0), table: "schools",
                key: [.text("1301020002")], fields: [.init("county_code", .text("130102"))]),
        ]
    }

    static func sample() throws -> ChangeSet {
        try ChangeSet.seal(
            stream: stream, sequence: 1, previous: ChangeSet.genesis, operations: sampleOperations(), signer: signer)
    }

    @Test func encodingRoundTrips() throws {
        let set = try Self.sample()
        let decoded = try ChangeSet.decode(envelope: set.envelope)
        #expect(decoded == set)
        #expect(decoded.id == set.id)
        #expect(decoded.operations == set.operations)
        #expect(decoded.stream == Self.stream)
        #expect(decoded.hlcRange.lowerBound == HybridTimestamp(physicalMillis: 1_567_296_000_000, logical: 0))
        #expect(decoded.hlcRange.upperBound == HybridTimestamp(physicalMillis: 1_567_296_000_001, logical: 0))
        try decoded.verifySignature(with: Self.signer.publicKey)
    }

    @Test func encodingIsDeterministic() throws {
        #expect(try Self.sample().envelope == Self.sample().envelope)
    }

    @Test func fieldsAreSortedCanonically() {
        let op = RowOperation(
            kind: .upsert, hlc: .zero, table: "t", key: [.text("k")],
            fields: [.init("b", .null), .init("a", .null), .init("ab", .null)])
        #expect(op.fields.map(\.name) == ["a", "ab", "b"])
    }

    /// Any single flipped bit anywhere in the envelope is detected: by decoding, by the id, or by the signature.
    @Test func everySingleBitFlipIsDetected() throws {
        let set = try Self.sample()
        let envelope = set.envelope
        var undetected = [Int]()
        for byte in 0..<envelope.count {
            for bit in 0..<8 {
                var damaged = envelope
                damaged[byte] ^= 1 << bit
                guard let decoded = try? ChangeSet.decode(envelope: damaged) else { continue }
                if (try? decoded.verifySignature(with: Self.signer.publicKey)) != nil {
                    undetected.append(byte * 8 + bit)
                }
            }
        }
        #expect(undetected.isEmpty, "bit flips not detected at bit offsets \(undetected.prefix(10))")
    }

    @Test func truncationAndTrailingBytesAreMalformed() throws {
        let envelope = try Self.sample().envelope
        for cut in [0, 1, 4, 10, envelope.count / 2, envelope.count - 1] {
            #expect(throws: SyncError.self) { try ChangeSet.decode(envelope: Array(envelope.prefix(cut))) }
        }
        #expect(throws: SyncError.self) { try ChangeSet.decode(envelope: envelope + [0]) }
    }

    @Test func unknownFormatVersionIsReportedAsSuch() throws {
        var envelope = try Self.sample().envelope
        envelope[4 + 5] = 9  // low byte of the u16 format after the u32 length and the 4-byte magic
        do {
            _ = try ChangeSet.decode(envelope: envelope)
            Issue.record("decoded a set of format 9")
        } catch {
            #expect(error.reason == .unsupportedVersion)
        }
    }

    @Test func signatureByAnotherKeyFails() throws {
        let set = try Self.sample()
        #expect(throws: SyncError.self) { try set.verifySignature(with: KeyFixtures.identity(8).publicKey) }
    }

    @Test func bundleRoundTripsAndDetectsDamage() throws {
        let a = try Self.sample()
        let b = try ChangeSet.seal(
            stream: Self.stream, sequence: 2, previous: a.id, operations: Array(Self.sampleOperations().prefix(1)),
            signer: Self.signer)
        let bundle = BundleFile.encode([a.envelope, b.envelope])
        #expect(try BundleFile.decode(bundle) == [a.envelope, b.envelope])
        for position in [0, 7, bundle.count / 2, bundle.count - 1] {
            var damaged = bundle
            damaged[position] ^= 0x10
            #expect(throws: SyncError.self) { try BundleFile.decode(damaged) }
        }
        #expect(throws: SyncError.self) { try BundleFile.decode(Array(bundle.dropLast(40))) }
    }

    /// Bundle format 2 carries stored forms (plain or deflated) with their sizes; format 1 reads as plain forms, and
    /// `decode` (files) reads format 1 only. Framing errors name the set and what is wrong.
    @Test func bundleFormatTwoCarriesStoredFormsAndItsFramingIsChecked() throws {
        let a = try ChangeSet.seal(
            stream: Self.stream, sequence: 1, previous: ChangeSet.genesis, operations: Self.sampleOperations(),
            signer: Self.signer)
        // Any bytes stand for a deflated form here: nothing in SyncCore inflates.
        let forms = [StoredEnvelope(plain: a.envelope), StoredEnvelope(deflated: [1, 2, 3], size: a.envelope.count)]
        let bundle = BundleFile.encode(stored: forms)
        #expect(bundle[4...5] == [0, 2])
        #expect(try BundleFile.entries(bundle) == forms)
        #expect(try BundleFile.entries(BundleFile.encode([a.envelope])) == [StoredEnvelope(plain: a.envelope)])
        #expect(throws: SyncError(.unsupportedVersion, "bundle format 2; this build reads format 1 here")) {
            try BundleFile.decode(bundle)
        }
        #expect(throws: SyncError.self) { try BundleFile.entries(bundle, formats: 1...1) }

        /// A format 2 bundle of one entry with this form byte, size and bytes.
        func one(form: UInt8, size: Int, _ bytes: [UInt8]) -> [UInt8] {
            var w = ByteWriter()
            w.raw(BundleFile.magic)
            w.u16(2)
            w.u32(1)
            w.u8(form)
            w.u32(UInt32(size))
            w.u32(UInt32(bytes.count))
            w.raw(bytes)
            return w.bytes + SHA256.hash(data: w.bytes)
        }
        #expect(throws: SyncError(.malformed, "set 1 of the bundle: unknown form 7")) {
            try BundleFile.entries(one(form: 7, size: 3, [1, 2, 3]))
        }
        #expect(throws: SyncError(.malformed, "set 1 of the bundle: plain, 3 bytes for a size of 4")) {
            try BundleFile.entries(one(form: 0, size: 4, [1, 2, 3]))
        }
        let huge = StoredEnvelope.maxSize + 1
        #expect(throws: SyncError(.tooLarge, "set 1 of the bundle: \(huge) bytes")) {
            try BundleFile.entries(one(form: 1, size: huge, [1, 2, 3]))
        }
        #expect(throws: SyncError(.malformed, "set 1 of the bundle: 200 deflated bytes for a size of 100")) {
            try BundleFile.entries(one(form: 1, size: 100, [UInt8](repeating: 0, count: 200)))
        }
        for position in [0, 7, bundle.count / 2, bundle.count - 1] {
            var damaged = bundle
            damaged[position] ^= 0x10
            #expect(throws: SyncError.self) { try BundleFile.entries(damaged) }
        }
    }

    /// The hub checks an upload's streams from the first bytes of each set (of a deflated one, the first bytes it
    /// inflates to).
    @Test func theStreamIsReadFromAnEnvelopesFirstBytes() throws {
        let a = try ChangeSet.seal(
            stream: Self.stream, sequence: 1, previous: ChangeSet.genesis, operations: Self.sampleOperations(),
            signer: Self.signer)
        let e = a.envelope
        #expect(
            try ChangeSet.stream(ofEnvelopePrefix: Array(e.prefix(ChangeSet.headerBytes)), size: e.count) == a.stream)
        #expect(try ChangeSet.stream(ofEnvelope: e) == a.stream)
        #expect(throws: SyncError(.malformed, "envelope length does not match its body")) {
            try ChangeSet.stream(ofEnvelopePrefix: Array(e.prefix(ChangeSet.headerBytes)), size: e.count + 1)
        }
    }

    @Test func versionVectorJSONRoundTrips() throws {
        let vector = VersionVector([Self.stream: StreamHead(sequence: 3, head: [UInt8](repeating: 0xab, count: 32))])
        #expect(try VersionVector(jsonData: vector.jsonData()) == vector)
        #expect(throws: SyncError.self) { try VersionVector(jsonData: Data("{}".utf8)) }
    }
}
