import Foundation
import SQLiteReplica
import SyncCore
import SyncTestSupport
import Synchronization
import Testing

@testable import SyncTransport

/// A county with pending writes (200 teachers and 20 study records, sealed in sets of 40 operations) and a hub with
/// writes for that county (80 teachers, two sets), the hub serving on 127.0.0.1 and a ``FaultProxy`` between the
/// county's `HubClient` and the hub. Uploads go in batches of two sets and pulls in pages of two, so a round makes
/// several requests of each kind.
final class FaultBench: Sendable {
    static let code = "130102"
    static let limits = SyncRound.Limits(maxSets: 2)
    static let countyTeachers = 1...200
    static let countyRecords = 1...20
    static let hubTeachers = 9001...9080
    /// The sets the county seals: 220 operations, 40 per set.
    static let countySets = 6

    let f: TransportFixture
    let hub: RunningHub
    let proxy: FaultProxy
    var county: Replica { f.counties[0] }

    /// Every teacher written, at the county or at the hub, as `teacherCounties()` keys it.
    static var allTeachers: [String] { (countyTeachers.map { $0 } + hubTeachers.map { $0 }).map { "1 ID\($0)" } }
    /// The operations the county wrote.
    static var countyOperations: Int { countyTeachers.count + countyRecords.count }

    private init(f: TransportFixture, hub: RunningHub, proxy: FaultProxy) {
        (self.f, self.hub, self.proxy) = (f, hub, proxy)
    }

    static func make() async throws -> FaultBench {
        let sets40: (ReplicaConfiguration) -> ReplicaConfiguration = {
            var c = $0
            c.sealMaxOperations = 40
            return c
        }
        let f = try TransportFixture(countyConfig: sets40, hubConfig: sets40)
        try f.counties[0].write(
            countyTeachers.map { TransportFixture.teacher($0) }
                + countyRecords.map { TransportFixture.record("R\($0)", minutes: Int64($0)) })
        try f.hub.write(hubTeachers.map { TransportFixture.teacher($0, name: "王五") })
        try f.hub.seal()
        let hub = try await f.startHub()
        do {
            return FaultBench(f: f, hub: hub, proxy: try FaultProxy(targetPort: hub.port))
        } catch {
            try? await hub.stop()
            throw error
        }
    }

    /// A driver for the county whose requests go through the proxy.
    func driver(timeout: Duration = .seconds(10)) -> SyncDriver {
        var client = HubClient(baseURL: proxy.url, signer: county.identity.signer, wallClock: f.clock)
        client.timeout = timeout
        return SyncDriver(executor: ReplicaExecutor(county), client: client, limits: Self.limits)
    }

    /// A driver for the county that talks to the hub directly.
    func directDriver() -> SyncDriver { f.driver(county, hub, limits: Self.limits) }

    func stop() async {
        proxy.stop()
        try? await hub.stop()
    }

    /// Runs `body` with a new bench, and stops the proxy and the hub afterwards, also when `body` throws.
    static func with(_ body: (FaultBench) async throws -> Void) async throws {
        let bench = try await make()
        do {
            try await body(bench)
        } catch {
            await bench.stop()
            throw error
        }
        await bench.stop()
    }

    // MARK: - What the tests read

    /// The sequence numbers of the county's own stream that the hub holds.
    func hubHeldCountySets() throws -> [UInt64] { try f.hub.sequences(of: county.ownCountyStream) }

