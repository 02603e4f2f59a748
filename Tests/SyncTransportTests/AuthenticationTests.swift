import Foundation
import SQLiteReplica
import SyncCore
import SyncTestSupport
import SyncTransport
import Testing

/// Hand-made requests against a real hub: each refusal with its HTTP status and JSON reason, each next to a
/// request that differs only in the point under test and is accepted.
@Suite struct AuthenticationTests {
    @Test func unsignedRequestIsRefused() async throws {
        let f = try TransportFixture()
        try await f.withHub { hub in
            let body = try emptyVectorJSON()
            for path in ["/v1/heads", "/v1/sets", "/v1/sets/pull"] {
                let answer = try await RawHTTP.send("POST", hub.url + path, body: body)
                #expect(answer.status == 401, "\(path)")
                #expect(answer.reason == "auth.missing", "\(path)")
            }
            // One header missing is as good as none.
            let signed = RawHTTP.signed(
                "/v1/heads", on: hub, body: body, signer: f.counties[0].identity.signer, nowMillis: f.clock.nowMillis())
            let partial = signed.headers.filter { $0.0 != RequestSignature.Header.nonce }
            let answer = try await RawHTTP.send("POST", signed.url, body: body, headers: partial)
            #expect(answer.status == 401)
            #expect(answer.reason == "auth.missing")
            // The complete request passes.
            #expect(try await RawHTTP.send("POST", signed.url, body: body, headers: signed.headers).status == 200)
        }
    }

    @Test func badSignatureIsRefused() async throws {
        let f = try TransportFixture()
        try await f.withHub { hub in
            let body = try emptyVectorJSON()
            let signed = RawHTTP.signed(
                "/v1/heads", on: hub, body: body, signer: f.counties[0].identity.signer, nowMillis: f.clock.nowMillis())
            // Another body under the same signature.
            var other = body
            other.append(UInt8(ascii: "\n"))
            let tampered = try await RawHTTP.send("POST", signed.url, body: other, headers: signed.headers)
            #expect(tampered.status == 401)
            #expect(tampered.reason == "auth.bad_signature")
            // The signature of another path.
            let moved = try await RawHTTP.send("POST", hub.url + "/v1/sets/pull", body: body, headers: signed.headers)
            #expect(moved.status == 401)
            #expect(moved.reason == "auth.bad_signature")
            // The key of another origin under this origin's name.
            let stranger = RawHTTP.signed(
                "/v1/heads", on: hub, body: body, signer: KeyFixtures.identity(7), nowMillis: f.clock.nowMillis())
            let strangerSignature = stranger.headers.first { $0.0 == RequestSignature.Header.signature }!
            let swapped = signed.headers.map { $0.0 == RequestSignature.Header.signature ? strangerSignature : $0 }
            let forged = try await RawHTTP.send("POST", signed.url, body: body, headers: swapped)
            #expect(forged.status == 401)
            #expect(forged.reason == "auth.bad_signature")
            // The untouched request passes (a refused signature did not use up its nonce).
            let good = try await RawHTTP.send("POST", signed.url, body: body, headers: signed.headers)
            #expect(good.status == 200)
            #expect(try VersionVector(jsonData: Data(good.body)) == f.hub.versionVector().readable(by: "130102"))
        }
    }

    @Test func replayedRequestIsRefused() async throws {
        let f = try TransportFixture()
        try await f.withHub { hub in
            let body = try emptyVectorJSON()
            let signed = RawHTTP.signed(
                "/v1/heads", on: hub, body: body, signer: f.counties[0].identity.signer, nowMillis: f.clock.nowMillis())
            let first = try await RawHTTP.send("POST", signed.url, body: body, headers: signed.headers)
            #expect(first.status == 200)
            let second = try await RawHTTP.send("POST", signed.url, body: body, headers: signed.headers)
            #expect(second.status == 401)
            #expect(second.reason == "auth.replayed")
            // Still refused a little later, within the window.
            f.clock.advance(by: 60_000)
            let third = try await RawHTTP.send("POST", signed.url, body: body, headers: signed.headers)
            #expect(third.status == 401)
            #expect(third.reason == "auth.replayed")
        }
    }

    @Test func staleTimestampIsRefused() async throws {
        let f = try TransportFixture()
        try await f.withHub { hub in
            let body = try emptyVectorJSON()
            let signer = f.counties[0].identity.signer
            let now = f.clock.nowMillis()
            for (offset, accepted) in [
                (-6 * 60_000, false), (6 * 60_000, false), (-4 * 60_000, true), (4 * 60_000, true),
            ] {
                let signed = RawHTTP.signed(
                    "/v1/heads", on: hub, body: body, signer: signer, nowMillis: now + Int64(offset))
                let answer = try await RawHTTP.send("POST", signed.url, body: body, headers: signed.headers)
                #expect(answer.status == (accepted ? 200 : 401), "offset \(offset) ms")
                #expect(answer.reason == (accepted ? nil : "auth.stale"), "offset \(offset) ms")
            }
            // A request captured now is stale once the hub's clock has moved on.
            let signed = RawHTTP.signed("/v1/heads", on: hub, body: body, signer: signer, nowMillis: now)
            f.clock.advance(by: 10 * 60_000)
            let late = try await RawHTTP.send("POST", signed.url, body: body, headers: signed.headers)
            #expect(late.status == 401)
            #expect(late.reason == "auth.stale")
        }
    }

