import AsyncHTTPClient
import CompressNIO
import Foundation
import NIOCore
import SQLiteReplica
import SyncCore
import SyncTestSupport
import SyncTransport
import Testing

/// Protocol negotiation and compressed bodies: each exchange uses the lower of the two sides' newest
/// protocol versions; version 2 compresses the bundles whole, version 3 carries the sets deflated one by one as the
/// replicas store them, version 1 nodes keep working unchanged.
@Suite struct ProtocolVersionTests {
    /// `n` teacher rows, enough for the bundles to be compressed.
    static func teachers(_ n: Int) -> [LocalWrite] { (1...n).map { TransportFixture.teacher($0) } }

    static func deflate(_ bytes: [UInt8]) throws -> [UInt8] {
        var buffer = ByteBuffer(bytes: bytes)
        return Array(try buffer.compress(with: .zlib()).readableBytesView)
    }

    /// The value of one metric line (its full name with labels), or 0 when absent.
    static func metric(_ text: String, _ name: String) -> Double {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.split(separator: " ").last!) ?? 0
        }
        return 0
    }

    @Test func anOlderNodeSyncsWithTheNewerHubWithoutCompression() async throws {
        let f = try TransportFixture(counties: ["130102", "130104", "130105"])
        let old = f.counties[0]
        let previous = f.counties[1]
        let current = f.counties[2]
        try old.write(Self.teachers(200))
        try previous.write((1...200).map { TransportFixture.teacher($0, county: "130104") })
        try current.write((1...200).map { TransportFixture.teacher($0, county: "130105") })
        try await f.withHub { hub in
            var oldClient = f.client(old, hub)
            oldClient.protocolVersion = 1
            let oldReport = await SyncDriver(executor: ReplicaExecutor(old), client: oldClient).runRound()
            #expect(oldReport.outcome == .inSync(pushed: 1, pulled: 2))
            #expect(oldClient.negotiatedProtocol == 1)
            var metrics = try await RawHTTP.metrics(hub)
            let wire = Self.metric(metrics, #"teachersync_request_wire_bytes_total{endpoint="upload"}"#)
            let plain = Self.metric(metrics, #"teachersync_request_body_bytes_total{endpoint="upload"}"#)
            #expect(wire > 0 && wire == plain, "a version-1 upload is not compressed")

            var previousClient = f.client(previous, hub)
            previousClient.protocolVersion = 2
            let previousReport = await SyncDriver(executor: ReplicaExecutor(previous), client: previousClient)
                .runRound()
            #expect(previousReport.outcome == .inSync(pushed: 1, pulled: 2))
            #expect(previousClient.negotiatedProtocol == 2)
            metrics = try await RawHTTP.metrics(hub)
            let wire2 = Self.metric(metrics, #"teachersync_request_wire_bytes_total{endpoint="upload"}"#) - wire
            let plain2 = Self.metric(metrics, #"teachersync_request_body_bytes_total{endpoint="upload"}"#) - plain
            #expect(wire2 > 0 && wire2 * 2 < plain2, "a version-2 upload is compressed: \(wire2) of \(plain2) bytes")

            let currentClient = f.client(current, hub)
            let report = await SyncDriver(executor: ReplicaExecutor(current), client: currentClient).runRound()
            #expect(report.outcome == .inSync(pushed: 1, pulled: 2))
            #expect(currentClient.negotiatedProtocol == WireMessages.protocolVersion)
            metrics = try await RawHTTP.metrics(hub)
            let wire3 =
                Self.metric(metrics, #"teachersync_request_wire_bytes_total{endpoint="upload"}"#) - wire - wire2
            let body3 =
                Self.metric(metrics, #"teachersync_request_body_bytes_total{endpoint="upload"}"#) - plain - plain2
            // No Content-Encoding: the bundle (format 2) carries the set deflated, as the county stores it.
            #expect(wire3 > 0 && wire3 == body3, "a version-3 upload is sent as it is")
            #expect(wire3 * 2 < plain2, "a version-3 upload is compressed: \(wire3) bytes against \(plain2)")
        }
        // The hub holds each county's set in the form it came in: the version-3 county's as the county deflated and
        // stored it, the older counties' as they are.
        for (county, deflated) in [(old, false), (previous, false), (current, true)] {
            let own = try county.setReferences().filter { $0.stream.origin == county.identity.origin }
            let atHub = try f.hub.storedEnvelopes(own)
            #expect(atHub.allSatisfy { ($0.form == .deflated) == deflated })
            if deflated { #expect(atHub == (try county.storedEnvelopes(own))) }
            #expect(try f.hub.envelopes(own) == (try county.envelopes(own)))
        }
        for county in [old, previous, current] {
            let code = county.identity.county!
            #expect(try county.digest(county: code) == f.hub.digest(county: code))
        }
    }

    @Test func theHubCompressesAPageForANodeOfVersionTwoAndSendsStoredFormsToOneOfVersionThree() async throws {
        let f = try TransportFixture()
        let county = f.counties[0]
        try f.hub.write((1...200).map { TransportFixture.teacher($0) })
        try f.hub.seal()
        try await f.withHub { hub in
            let request = WireMessages.PullRequest(
                after: try VersionVector().jsonData(), maxSets: 100, maxBytes: 1 << 20)
            let body = Array(try JSONEncoder().encode(request))
            for (offered, answered) in [("1", "1"), ("2", "2"), ("3", "3"), ("7", "3")] {
                let signed = RawHTTP.signed(
                    "/v1/sets/pull", on: hub, body: body, signer: county.identity.signer, nowMillis: f.clock.nowMillis()
                )
                let headers =
                    signed.headers.filter { $0.0 != WireMessages.protocolHeader } + [
                        (WireMessages.protocolHeader, offered), ("Accept-Encoding", "gzip, deflate"),
                    ]
                let answer = try await RawHTTP.send("POST", signed.url, body: signed.body, headers: headers)
                #expect(answer.status == 200)
                // The hub answers with the lower of the two newest versions.
                #expect(answer.headers.first(name: WireMessages.protocolHeader) == answered)
                #expect((answer.headers.first(name: "Content-Encoding") == "deflate") == (answered == "2"))
                if answered == "3" {
                    // Bundle format 2: the sets in their stored forms, the large ones deflated, each one whole.
                    let entries = try BundleFile.entries(answer.body)
                    #expect(answer.body[5] == UInt8(BundleFile.storedFormat) && entries.count == 3)
                    #expect(entries.contains { $0.form == .deflated })
                    #expect(Set(try entries.map { try $0.envelope() }) == Set(try f.hub.exportEnvelopes()))
                } else {
                    // (`HTTPClient.shared` inflates a compressed body itself, so the bundle reads the same either way.)
                    #expect(try BundleFile.decode(answer.body).count == 3)
                }
            }
        }
    }

    @Test(arguments: ["0", "abc", "-1"])
    func aMeaninglessProtocolVersionIsRefused(version: String) async throws {
        let f = try TransportFixture()
        try await f.withHub { hub in
            let signed = RawHTTP.signed(
                "/v1/heads", on: hub, body: try emptyVectorJSON(), signer: f.counties[0].identity.signer,
                nowMillis: f.clock.nowMillis())
            let headers = signed.headers.filter { $0.0 != WireMessages.protocolHeader } + [("TS-Protocol", version)]
            let answer = try await RawHTTP.send("POST", signed.url, body: signed.body, headers: headers)
            #expect(answer.status == 415)
            #expect(answer.reason == ReasonCode.protocolUnsupported.rawValue)
        }
    }

    @Test func compressedUploadsAreCheckedAfterAuthenticationAndBombsAreRefused() async throws {
        let f = try TransportFixture()
        let county = f.counties[0]
        try county.write(Self.teachers(50))
        try county.seal()
        let bundle = BundleFile.encode(
            try county.envelopes(try county.setReferences().filter { $0.stream == county.ownCountyStream }))
        let before = try f.hub.digest(county: "130102")
        try await f.withHub { hub in
            func upload(_ body: [UInt8], protocolVersion: String, encoding: String?) async throws -> RawHTTP.Answer {
                let signed = RawHTTP.signed(
                    "/v1/sets", on: hub, body: body, signer: county.identity.signer, nowMillis: f.clock.nowMillis())
                var headers = signed.headers.filter { $0.0 != WireMessages.protocolHeader }
                headers.append((WireMessages.protocolHeader, protocolVersion))
                if let encoding { headers.append(("Content-Encoding", encoding)) }
                return try await RawHTTP.send("POST", signed.url, body: signed.body, headers: headers)
            }
            // 100 MiB of zeros deflate to about 100 KiB: refused once 64 MiB are out, nothing applied.
            let bomb = try Self.deflate([UInt8](repeating: 0, count: 100 << 20))
            #expect(bomb.count < 200 << 10)
            let bombed = try await upload(bomb, protocolVersion: "2", encoding: "deflate")
            #expect(bombed.status == 413 && bombed.reason == ReasonCode.tooLarge.rawValue, "\(bombed.text)")
            // Not a deflate stream.
            let garbage = try await upload(Array(bundle.prefix(600)), protocolVersion: "2", encoding: "deflate")
            #expect(garbage.status == 400 && garbage.reason == ReasonCode.malformed.rawValue, "\(garbage.text)")
            // A truncated deflate stream.
            let truncated = try await upload(
                Array(try Self.deflate(bundle).dropLast(20)), protocolVersion: "2", encoding: "deflate")
            #expect(truncated.status == 400 && truncated.reason == ReasonCode.malformed.rawValue)
            // Compression is not part of version 1, and gzip is not offered.
            let v1 = try await upload(try Self.deflate(bundle), protocolVersion: "1", encoding: "deflate")
            #expect(v1.status == 415 && v1.reason == ReasonCode.protocolUnsupported.rawValue)
            let gzip = try await upload(bundle, protocolVersion: "2", encoding: "gzip")
            #expect(gzip.status == 415 && gzip.reason == ReasonCode.protocolUnsupported.rawValue)
            #expect(try f.hub.digest(county: "130102") == before)

            // A compressed body signed by someone else is refused before it is inflated.
            let stranger = try f.extraCounty("stranger", county: "130102")
            let forged = RawHTTP.signed(
                "/v1/sets", on: hub, body: bomb, signer: stranger.identity.signer, nowMillis: f.clock.nowMillis())
            let forgedAnswer = try await RawHTTP.send(
                "POST", forged.url, body: forged.body,
                headers: forged.headers.filter { $0.0 != WireMessages.protocolHeader } + [
                    (WireMessages.protocolHeader, "2"), ("Content-Encoding", "deflate"),
                ])
            #expect(forgedAnswer.status == 401 && forgedAnswer.reason == ReasonCode.unknownOrigin.rawValue)

            // The same bundle, compressed properly, is applied.
            let good = try await upload(try Self.deflate(bundle), protocolVersion: "2", encoding: "deflate")
            #expect(good.status == 200, "\(good.text)")
        }
        #expect(try f.hub.digest(county: "130102") == county.digest(county: "130102"))
    }
}