    /// A counter of the hub's `/metrics` (0 when it has not been created yet).
    func hubCounter(_ name: String) async throws -> Int {
        let text = try await RawHTTP.metrics(hub)
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            if let value = line.split(separator: " ").last.flatMap({ Double($0) }) { return Int(value) }
        }
        return 0
    }

    /// The one fault that fired, checked: exactly `count` events, all fired.
    func expectFired(_ count: Int = 1, sourceLocation: SourceLocation = #_sourceLocation) {
        let events = proxy.events
        #expect(
            events.count == count && events.allSatisfy(\.fired), "proxy events: \(events)",
            sourceLocation: sourceLocation)
    }

    /// The round, ended at `ended`, gave up on its deadline before the proxy released the held bytes.
    func expectGaveUpBeforeRelease(
        _ ended: ContinuousClock.Instant, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let held = proxy.events.first(where: \.fired) else { return }
        #expect(
            ended - held.at < FaultInjectionTests.hold,
            "the round ended \(ended - held.at) after the hold began: it waited for the held bytes",
            sourceLocation: sourceLocation)
    }

    /// The county and the hub agree, with every write present once:
    /// - the county's digest equals the hub's digest of that county, and their version vectors agree;
    /// - the county's stream is 1...n at both ends, holding every operation the county wrote, nothing pending;
    /// - every teacher written at either end is present at both;
    /// - the county holds exactly the sets it may read at the hub, each once;
    /// - the hub applied each county set and each operation once (its `sets_applied` and `operations_applied`
    ///   counters equal what the county sealed: an upload applied twice would count twice);
    /// - nothing is quarantined (`countyQuarantine` lists what the county may hold there, by reason);
    /// - one more round, direct, moves nothing.
    func expectConverged(
        countyQuarantine: [String: Int] = [:], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let code = Self.code
        let hubReplica = f.hub
        #expect(
            try county.digest(county: code) == hubReplica.digest(county: code), "digests differ",
            sourceLocation: sourceLocation)
        #expect(
            try county.versionVector() == hubReplica.versionVector().readable(by: code), sourceLocation: sourceLocation)

        let own = county.ownCountyStream
        let sequences = try county.sequences(of: own)
        #expect(sequences == Array(1...UInt64(Self.countySets)), sourceLocation: sourceLocation)
        #expect(try hubHeldCountySets() == sequences, sourceLocation: sourceLocation)
        let ownSets = try decodeAll(county.exportEnvelopes()).filter { $0.stream == own }
        #expect(
            ownSets.reduce(0) { $0 + $1.operations.count } == Self.countyOperations, sourceLocation: sourceLocation)
        #expect(try county.status().pendingOperations == 0, sourceLocation: sourceLocation)

        let atCounty = try county.teacherCounties()
        let atHub = try hubReplica.teacherCounties()
        let missing = Self.allTeachers.filter { atCounty[$0] != code || atHub[$0] != code }
        #expect(missing.isEmpty, "teachers missing: \(missing.prefix(10))", sourceLocation: sourceLocation)

        let held = try decodeAll(county.exportEnvelopes()).map(\.id)
        let readable = try decodeAll(hubReplica.exportEnvelopes(county: code)).map(\.id)
        #expect(held.count == Set(held).count, "a set is held twice", sourceLocation: sourceLocation)
        #expect(Set(held) == Set(readable) && held.count == readable.count, sourceLocation: sourceLocation)

        #expect(
            try await hubCounter("teachersync_sets_applied_total") == sequences.count, sourceLocation: sourceLocation)
        #expect(
            try await hubCounter("teachersync_operations_applied_total") == Self.countyOperations,
            sourceLocation: sourceLocation)

        #expect(try hubReplica.status().quarantined.isEmpty, sourceLocation: sourceLocation)
        #expect(try county.status().quarantined == countyQuarantine, sourceLocation: sourceLocation)

        let again = await directDriver().runRound()
        #expect(again.outcome == .inSync(pushed: 0, pulled: 0), sourceLocation: sourceLocation)
    }

    /// Sets the county may read at the hub and does not hold (what a clean round pulls).
    func setsToPull() throws -> Int {
        let held = Set(try decodeAll(county.exportEnvelopes()).map(\.id))
        return try decodeAll(f.hub.exportEnvelopes(county: Self.code)).filter { !held.contains($0.id) }.count
    }
}

/// Rounds through a fault-injecting TCP proxy: each fault makes its round fail with a reason (a transport failure,
/// or a refusal of the corrupted bytes), and the next clean round, through the same proxy now passing bytes through,
/// converges with nothing lost and nothing applied twice.
///
/// The county seals 6 sets (220 operations, 40 per set); they go up in batches of two, so a fault on the second
/// upload request hits batch 2 (sets 3 and 4) after batch 1 was acknowledged. The county pulls 4 sets (the hub's
/// enrolment and the county's, then the hub's 2 sets for the county) in pages of two. Upload bodies and pulled pages
/// travel deflated (protocol 2), so body offsets count deflated bytes: an upload batch is about 1.3 KB on the wire.
@Suite struct FaultInjectionTests {
    static let countySets = FaultBench.countySets