    @Test func unknownKeyIsRefused() async throws {
        let f = try TransportFixture()
        try await f.withHub { hub in
            let body = try emptyVectorJSON()
            let stranger = try f.extraCounty("stranger", county: "130102")
            let signed = RawHTTP.signed(
                "/v1/heads", on: hub, body: body, signer: stranger.identity.signer, nowMillis: f.clock.nowMillis())
            let answer = try await RawHTTP.send("POST", signed.url, body: body, headers: signed.headers)
            #expect(answer.status == 401)
            #expect(answer.reason == "origin.unknown")
            // Through the driver: the round fails with the reason.
            try stranger.write([TransportFixture.teacher(1)])
            let report = await f.driver(stranger, hub).runRound()
            #expect(report.outcome.reason == "origin.unknown")
            #expect(try f.hub.sequences(of: stranger.ownCountyStream).isEmpty)
            // Once enrolled, the same node is let in.
            try f.hub.write([.registryEntry(stranger.identity.record)])
            try f.hub.seal()
            let enrolled = await f.driver(stranger, hub).runRound()
            #expect(enrolled.outcome == .inSync(pushed: 1, pulled: 3))
        }
    }

    @Test func revokedKeyIsRefused() async throws {
        let f = try TransportFixture()
        let county = f.counties[0]
        try county.write([TransportFixture.teacher(1)])
        try await f.withHub { hub in
            #expect(await f.driver(county, hub).runRound().outcome == .inSync(pushed: 1, pulled: 2))
            var revoked = county.identity.record
            revoked = OriginRecord(publicKey: revoked.publicKey, role: .county, county: "130102", status: .revoked)
            try f.hub.write([.registryEntry(revoked)])

            let body = try emptyVectorJSON()
            let signed = RawHTTP.signed(
                "/v1/heads", on: hub, body: body, signer: county.identity.signer, nowMillis: f.clock.nowMillis())
            let answer = try await RawHTTP.send("POST", signed.url, body: body, headers: signed.headers)
            #expect(answer.status == 401)
            #expect(answer.reason == "origin.revoked")

            // The revoked node's next round fails for good and uploads nothing.
            try county.write([TransportFixture.teacher(2)])
            let report = await f.driver(county, hub).runRound()
            #expect(report.outcome.reason == "origin.revoked")
            #expect(report.outcome.isRetryable == false)
            #expect(try f.hub.sequences(of: county.ownCountyStream) == [1])
        }
    }

    @Test func countyCannotUploadAnotherCountysStream() async throws {
        let f = try TransportFixture(counties: ["130102", "130103"])
        let (a, b) = (f.counties[0], f.counties[1])
        try a.write([TransportFixture.teacher(1)])
        try b.write([TransportFixture.teacher(2, county: "130103")])
        try a.seal()
        try b.seal()
        let setsOfA = try a.envelopes(a.setReferences().filter { $0.stream == a.ownCountyStream })
        let setsOfB = try b.envelopes(b.setReferences().filter { $0.stream == b.ownCountyStream })
        #expect(setsOfA.count == 1)
        #expect(setsOfB.count == 1)
        let storedBefore = try f.hub.status().storedSets

        try await f.withHub { hub in
            // Raw: A uploads B's set.
            let upload = BundleFile.encode(setsOfB)
            let signed = RawHTTP.signed(
                "/v1/sets", on: hub, body: upload, signer: a.identity.signer, nowMillis: f.clock.nowMillis())
            let answer = try await RawHTTP.send("POST", signed.url, body: upload, headers: signed.headers)
            #expect(answer.status == 403)
            #expect(answer.reason == "auth.forbidden")

            // Through the client, mixed with A's own set: the whole batch is refused.
            await #expect {
                _ = try await f.client(a, hub).upload(setsOfA + setsOfB)
            } throws: { error in
                (error as? SyncError)?.reason == .authForbidden
            }
            #expect(try f.hub.status().storedSets == storedBefore)
            #expect(try f.hub.sequences(of: b.ownCountyStream).isEmpty)
            #expect(try f.hub.sequences(of: a.ownCountyStream).isEmpty)

            // B uploads its own set: accepted.
            let (result, _) = try await f.client(b, hub).upload(setsOfB)
            #expect(result.applied == 1)
            #expect(result.rejected.isEmpty)
            #expect(try f.hub.sequences(of: b.ownCountyStream) == [1])
        }
    }
}
