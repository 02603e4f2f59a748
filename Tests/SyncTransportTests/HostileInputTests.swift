import Crypto
import Foundation
import SQLiteReplica
import SyncCore
import SyncTestSupport
import SyncTransport
import Synchronization
import Testing

/// Hostile uploads at a real hub: each is refused with its reason code and nothing of it is applied. The
/// number of cases each test tried is printed (`hostile inputs: …`), for docs/SECURITY.md.
@Suite(.serialized) struct HostileInputTests {
    /// A hub with no rate limit (these tests send thousands of requests from one origin) and one county.
    final class Arena: Sendable {
        let f: TransportFixture
        let hub: RunningHub
        let county: Replica
        let other: Replica

        init() async throws {
            f = try TransportFixture(counties: ["130102", "130104"])
            var limits = HubLimits()
            limits.requestsPerMinute = 10_000_000
            limits.concurrentRequestsPerOrigin = 64
            hub = try await RunningHub.start(replica: f.hub, port: 0, clock: f.clock, limits: limits)
            county = f.counties[0]
            other = f.counties[1]
        }

        /// A set of the county's own stream, signed by `signer` (the county's key unless given).
        func set(
            sequence: UInt64 = 1, previous: [UInt8] = ChangeSet.genesis, writes: [LocalWrite]? = nil,
            hlcAheadMillis: Int64 = 0, signer: SigningIdentity? = nil, stream: StreamID? = nil
        ) throws -> ChangeSet {
            let stream = stream ?? county.ownCountyStream
            let ops = try (writes ?? [TransportFixture.teacher(Int(sequence))]).enumerated().map { i, write in
                RowOperation(
                    kind: write.kind,
                    hlc: HybridTimestamp(
                        physicalMillis: UInt64(f.clock.nowMillis() + hlcAheadMillis),
                        logical: UInt16(Int(sequence) * 64 + i)),
                    table: write.table, key: write.key, fields: write.fields)
            }
            return try ChangeSet.seal(
                stream: stream, sequence: sequence, previous: previous, operations: ops,
                signer: signer ?? county.identity.signer)
        }

        /// An envelope of `body` validly signed by `signer`: the hub must refuse it on its content alone.
        static func signedEnvelope(_ body: [UInt8], by signer: SigningIdentity) throws -> [UInt8] {
            let id = Array(SHA256.hash(data: body))
            let signature = Array(try signer.privateKey.signature(for: ChangeSet.signatureInput(id: id)))
            var w = ByteWriter()
            w.u32(UInt32(body.count))
            w.raw(body)
            w.raw(signature)
            return w.bytes
        }

        /// Uploads raw bundle bytes signed as `signer`.
        func upload(
            _ bundle: [UInt8], as signer: SigningIdentity? = nil, protocolVersion: Int = 1
        ) async throws -> RawHTTP.Answer {
            let signed = RawHTTP.signed(
                "/v1/sets", on: hub, body: bundle, signer: signer ?? county.identity.signer,
                nowMillis: f.clock.nowMillis())
            let headers =
                signed.headers.filter { $0.0 != WireMessages.protocolHeader } + [
                    (WireMessages.protocolHeader, String(protocolVersion))
                ]
            return try await RawHTTP.send("POST", signed.url, body: signed.body, headers: headers)
        }

        /// The reasons an upload was refused for: the request's, or each rejected set's. Empty if anything of
        /// it was applied (a failure of the test).
        static func refusal(_ answer: RawHTTP.Answer) -> [String]? {
            if answer.status != 200 { return answer.reason.map { [$0] } ?? ["HTTP \(answer.status)"] }
            guard let result = try? JSONDecoder().decode(WireMessages.UploadResult.self, from: Data(answer.body))
            else { return ["unreadable answer"] }
            guard result.applied == 0, result.alreadyPresent == 0, !result.rejected.isEmpty else { return nil }
            return result.rejected.map(\.reason)
        }