    // MARK: Connection reset mid-upload

    /// Where in batch 2's upload request the connection is reset: before its first body byte, after 600 body bytes, and
    /// just before its last byte (the hub has every byte but one).
    static let resetOffsets: [FaultProxy.Offset] = [.body(0), .body(600), .bodyFromEnd(1)]

    @Test(arguments: resetOffsets)
    func connectionResetMidUploadThenConverges(offset: FaultProxy.Offset) async throws {
        try await FaultBench.with { bench in
            var fault = FaultProxy.Fault(
                trigger: .request(method: "POST", path: "/v1/sets"), direction: .request, offset: offset,
                action: .reset)
            fault.skip = 1  // batch 1 goes through and is acknowledged; batch 2 is cut
            bench.proxy.arm(fault)

            let faulted = await bench.driver().runRound()
            bench.expectFired()
            #expect(faulted.outcome.reason == .transportFailure, "\(faulted.outcome)")
            #expect(faulted.outcome.isRetryable == true)
            // The hub applied batch 1 only: a batch cut short, even by one byte, applies nothing.
            #expect(try bench.hubHeldCountySets() == [1, 2])

            bench.proxy.passThrough()
            let clean = await bench.driver().runRound()
            #expect(clean.outcome == .inSync(pushed: Self.countySets - 2, pulled: 4), "\(clean.outcome)")
            try await bench.expectConverged()
        }
    }

    /// A fault chosen by connection rather than by request: the next connection is reset before its first byte
    /// reaches the hub. That connection carries the round's first request, the check for the node's own later sets
    /// made before sealing, whose failure the round leaves to its own heads exchange; that exchange opens a new
    /// connection and the round completes.
    @Test func firstConnectionResetBeforeItsFirstByteThenRoundCompletes() async throws {
        try await FaultBench.with { bench in
            bench.proxy.arm(.init(trigger: .connection(0), direction: .request, offset: .message(0), action: .reset))

            let round = await bench.driver().runRound()
            bench.expectFired()
            #expect(bench.proxy.events.first?.connection == 0)
            #expect(bench.proxy.connections.accepted >= 2, "the round went on over a new connection")
            #expect(round.outcome == .inSync(pushed: Self.countySets, pulled: 4), "\(round.outcome)")
            try await bench.expectConverged()
        }
    }

    // MARK: Truncated responses

    /// The hub applies batch 2 but its answer is cut after 10 bytes of its body: the county does not know batch 2
    /// arrived. The next round learns it from the heads and pushes only batch 3.
    @Test func truncatedUploadAnswerThenConverges() async throws {
        try await FaultBench.with { bench in
            var fault = FaultProxy.Fault.truncateResponse("/v1/sets", afterBodyBytes: 10)
            fault.skip = 1
            bench.proxy.arm(fault)

            let faulted = await bench.driver().runRound()
            bench.expectFired()
            #expect(faulted.outcome.reason == .transportFailure, "\(faulted.outcome)")
            #expect(try bench.hubHeldCountySets() == [1, 2, 3, 4])

            bench.proxy.passThrough()
            let clean = await bench.driver().runRound()
            #expect(clean.outcome == .inSync(pushed: Self.countySets - 4, pulled: 4), "\(clean.outcome)")
            try await bench.expectConverged()
        }
    }

