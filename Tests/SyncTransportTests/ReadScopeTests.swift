import Foundation
import SQLiteReplica
import SyncCore
import SyncTestSupport
import SyncTransport
import Testing

/// A county reads the province-wide streams and its own county's, never another county's.
@Suite struct ReadScopeTests {
    @Test func countyCannotReadAnotherCountysStreams() async throws {
        let f = try TransportFixture(counties: ["130102", "130103"])
        let (a, b) = (f.counties[0], f.counties[1])
        try a.write([TransportFixture.teacher(1)])
        try b.write([TransportFixture.teacher(2, county: "130103"), TransportFixture.teacher(3, county: "130103")])
        // The hub also writes in B's county: its stream for 130103 is B's county's too.
        try f.hub.write([TransportFixture.teacher(4, county: "130103")])
        try f.hub.seal()

        try await f.withHub { hub in
            #expect(await f.driver(b, hub).runRound().outcome == .inSync(pushed: 1, pulled: 3))
            #expect(await f.driver(a, hub).runRound().outcome == .inSync(pushed: 1, pulled: 2))
            let bStreams: Set<StreamID> = [
                b.ownCountyStream, StreamID(origin: f.hub.identity.origin, scope: .county("130103")),
            ]
            #expect(try f.hub.versionVector().heads.keys.filter { bStreams.contains($0) }.count == 2)

            // A pulls from nothing: province sets and its own, nothing of 130103.
            let client = f.client(a, hub)
            let page = try await client.pull(after: VersionVector())
            #expect(!page.more)
            let sets = try decodeAll(page.envelopes)
            #expect(sets.contains { $0.stream.scope == .province })
            #expect(sets.contains { $0.stream == a.ownCountyStream })
            #expect(!sets.contains { $0.stream.scope == .county("130103") })
            #expect(!sets.contains { $0.stream.origin == b.identity.origin })

            // Asking explicitly for what follows B's streams at sequence 0 changes nothing.
            var asking = VersionVector()
            for s in bStreams { asking.heads[s] = .empty }
            let again = try decodeAll(try await client.pull(after: asking).envelopes)
            #expect(!again.contains { $0.stream.scope == .county("130103") })

            // A's heads exchange lists the province stream and A's county only.
            let heads = try await client.exchangeHeads(VersionVector())
            #expect(heads.heads.keys.contains { $0.scope == .province })
            #expect(heads.heads.keys.contains(a.ownCountyStream))
            #expect(heads.heads.keys.allSatisfy { $0.scope == .province || $0.scope == .county("130102") })
            // The upload answer's heads are limited the same way.
            try a.write([TransportFixture.teacher(5)])
            try a.seal()
            let next = try a.envelopes(a.setReferences().filter { $0.stream == a.ownCountyStream && $0.sequence == 2 })
            let (result, uploadHeads) = try await client.upload(next)
            #expect(result.applied == 1)
            #expect(uploadHeads.heads.keys.allSatisfy { $0.scope == .province || $0.scope == .county("130102") })

            // And A's replica never received a row of 130103.
            #expect(try a.teacherCounties().values.allSatisfy { $0 == "130102" })
            #expect(try a.teacherCounties().count == 2)
            // Control: B does see the hub's row in its county.
            #expect(try b.teacherCounties()["1 ID4"] == "130103")
        }
    }
}
