import Foundation
import SQLiteReplica
import SyncCore
import SyncTestSupport
import SyncTransport
import Testing

/// A real hub server on 127.0.0.1, real SQLite replicas, and the real `HubClient`/`SyncDriver` over HTTP.
@Suite struct RoundTripTests {
    @Test func serverStartsOnAFreePortAndStopsWhenItsTaskIsCancelled() async throws {
        let f = try TransportFixture()
        let hub = try await f.startHub()
        #expect(hub.port > 0)
        let health = try await RawHTTP.send("GET", hub.url + "/healthz")
        #expect(health.status == 200)
        #expect(health.text == "ok\n")
        // `stop()` cancels the task running `HubServer.run` and fails if `run` does not return within 10 s.
        try await hub.stop()
        // `run` returns normally (no CancellationError) once its task is cancelled.
        if case .failure(let error) = await hub.task.result { Issue.record("run threw \(error) when cancelled") }
        // The listening socket is closed: a new request cannot connect.
        await #expect(throws: (any Error).self) {
            _ = try await RawHTTP.send("GET", hub.url + "/healthz", timeout: .seconds(2))
        }
        // The port can be bound again at once (a restarted hub listens where it did before).
        let again = try await f.startHub(port: hub.port)
        #expect(again.port == hub.port)
        #expect(try await RawHTTP.send("GET", again.url + "/healthz").status == 200)
        try await again.stop()
    }

    @Test func countyAndHubConvergeAndStayInSync() async throws {
        let f = try TransportFixture()
        let county = f.counties[0]
        try county.write([
            TransportFixture.teacher(1), TransportFixture.teacher(2, name: "李四"),
            TransportFixture.record("R1", minutes: 30),
        ])
        let provinceSets = try f.hub.setReferences().filter { $0.stream.scope == .province }.count
        #expect(provinceSets == 2)  // the hub's own enrolment, then the county's
        let hubDigestBefore = try f.hub.digest(county: "130102")

        try await f.withHub { hub in
            let driver = f.driver(county, hub)

            // 1. The county's writes go up; the registry (province-wide) comes down.
            let first = await driver.runRound()
            #expect(first.outcome == .inSync(pushed: 1, pulled: provinceSets))
            #expect(first.rejectedByHub.isEmpty)
            #expect(first.rejectedHere.isEmpty)
            #expect(try f.hub.digest(county: "130102") != hubDigestBefore)
            #expect(try f.hub.digest(county: "130102") == county.digest(county: "130102"))
            #expect(try county.versionVector() == f.hub.versionVector().readable(by: "130102"))
            #expect(try county.status().pendingOperations == 0)

            // 2. Nothing new on either side: nothing moves.
            let second = await driver.runRound()
            #expect(second.outcome == .inSync(pushed: 0, pulled: 0))

            // 3. The hub edits a row of the county and adds one: both reach the county.
            try f.hub.write([TransportFixture.teacher(1, name: "赵六"), TransportFixture.teacher(3, name: "王五")])
            try f.hub.seal()
            let third = await driver.runRound()
            #expect(third.outcome == .inSync(pushed: 0, pulled: 1))
            #expect(try county.teacherCounties()["1 ID3"] == "130102")
            #expect(try f.hub.digest(county: "130102") == county.digest(county: "130102"))
            #expect(try county.digest(county: nil) == f.hub.digest(county: nil))

            // 4. Province-wide data: a new enrolment in the registry reaches the county.
            let newcomer = try f.extraCounty("newcomer", county: "130103")
            #expect(try county.originRecord(for: newcomer.identity.origin) == nil)
            try f.hub.write([.registryEntry(newcomer.identity.record)])
            try f.hub.seal()
            let fourth = await driver.runRound()
            #expect(fourth.outcome == .inSync(pushed: 0, pulled: 1))
            let learned = try county.originRecord(for: newcomer.identity.origin)
            #expect(learned?.county == "130103")
            #expect(learned?.status == .active)
            #expect(try county.versionVector() == f.hub.versionVector().readable(by: "130102"))
        }
    }

    @Test func manySetsCrossInPagesAndInOrder() async throws {
        let oneOpSets: (ReplicaConfiguration) -> ReplicaConfiguration = {
            var c = $0
            c.sealMaxOperations = 1
            return c
        }
        let f = try TransportFixture(countyConfig: oneOpSets, hubConfig: oneOpSets)
        let county = f.counties[0]
        // Up: 7 one-operation sets of the county's stream.
        try county.write((1...7).map { TransportFixture.teacher($0) })
        // Down: 5 sets of the hub's stream for this county and 3 more registry sets (province).
        try f.hub.write((11...15).map { TransportFixture.teacher($0, name: "王五") })
        for i in 0..<3 {
            try f.hub.write([.registryEntry(try f.extraCounty("x\(i)", county: "130103").identity.record)])
        }
        try f.hub.seal()
        let readable = try f.hub.setReferences().filter { $0.stream.scope != .county("130103") }
        // The hub's first set is its own registry entry and the registry version, one operation each here.
        #expect(readable.count == 3 + 3 + 5)

        try await f.withHub { hub in
            let report = await f.driver(county, hub, limits: SyncRound.Limits(maxSets: 2)).runRound()
            #expect(report.outcome == .inSync(pushed: 7, pulled: 11))

            // Every set arrived at the hub, once, stored in sequence order.
            let stored = try decodeAll(f.hub.exportEnvelopes()).filter { $0.stream == county.ownCountyStream }
            #expect(stored.map(\.sequence) == Array(1...7))
            // And at the county, the hub's sets in sequence order per stream.
            let hubCountyStream = StreamID(origin: f.hub.identity.origin, scope: .county("130102"))
            let received = try decodeAll(county.exportEnvelopes())
            #expect(received.filter { $0.stream == hubCountyStream }.map(\.sequence) == Array(1...5))
            #expect(try county.versionVector() == f.hub.versionVector().readable(by: "130102"))
            #expect(try f.hub.digest(county: "130102") == county.digest(county: "130102"))

            // The batches kept to the limit: 7 sets in 4 uploads, 11 sets in 6 pages; one heads exchange (the
            // check for the node's own later sets before sealing, whose answer the round uses).
            let metrics = try await RawHTTP.metrics(hub)
            #expect(metrics.contains(#"teachersync_request_duration_seconds_count{endpoint="upload"} 4"#))
            #expect(metrics.contains(#"teachersync_request_duration_seconds_count{endpoint="pull"} 6"#))
            #expect(metrics.contains(#"teachersync_request_duration_seconds_count{endpoint="heads"} 1"#))

            // Paging by hand from nothing: pages of at most 2, `more` on all but the last, province streams
            // first, each stream in sequence order from 1, and together exactly what the county may read.
            let client = f.client(county, hub)
            var after = VersionVector()
            var pages = [[ChangeSet]]()
            var mores = [Bool]()
            while pages.count < 50 {
                let page = try await client.pull(after: after, maxSets: 2)
                let sets = try decodeAll(page.envelopes)
                pages.append(sets)
                mores.append(page.more)
                for s in sets { after.heads[s.stream] = StreamHead(sequence: s.sequence, head: s.id) }
                if !page.more { break }
            }
            let all = pages.flatMap { $0 }
            #expect(pages.count == 9)  // 18 sets
            #expect(pages.allSatisfy { $0.count <= 2 && !$0.isEmpty })
            #expect(mores == Array(repeating: true, count: pages.count - 1) + [false])
            #expect(Set(all.map(\.id)) == Set(try decodeAll(f.hub.exportEnvelopes(county: "130102")).map(\.id)))
            #expect(all.count == 18)
            let firstCounty = all.firstIndex { $0.stream.scope != .province } ?? all.count
            #expect(all[..<firstCounty].allSatisfy { $0.stream.scope == .province })
            #expect(all[firstCounty...].allSatisfy { $0.stream.scope == .county("130102") })
            for stream in Set(all.map(\.stream)) {
                let sequences = all.filter { $0.stream == stream }.map(\.sequence)
                #expect(sequences == Array(1...UInt64(sequences.count)), "stream \(stream)")
            }
            #expect(try after == f.hub.versionVector().readable(by: "130102"))
        }
    }
}