    /// A pull answer cut after its headers and 100 bytes of its body (page 2: the hub's sets for the county): page 1
    /// is applied, page 2 is not, and nothing of the cut page is half applied.
    @Test func truncatedPullAnswerThenConverges() async throws {
        try await FaultBench.with { bench in
            var fault = FaultProxy.Fault.truncateResponse("/v1/sets/pull", afterBodyBytes: 100)
            fault.skip = 1
            bench.proxy.arm(fault)

            let faulted = await bench.driver().runRound()
            bench.expectFired()
            #expect(faulted.outcome.reason == .transportFailure, "\(faulted.outcome)")
            #expect(try bench.hubHeldCountySets().count == Self.countySets, "the uploads went through")
            #expect(try bench.setsToPull() == 2, "page 1 was applied, page 2 was not")
            #expect(try bench.county.status().quarantined.isEmpty)

            bench.proxy.passThrough()
            let clean = await bench.driver().runRound()
            #expect(clean.outcome == .inSync(pushed: 0, pulled: 2), "\(clean.outcome)")
            try await bench.expectConverged()
        }
    }

    // MARK: Delays past the client's timeout

    /// The client's deadline in the delay tests (long enough for an undelayed request on a loaded machine), and how
    /// long the proxy holds the delayed bytes.
    static let shortTimeout = Duration.seconds(6)
    static let hold = shortTimeout + .milliseconds(1500)

    /// The hub applies batch 2 and answers, but the answer is held past the client's deadline: the client gives up at
    /// its deadline (not when the bytes finally come), and the next round pushes only what the hub lacks.
    @Test func uploadAnswerDelayedPastTimeoutThenConverges() async throws {
        try await FaultBench.with { bench in
            var fault = FaultProxy.Fault.delayResponse("/v1/sets", by: Self.hold)
            fault.skip = 1
            bench.proxy.arm(fault)

            let faulted = await bench.driver(timeout: Self.shortTimeout).runRound()
            let ended = ContinuousClock.now
            bench.expectFired()
            #expect(faulted.outcome.reason == .transportFailure, "\(faulted.outcome)")
            bench.expectGaveUpBeforeRelease(ended)
            #expect(try bench.hubHeldCountySets() == [1, 2, 3, 4])

            bench.proxy.passThrough()
            let clean = await bench.driver().runRound()
            #expect(clean.outcome == .inSync(pushed: Self.countySets - 4, pulled: 4), "\(clean.outcome)")
            try await bench.expectConverged()
        }
    }

    /// The body of batch 2 is held after its first 500 bytes, past the client's deadline; the client gives up and
    /// the next round (immediately, while the old bytes are still held) uploads batches 2 and 3. Then the held
    /// bytes reach the hub late, a stale duplicate of batch 2. Nothing is applied twice.
    @Test func uploadBodyDelayedPastTimeoutArrivesLateWithoutDoubleApply() async throws {
        try await FaultBench.with { bench in
            var fault = FaultProxy.Fault.delayRequest("/v1/sets", afterBodyBytes: 500, by: Self.hold)
            fault.skip = 1
            bench.proxy.arm(fault)

            let faulted = await bench.driver(timeout: Self.shortTimeout).runRound()
            let ended = ContinuousClock.now
            bench.expectFired()
            #expect(faulted.outcome.reason == .transportFailure, "\(faulted.outcome)")
            bench.expectGaveUpBeforeRelease(ended)
            #expect(try bench.hubHeldCountySets() == [1, 2])

            bench.proxy.passThrough()
            let clean = await bench.driver().runRound()
            // The held connection ends once its bytes went to the hub (or the hub dropped them).
            let held = try #require(bench.proxy.events.first?.connection)
            #expect(await bench.proxy.waitUntilClosed(held, timeout: Self.hold + .seconds(10)))
            let received = try await bench.hubCounter("teachersync_sets_received_total")
            // Usually the clean round pushes batches 2 and 3 and the stale copy of batch 2 arrives afterwards, to
            // find both its sets already present (6 sets received by the rounds, plus 2). On a loaded machine the
            // held bytes may be released before the clean round uploads: then the stale batch 2 is applied, the
            // clean round pushes batch 3 alone, and the hub received each set once. Either way nothing is applied
            // twice, and the county converges.
            switch clean.outcome {
            case .inSync(pushed: Self.countySets - 2, pulled: 4):
                #expect(received == Self.countySets + 2, "sets received by the hub: \(received)")
            case .inSync(pushed: Self.countySets - 4, pulled: 4):
                #expect(received == Self.countySets, "sets received by the hub: \(received)")
            default:
                Issue.record("the clean round: \(clean.outcome)")
            }
            try await bench.expectConverged()
        }
    }

