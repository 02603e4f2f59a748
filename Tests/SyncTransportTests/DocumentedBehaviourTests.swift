import Foundation
import SQLiteReplica
import SyncCore
import SyncTestSupport
import SyncTransport
import Testing

/// Promises of docs/API.md and docs/OPERATIONS.md checked against the running hub.
@Suite struct DocumentedBehaviourTests {
    @Test func refusalsAndJSONAnswersCarryTheProtocolVersion() async throws {
        let f = try TransportFixture()
        let county = f.counties[0]
        try county.write([TransportFixture.teacher(1)])
        try county.seal()
        try await f.withHub { hub in
            let refused = try await RawHTTP.send("POST", hub.url + "/v1/heads", body: emptyVectorJSON())
            #expect(refused.status == 401)
            #expect(refused.headers.first(name: WireMessages.protocolHeader) == "1")

            let upload = BundleFile.encode(try county.envelopes(county.setReferences()))
            let signed = RawHTTP.signed(
                "/v1/sets", on: hub, body: upload, signer: county.identity.signer, nowMillis: f.clock.nowMillis())
            let uploaded = try await RawHTTP.send("POST", signed.url, body: upload, headers: signed.headers)
            #expect(uploaded.status == 200)
            #expect(uploaded.headers.first(name: WireMessages.protocolHeader) == "1")

            // An unsigned endpoint negotiates nothing: it answers with the hub's newest version.
            let status = try await RawHTTP.send("GET", hub.url + "/v1/status")
            #expect(status.status == 200)
            #expect(status.headers.first(name: WireMessages.protocolHeader) == String(WireMessages.protocolVersion))
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            let decoded = try decoder.decode(ReplicaStatus.self, from: Data(status.body))
            #expect(status.text.contains("\"stored_sets\""))
            #expect(decoded.role == "hub")
            #expect(decoded.storedSets == (try f.hub.status().storedSets))
        }
    }

    /// docs/API.md: every response carries `TS-Protocol`: the negotiated version on the signed endpoints (here
    /// 1, which `RawHTTP.signed` offers), the hub's newest on the others.
    @Test
    func everyAnswerCarriesTheProtocolVersion() async throws {
        let f = try TransportFixture()
        let county = f.counties[0]
        try await f.withHub { hub in
            let body = try emptyVectorJSON()
            let heads = RawHTTP.signed(
                "/v1/heads", on: hub, body: body, signer: county.identity.signer, nowMillis: f.clock.nowMillis())
            let headsAnswer = try await RawHTTP.send("POST", heads.url, body: body, headers: heads.headers)
            #expect(headsAnswer.status == 200)
            #expect(headsAnswer.headers.first(name: WireMessages.protocolHeader) == "1", "POST /v1/heads")

            // The pull body as HubClient sends it (`after` is base64 of the vector's JSON: see below).
            let pullBody = Array(
                #"{"after":"\#(Data(body).base64EncodedString())","max_bytes":65536,"max_sets":10}"#.utf8)
            let pull = RawHTTP.signed(
                "/v1/sets/pull", on: hub, body: pullBody, signer: county.identity.signer, nowMillis: f.clock.nowMillis()
            )
            let pullAnswer = try await RawHTTP.send("POST", pull.url, body: pullBody, headers: pull.headers)
            #expect(pullAnswer.status == 200, "\(pullAnswer.text)")
            #expect(pullAnswer.headers.first(name: WireMessages.protocolHeader) == "1", "POST /v1/sets/pull")

            for path in ["/healthz", "/metrics"] {
                let answer = try await RawHTTP.send("GET", hub.url + path)
                #expect(answer.status == 200)
                #expect(
                    answer.headers.first(name: WireMessages.protocolHeader) == String(WireMessages.protocolVersion),
                    "GET \(path)")
            }
        }
    }

    /// docs/API.md: the hub refuses "a nonce it has already seen in that window"; docs/OPERATIONS.md: the TLS
    /// proxy "can neither forge nor replay" requests. The nonces live in memory only (`NonceCache`), so a
    /// request captured in the last five minutes is accepted again once the hub has restarted.
    @Test
    func requestReplayedAfterAHubRestartIsRefused() async throws {
        let f = try TransportFixture()
        let county = f.counties[0]
        let body = try emptyVectorJSON()
        let first = try await f.startHub()
        let signed = RawHTTP.signed(
            "/v1/heads", on: first, body: body, signer: county.identity.signer, nowMillis: f.clock.nowMillis())
        #expect(try await RawHTTP.send("POST", signed.url, body: body, headers: signed.headers).status == 200)
        #expect(
            try await RawHTTP.send("POST", signed.url, body: body, headers: signed.headers).reason == "auth.replayed")
        try await first.stop()

        let second = try await f.startHub(port: first.port)
        f.clock.advance(by: 60_000)  // a minute later: well within the 5-minute window
        let replayed = try await RawHTTP.send("POST", signed.url, body: body, headers: signed.headers)
        #expect(replayed.status == 401)
        #expect(replayed.reason == "auth.replayed")
        try await second.stop()
    }

    /// A county-role registry entry without a county (the hub's write path accepts one; `enroll` never makes
    /// one) must not widen what the key may read: reads should fail closed, as uploads do. Today `heads`
    /// (`readable(by: nil)`) and `pull` (`exportPage(county: nil)`) treat the missing county as "everything".
    @Test
    func countyOriginWithoutACountyReadsNoCountysStreams() async throws {
        let f = try TransportFixture(counties: ["130102", "130103"])
        let b = f.counties[1]
        try b.write([TransportFixture.teacher(2, county: "130103")])
        let loose = try f.extraCounty("loose", county: "130102")
        try f.hub.write([
            .registryEntry(
                OriginRecord(publicKey: loose.identity.signer.publicKey, role: .county, county: nil, status: .active))
        ])
        try f.hub.seal()
        try await f.withHub { hub in
            #expect(await f.driver(b, hub).runRound().outcome == .inSync(pushed: 1, pulled: 3))
            let client = f.client(loose, hub)
            let heads = try await client.exchangeHeads(VersionVector())
            #expect(!heads.heads.keys.contains { $0.scope != .province }, "heads lists county streams")
            let page = try await client.pull(after: VersionVector())
            let sets = try decodeAll(page.envelopes)
            #expect(!sets.contains { $0.stream.scope == .county("130103") }, "pull hands out 130103's sets")
        }
    }
}