        /// What the hub holds of the county, to compare before and after.
        func hubState() throws -> (String, Int, [StreamID: StreamHead]) {
            (try f.hub.digest(county: "130102"), try f.hub.status().storedSets, try f.hub.versionVector().heads)
        }

        func stop() async throws { try await hub.stop() }
    }

    /// Tallies the reason codes seen across cases.
    final class Tally: Sendable {
        let reasons = Mutex<[String: Int]>([:])
        func add(_ list: [String]) { reasons.withLock { r in for x in Set(list) { r[x, default: 0] += 1 } } }
        var total: Int { reasons.withLock { $0.values.reduce(0, +) } }
        var summary: String {
            reasons.withLock { $0.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") }
        }
    }

    @Test func bitFlipsAndTruncationsAnywhereAreRefused() async throws {
        let a = try await Arena()
        let good = try a.set(writes: [TransportFixture.teacher(1), TransportFixture.record("R1", minutes: 30)])
        let bundle = BundleFile.encode([good.envelope])
        let before = try a.hubState()
        let tally = Tally()
        var cases = 0
        // 1. One bit flipped in every byte of the bundle file (header, lengths, envelope, checksum).
        for i in 0..<bundle.count {
            var bytes = bundle
            bytes[i] ^= 1 << UInt8(i % 8)
            let reasons = try #require(Arena.refusal(try await a.upload(bytes)), "bundle byte \(i) flipped: applied")
            tally.add(reasons)
            cases += 1
        }
        // 2. One bit flipped in every byte of the envelope, in a bundle whose checksum is recomputed, so the
        //    set itself is judged.
        for i in 0..<good.envelope.count {
            var envelope = good.envelope
            envelope[i] ^= 1 << UInt8((i + 3) % 8)
            let answer = try await a.upload(BundleFile.encode([envelope]))
            tally.add(try #require(Arena.refusal(answer), "envelope byte \(i) flipped: applied"))
            cases += 1
        }
        // 3. The bundle cut at every length, and the envelope cut at every length in a valid bundle.
        for n in 0..<bundle.count {
            tally.add(try #require(Arena.refusal(try await a.upload(Array(bundle.prefix(n)))), "bundle cut at \(n)"))
            cases += 1
        }
        for n in 0..<good.envelope.count {
            let answer = try await a.upload(BundleFile.encode([Array(good.envelope.prefix(n))]))
            tally.add(try #require(Arena.refusal(answer), "envelope cut at \(n)"))
            cases += 1
        }
        let after = try a.hubState()
        #expect(after.0 == before.0 && after.1 == before.1 && after.2 == before.2)
        // Control: the intact bundle is applied.
        #expect(Arena.refusal(try await a.upload(bundle)) == nil)
        print("hostile inputs: bit flips and truncations: \(cases) cases, all refused (\(tally.summary))")
        try await a.stop()
    }

    /// The hub decodes an upload's sets while it applies the first ones (`DecodePipeline`): a set that does not
    /// decode after two good ones still refuses the whole request with its reason, and nothing of the batch is
    /// applied; a batch that gives a stream's sets out of order is applied whole.
    @Test func aBatchIsRefusedWholeForASetThatDoesNotDecodeAndAppliedWholeOutOfOrder() async throws {
        let a = try await Arena()
        let before = try a.hubState()
        let first = try a.set(sequence: 1)
        let second = try a.set(sequence: 2, previous: first.id, writes: [TransportFixture.teacher(2)])
        var broken = try a.set(sequence: 3, previous: second.id, writes: [TransportFixture.teacher(3, name: "QQQQ")])
            .body
        let marker = Array("QQQQ".utf8)
        let at = try #require((0...(broken.count - 4)).first { Array(broken[$0..<$0 + 4]) == marker })
        broken.replaceSubrange(at..<at + 4, with: [0xC3, 0x28, 0xA0, 0xA1])
        let batch = [first.envelope, second.envelope, try Arena.signedEnvelope(broken, by: a.county.identity.signer)]
        let refused = try await a.upload(BundleFile.encode(batch))
        #expect(refused.status == 400 && Arena.refusal(refused) == [ReasonCode.malformed.rawValue], "\(refused)")
        let after = try a.hubState()
        #expect(after.0 == before.0 && after.1 == before.1 && after.2 == before.2)

        let reversed = try await a.upload(BundleFile.encode([second.envelope, first.envelope]))
        #expect(Arena.refusal(reversed) == nil)
        let result = try JSONDecoder().decode(WireMessages.UploadResult.self, from: Data(reversed.body))
        #expect(result.applied == 2 && result.alreadyPresent == 0 && result.rejected.isEmpty)
        #expect(try a.f.hub.versionVector()[a.county.ownCountyStream].sequence == 2)
        try await a.stop()
    }

    /// Protocol 3 uploads carry the sets deflated one by one (bundle format 2). A deflated set that does not inflate to
    /// its stated size refuses the whole request, as one that does not decode; sets that together inflate past the
    /// body limit are refused before any is inflated; a request of an older protocol may not use the format. Nothing
    /// of a refused request is applied, and a good one is stored in the bytes it came in.
    @Test func aDeflatedSetIsCheckedLikeAnyOtherAndTheFormatNeedsProtocolThree() async throws {
        let a = try await Arena()
        let before = try a.hubState()
        let first = try a.set(sequence: 1)
        let second = try a.set(sequence: 2, previous: first.id, writes: (2...30).map { TransportFixture.teacher($0) })
        let good = [StoredEnvelope(plain: first.envelope), try StoredEnvelope.deflating(second.envelope)]
        #expect(good[1].form == .deflated)
        let lying = [good[0], StoredEnvelope(deflated: good[1].bytes, size: good[1].size + 10)]

        let cases: [(String, [UInt8], Int, String)] = [
            ("a wrong size", BundleFile.encode(stored: lying), 3, ReasonCode.malformed.rawValue),
            ("protocol 2", BundleFile.encode(stored: good), 2, ReasonCode.unsupportedVersion.rawValue),
            (
                "over the body limit",
                // Small on the wire, each within the largest set, together over 64 MiB (the default limit).
                BundleFile.encode(
                    stored: good
                        + Array(
                            repeating: StoredEnvelope(deflated: good[1].bytes, size: StoredEnvelope.maxSize), count: 4)
                ), 3, ReasonCode.tooLarge.rawValue
            ),
        ]
        for (name, body, version, reason) in cases {
            let refused = try await a.upload(body, protocolVersion: version)
            #expect(Arena.refusal(refused) == [reason], "\(name): \(refused)")
            let after = try a.hubState()
            #expect(after.0 == before.0 && after.1 == before.1 && after.2 == before.2, "\(name)")
        }

        let accepted = try await a.upload(BundleFile.encode(stored: good), protocolVersion: 3)
        #expect(Arena.refusal(accepted) == nil, "\(accepted)")
        let refs = [first, second].map { SyncRound.SetRef(stream: $0.stream, sequence: $0.sequence, size: 0) }
        #expect(try a.f.hub.storedEnvelopes(refs) == good)
        try await a.stop()
    }

    @Test func craftedSetsAreRefusedWithTheirReasonCodes() async throws {
        let a = try await Arena()
        let county = a.county.identity.signer
        var results = [(String, String)]()
        func refused(_ name: String, _ answer: RawHTTP.Answer, _ expected: ReasonCode) throws {
            let reasons = try #require(Arena.refusal(answer), "\(name): applied")
            #expect(reasons.contains(expected.rawValue), "\(name): \(reasons)")
            results.append((name, reasons.joined(separator: "+")))
        }
        let before = try a.hubState()

        // A set of another format version, validly signed.
        var body = try a.set().body
        body[4] = 0
        body[5] = 9
        try refused(
            "format version 9", try await a.upload(BundleFile.encode([try Arena.signedEnvelope(body, by: county)])),
            .unsupportedVersion)
        // A forged signature.
        var forged = try a.set().envelope
        for i in (forged.count - 64)..<forged.count { forged[i] = UInt8.random(in: 0...255) }
        try refused("forged signature", try await a.upload(BundleFile.encode([forged])), .badSignature)
        // The other county's key signing a set that claims this county's origin.
        let claimed = try Arena.signedEnvelope(try a.set().body, by: a.other.identity.signer)
        try refused("signed by another county", try await a.upload(BundleFile.encode([claimed])), .badSignature)
        // The other county uploading its own, validly signed set into this county's scope.
        let intruder = try a.set(
            signer: a.other.identity.signer,
            stream: StreamID(origin: a.other.identity.origin, scope: .county("130102")))
        try refused(
            "another county's set in this county's scope",
            try await a.upload(BundleFile.encode([intruder.envelope]), as: a.other.identity.signer), .authForbidden)
        // A clock ten minutes ahead of the hub's.
        try refused(
            "HLC 10 minutes ahead",
            try await a.upload(BundleFile.encode([try a.set(hlcAheadMillis: 600_000).envelope])), .hlcFuture)
        // Malformed UTF-8 in a text field, validly signed.
        let marked = try a.set(writes: [TransportFixture.teacher(1, name: "QQQQ")]).body
        var broken = marked
        let marker = Array("QQQQ".utf8)
        let at = try #require((0...(broken.count - 4)).first { Array(broken[$0..<$0 + 4]) == marker })
        broken.replaceSubrange(at..<at + 4, with: [0xC3, 0x28, 0xA0, 0xA1])
        try refused(
            "malformed UTF-8", try await a.upload(BundleFile.encode([try Arena.signedEnvelope(broken, by: county)])),
            .malformed)
        // A set that does not start the chain (sequence 2 with no 1).
        let first = try a.set(sequence: 1)
        let second = try a.set(sequence: 2, previous: first.id)
        try refused("chain gap (sequence 2 first)", try await a.upload(BundleFile.encode([second.envelope])), .chainGap)
        // A first set that does not start from the genesis id is not even well-formed.
        let wrongStart = try a.set(sequence: 1, previous: [UInt8](repeating: 7, count: 32))
        try refused(
            "sequence 1 not chained to genesis", try await a.upload(BundleFile.encode([wrongStart.envelope])),
            .malformed)
        // Oversized body.
        try refused("oversized body (65 MiB)", try await a.upload([UInt8](repeating: 1, count: 65 << 20)), .tooLarge)
        var after = try a.hubState()
        #expect(after.0 == before.0 && after.1 == before.1 && after.2 == before.2)

        // Now the real sequence 1, then 2 (the reordered upload is applied once its predecessor arrives).
        #expect(Arena.refusal(try await a.upload(BundleFile.encode([first.envelope]))) == nil)
        #expect(try a.f.hub.versionVector()[a.county.ownCountyStream].sequence == 2)
        // A replayed set is a no-op: already present, nothing changes.
        let state = try a.hubState()
        let replay = try await a.upload(BundleFile.encode([first.envelope, second.envelope]))
        let replayed = try JSONDecoder().decode(WireMessages.UploadResult.self, from: Data(replay.body))
        #expect(replayed.applied == 0 && replayed.alreadyPresent == 2 && replayed.rejected.isEmpty)
        after = try a.hubState()
        #expect(after.0 == state.0 && after.1 == state.1)
        results.append(("replayed sets", "no-op (already present)"))
        // A fork: another set 2 after the same set 1.
        let fork = try a.set(sequence: 2, previous: first.id, writes: [TransportFixture.teacher(99)])
        try refused("fork (a second sequence 2)", try await a.upload(BundleFile.encode([fork.envelope])), .fork)
        // A set whose previous id is not the stream's head.
        let unchained = try a.set(sequence: 3, previous: [UInt8](repeating: 7, count: 32))
        try refused(
            "broken chain (previous not the head)", try await a.upload(BundleFile.encode([unchained.envelope])),
            .brokenChain)
        // A revoked county.
        try a.f.hub.write([
            .registryEntry(
                OriginRecord(
                    publicKey: a.other.identity.signer.publicKey, role: .county, county: "130104", status: .revoked))
        ])
        try a.f.hub.seal()
        let beforeRevoked = try a.hubState()
        let revoked = try await a.upload(
            BundleFile.encode([try a.set(signer: a.other.identity.signer, stream: a.other.ownCountyStream).envelope]),
            as: a.other.identity.signer)
        try refused("revoked key", revoked, .revokedOrigin)
        after = try a.hubState()
        #expect(after.0 == beforeRevoked.0 && after.1 == beforeRevoked.1 && after.2 == beforeRevoked.2)
        // A key rotated out by its county's root: the old key's next set is refused, sent by the old key (the
        // request) or relayed by the new one (the set).
        let root = SigningIdentity.generate()
        let successor = SigningIdentity.generate()
        let point = try a.f.hub.versionVector()[a.county.ownCountyStream]
        _ = try a.f.hub.enrol(
            try KeyAuthorization.sign(
                county: "130102", nodeKey: successor.publicKey, root: root, issuedAtMillis: a.f.clock.nowMillis(),
                replaces: a.county.identity.origin, replacedThrough: point.sequence),
            registerRoot: true)
        let beforeRotated = try a.hubState()
        let afterPoint = try a.set(sequence: point.sequence + 1, previous: point.head)
        try refused(
            "rotated-out key, its own request", try await a.upload(BundleFile.encode([afterPoint.envelope])),
            .rotatedOrigin)
        try refused(
            "rotated-out key's set after its rotation point",
            try await a.upload(BundleFile.encode([afterPoint.envelope]), as: successor), .rotatedOrigin)
        after = try a.hubState()
        #expect(after.0 == beforeRotated.0 && after.1 == beforeRotated.1 && after.2 == beforeRotated.2)
        for (name, outcome) in results { print("hostile inputs: \(name): \(outcome)") }
        print("hostile inputs: crafted sets: \(results.count) cases, as expected")
        try await a.stop()
    }

    @Test func sqlMetacharactersInEveryTextFieldAreStoredLiterally() async throws {
        let a = try await Arena()
        let payloads = [
            "'; DROP TABLE teachers; --", "\" OR 1=1 --", "Robert'); DELETE FROM change_sets;--", "%_\\", "`name`",
            "x' UNION SELECT * FROM meta --",
        ]
        var writes = [LocalWrite]()
        for (i, p) in payloads.enumerated() {
            writes.append(
                LocalWrite(
                    kind: .upsert, table: "teachers", key: [.text("130102"), .text(p), .text("ID\(p)\(i)")],
                    fields: [
                        .init("name", .text(p)), .init("gender", .text(p)), .init("school_code", .text(p)),
                        .init("stage", .text(p)), .init("subject", .text(p)), .init("dev_stage", .text(p)),
                    ]))
            writes.append(
                LocalWrite(
                    kind: .upsert, table: "schools", key: [.text("130102"), .text(p)],
                    fields: [.init("name", .text(p)), .init("stages", .text(p))]))
        }
        try a.county.write(writes)
        let report = await a.f.driver(a.county, a.hub).runRound()
        #expect(report.outcome.isFailure == false, "\(report.outcome)")
        // Stored as the county wrote them: same digest at the hub, every table and set still there.
        #expect(try a.f.hub.digest(county: "130102") == a.county.digest(county: "130102"))
        let verified = try a.f.hub.verifyStoredSets()
        #expect(verified.failures.isEmpty)
        #expect(try a.f.hub.status().storedSets == verified.checked)
        print(
            "hostile inputs: SQL metacharacters: \(payloads.count) payloads in \(writes.count) rows, stored literally")
        try await a.stop()
    }
}