    /// Page 2 of the pull (the hub's sets for the county) is held past the client's deadline: the county keeps page 1,
    /// applies nothing of page 2, and the next round pulls just page 2.
    @Test func pullAnswerDelayedPastTimeoutThenConverges() async throws {
        try await FaultBench.with { bench in
            var fault = FaultProxy.Fault.delayResponse("/v1/sets/pull", by: Self.hold)
            fault.skip = 1
            bench.proxy.arm(fault)

            let faulted = await bench.driver(timeout: Self.shortTimeout).runRound()
            let ended = ContinuousClock.now
            bench.expectFired()
            #expect(faulted.outcome.reason == .transportFailure, "\(faulted.outcome)")
            bench.expectGaveUpBeforeRelease(ended)
            #expect(try bench.hubHeldCountySets().count == Self.countySets, "the uploads went through")
            #expect(try bench.setsToPull() == 2, "page 1 was applied, page 2 was not")

            bench.proxy.passThrough()
            let clean = await bench.driver().runRound()
            #expect(clean.outcome == .inSync(pushed: 0, pulled: 2), "\(clean.outcome)")
            try await bench.expectConverged()
        }
    }

    // MARK: Corrupted bytes

    /// One byte of the upload's body flipped on the way to the hub: the request's signature covers the body's hash,
    /// so the hub refuses the whole request (`auth.bad_signature`) and applies nothing of it.
    @Test(arguments: [0, 600])
    func corruptedUploadIsRefusedThenConverges(byte: Int) async throws {
        try await FaultBench.with { bench in
            bench.proxy.arm(.flip(.request, "/v1/sets", bodyByte: byte))

            let faulted = await bench.driver().runRound()
            bench.expectFired()
            #expect(faulted.outcome.reason == .authBadSignature, "\(faulted.outcome)")
            #expect(try bench.hubHeldCountySets().isEmpty)
            #expect(try await bench.hubCounter("teachersync_sets_applied_total") == 0)
            let metrics = try await RawHTTP.metrics(bench.hub)
            #expect(
                metrics.contains(#"teachersync_requests_refused_total{reason="auth.bad_signature"} 1"#), "\(metrics)")

            bench.proxy.passThrough()
            let clean = await bench.driver().runRound()
            #expect(clean.outcome == .inSync(pushed: Self.countySets, pulled: 4), "\(clean.outcome)")
            try await bench.expectConverged()
        }
    }

    /// One byte of the hub's answer to an upload flipped on the way back: the county cannot read the answer (its
    /// round fails) although the hub applied the batch; the next round pushes only the rest.
    @Test func corruptedUploadAnswerThenConverges() async throws {
        try await FaultBench.with { bench in
            bench.proxy.arm(.flip(.response, "/v1/sets", bodyByte: 2))

            let faulted = await bench.driver().runRound()
            bench.expectFired()
            #expect(faulted.outcome.reason == .transportFailure, "\(faulted.outcome)")
            #expect(try bench.hubHeldCountySets() == [1, 2])

            bench.proxy.passThrough()
            let clean = await bench.driver().runRound()
            #expect(clean.outcome == .inSync(pushed: Self.countySets - 2, pulled: 4), "\(clean.outcome)")
            try await bench.expectConverged()
        }
    }

    /// One byte of a pulled page flipped on the way to the county (at its first byte, inside, at its last byte): the
    /// deflate stream's check fails (or, for a page sent plain, the bundle's checksum), the county refuses the whole
    /// page (`format.malformed`) before applying anything of it, and quarantines nothing (the page was never trusted).
    @Test(arguments: [FaultProxy.Offset.body(0), .body(300), .bodyFromEnd(1)])
    func corruptedPullIsRefusedThenConverges(offset: FaultProxy.Offset) async throws {
        try await FaultBench.with { bench in
            var fault = FaultProxy.Fault(
                trigger: .request(method: "POST", path: "/v1/sets/pull"), direction: .response, offset: offset,
                action: .flip(0x01))
            fault.skip = 1  // page 2: the hub's two sets for the county
            bench.proxy.arm(fault)

            let faulted = await bench.driver().runRound()
            bench.expectFired()
            #expect(faulted.outcome.reason == .malformed, "\(faulted.outcome)")
            #expect(faulted.rejectedHere.isEmpty)
            #expect(try bench.setsToPull() == 2, "page 1 was applied, page 2 was refused whole")
            #expect(try bench.county.status().quarantined.isEmpty)

            bench.proxy.passThrough()
            let clean = await bench.driver().runRound()
            #expect(clean.outcome == .inSync(pushed: 0, pulled: 2), "\(clean.outcome)")
            try await bench.expectConverged()
        }
    }

    /// A set altered inside a pulled page whose bundle checksum was recomputed (what a tampering relay would do):
    /// the bundle passes, but the set's own signature does not. The county refuses that set
    /// (`signature.invalid`, quarantined), holds back the next set of its stream (`chain.gap`), applies nothing of
    /// either, and its round fails. The next clean round brings the genuine sets and clears the quarantine.
    @Test func tamperedSetInPulledPageIsQuarantinedThenConverges() async throws {
        try await FaultBench.with { bench in
            let hubCountyStream = StreamID(origin: bench.f.hub.identity.origin, scope: .county(FaultBench.code))
            let tampered = Mutex<String?>(nil)
            var fault = FaultProxy.Fault(
                trigger: .request(method: "POST", path: "/v1/sets/pull"), direction: .response, offset: .body(0),
                action: .rewriteBody({ body in
                    // The page as sent: from protocol 3 a bundle of the sets deflated one by one (format 2); before,
                    // a bundle deflated whole (protocol 2) when it is not tiny.
                    let deflated = (try? BundleFile.entries(body)) == nil
                    guard let bundle = deflated ? try? WireCompression.decompress(body, limit: 64 << 20) : body,
                        let entries = try? BundleFile.entries(bundle),
                        var envelopes = try? entries.map({ try $0.envelope() }),
                        let i = envelopes.firstIndex(where: {
                            (try? ChangeSet.decode(envelope: $0))?.stream == hubCountyStream
                        })
                    else { return body }
                    // Alter the first set of the hub's stream for the county (one bit of its signature), then seal
                    // the bundle's checksum again and deflate it again.
                    return tampered.withLock { done in
                        guard done == nil else { return body }
                        done = (try? ChangeSet.decode(envelope: envelopes[i]))?.idHex
                        envelopes[i][envelopes[i].count - 1] ^= 0x01
                        let resealed =
                            bundle[5] == UInt8(BundleFile.storedFormat)
                            ? BundleFile.encode(
                                stored: envelopes.map { (try? StoredEnvelope.deflating($0)) ?? .init(plain: $0) })
                            : BundleFile.encode(envelopes)
                        return deflated ? (try? WireCompression.compress(resealed)) ?? body : resealed
                    }
                }))
            fault.times = 10  // every page passes the rewrite; only the page with the hub's first set is changed
            bench.proxy.arm(fault)

            let faulted = await bench.driver().runRound()
            bench.proxy.passThrough()
            let tamperedID = try #require(tampered.withLock { $0 }, "no page carried the hub's sets")
            #expect(bench.proxy.events.contains { $0.fired && $0.detail.contains("changed") }, "\(bench.proxy.events)")
            #expect(faulted.outcome.reason == .chainGap, "\(faulted.outcome)")
            #expect(
                faulted.rejectedHere.map(\.reason) == [.badSignature, .chainGap], "\(faulted.rejectedHere)")
            #expect(faulted.rejectedHere.first?.setID == String(tamperedID.prefix(16)))
            #expect(try bench.county.sequences(of: hubCountyStream).isEmpty)
            #expect(try bench.county.status().quarantined == ["signature.invalid": 1, "chain.gap": 1])

            let clean = await bench.driver().runRound()
            #expect(clean.outcome == .inSync(pushed: 0, pulled: 2), "\(clean.outcome)")
            #expect(try bench.county.sequences(of: hubCountyStream) == [1, 2])
            try await bench.expectConverged()
        }
    }
}
