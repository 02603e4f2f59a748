import Foundation
import GRDB
import SQLiteReplica
import SyncCore
import SyncTestSupport
import SyncTransport
import Testing

/// A hub that misbehaves with the sets it relays: it alters, drops or reorders another origin's sets before a
/// county pulls them. The county detects each (the sets are signed by their author and hash-chained), says so
/// in the round's report, and applies nothing it cannot verify. The hub's misbehaviour is simulated by
/// editing its database behind the server's back, which is exactly what a hub operator could do.
@Suite struct MaliciousHubTests {
    /// A county (130102) with a second enrolled node of the same county, whose stream the hub relays to it.
    struct Scene {
        let f: TransportFixture
        let reader: Replica
        let author: Replica
        let stream: StreamID

        init(sets: Int) async throws {
            f = try TransportFixture(counties: ["130102"])
            reader = f.counties[0]
            author = try f.extraCounty("second-node", county: "130102")
            try f.hub.write([.registryEntry(author.identity.record)])
            try f.hub.seal()
            stream = author.ownCountyStream
            try await f.withHub { hub in
                for i in 1...sets {
                    f.clock.advance(by: 1000)
                    try author.write([TransportFixture.teacher(100 + i)])
                    let report = await f.driver(author, hub).runRound()
                    #expect(report.outcome.isFailure == false, "\(report.outcome)")
                }
            }
            #expect(try f.hub.versionVector()[stream].sequence == UInt64(sets))
        }

        func tamper(_ sql: String, _ arguments: StatementArguments = []) throws {
            let queue = try DatabaseQueue(path: f.dir.path("hub").appendingPathComponent("replica.sqlite").path)
            try queue.write { try $0.execute(sql: sql, arguments: arguments) }
        }

        func envelope(_ sequence: Int) throws -> [UInt8] {
            let queue = try DatabaseQueue(path: f.dir.path("hub").appendingPathComponent("replica.sqlite").path)
            return try queue.read { db in
                Array(
                    try Data.fetchOne(
                        db, sql: "SELECT envelope FROM change_sets WHERE origin = ? AND sequence = ?",
                        arguments: [Data(stream.origin.bytes), sequence])!)
            }
        }

        func pull(limits: SyncRound.Limits = .init()) async throws -> SyncDriver.Report {
            try await f.withHub { hub in await f.driver(reader, hub, limits: limits).runRound() }
        }
    }

    @Test func anAlteredRelayedSetIsRefusedAndReported() async throws {
        let s = try await Scene(sets: 2)
        // The hub changes one byte of the second set (a name, say) and serves it.
        var altered = try s.envelope(2)
        altered[altered.count / 2] ^= 0x04
        try s.tamper(
            "UPDATE change_sets SET envelope = ? WHERE origin = ? AND sequence = 2",
            [Data(altered), Data(s.stream.origin.bytes)])
        let report = try await s.pull()
        #expect(report.rejectedHere.contains { $0.reason == .badSignature || $0.reason == .malformed })
        #expect(try s.reader.versionVector()[s.stream].sequence == 1)
        #expect(try s.reader.digest(county: "130102") != s.author.digest(county: "130102"))
        #expect(try s.reader.status().quarantined.values.reduce(0, +) >= 1)
    }

    @Test func aDroppedRelayedSetLeavesAGapThatIsReported() async throws {
        let s = try await Scene(sets: 3)
        // The hub withholds set 2 but serves 1 and 3.
        try s.tamper(
            "DELETE FROM change_sets WHERE origin = ? AND sequence = 2", [Data(s.stream.origin.bytes)])
        let report = try await s.pull()
        #expect(report.rejectedHere.contains { $0.reason == .chainGap }, "\(report.rejectedHere)")
        #expect(try s.reader.versionVector()[s.stream].sequence == 1)
        #expect(try s.reader.status().quarantined[ReasonCode.chainGap.rawValue] == 1)
    }

    @Test func reorderedRelayedSetsAreHeldBackUntilTheChainIsWhole() async throws {
        let s = try await Scene(sets: 2)
        // The hub serves set 2 in place of set 1 and set 1 in place of set 2.
        let (one, two) = (try s.envelope(1), try s.envelope(2))
        try s.tamper(
            "UPDATE change_sets SET envelope = ? WHERE origin = ? AND sequence = 1",
            [Data(two), Data(s.stream.origin.bytes)])
        try s.tamper(
            "UPDATE change_sets SET envelope = ? WHERE origin = ? AND sequence = 2",
            [Data(one), Data(s.stream.origin.bytes)])
        // One set per page, so the county sees them in the order served. (Within one page the county puts each
        // stream's sets in order itself.)
        let report = try await s.pull(limits: .init(maxSets: 1))
        // Set 2 arrives where set 1 should: held back (chain.gap, reported), nothing of the stream applied.
        #expect(report.rejectedHere.contains { $0.reason == .chainGap }, "\(report.rejectedHere)")
        #expect(try s.reader.versionVector()[s.stream].sequence == 0)
        // Once the hub serves the stream in order again, the held set is applied after its predecessor.
        try s.tamper(
            "UPDATE change_sets SET envelope = ? WHERE origin = ? AND sequence = 1",
            [Data(one), Data(s.stream.origin.bytes)])
        try s.tamper(
            "UPDATE change_sets SET envelope = ? WHERE origin = ? AND sequence = 2",
            [Data(two), Data(s.stream.origin.bytes)])
        let honest = try await s.pull(limits: .init(maxSets: 1))
        #expect(honest.outcome.isFailure == false, "\(honest.outcome)")
        #expect(try s.reader.versionVector()[s.stream].sequence == 2)
        #expect(try s.reader.digest(county: "130102") == s.author.digest(county: "130102"))
    }

    @Test func aSetForgedInAnotherOriginsNameIsRefused() async throws {
        let s = try await Scene(sets: 1)
        // The hub makes up a set 2 of the author's stream, signed with its own key.
        let head = try ChangeSet.decode(envelope: try s.envelope(1))
        let write = TransportFixture.teacher(999, name: "伪造")
        let op = RowOperation(
            kind: .upsert, hlc: HybridTimestamp(physicalMillis: UInt64(s.f.clock.nowMillis()), logical: 9),
            table: write.table, key: write.key, fields: write.fields)
        let body = ChangeSet.encodeBody(
            format: ChangeSet.currentFormat, stream: s.stream, sequence: 2, previous: head.id, operations: [op])
        let forged = try HostileInputTests.Arena.signedEnvelope(body, by: s.f.hub.identity.signer)
        let forgedSet = try ChangeSet.decode(envelope: forged)
        try s.tamper(
            """
            INSERT INTO change_sets (id, origin, scope, sequence, previous, envelope, op_count, format, received_at, local)
            VALUES (?, ?, ?, 2, ?, ?, 1, 1, 0, 0)
            """,
            [
                Data(forgedSet.id), Data(s.stream.origin.bytes), s.stream.scope.wireValue, Data(head.id),
                Data(forged),
            ])
        try s.tamper(
            "UPDATE stream_heads SET sequence = 2, head = ? WHERE origin = ?",
            [Data(forgedSet.id), Data(s.stream.origin.bytes)])
        let report = try await s.pull()
        #expect(report.rejectedHere.contains { $0.reason == .badSignature }, "\(report.rejectedHere)")
        #expect(try s.reader.versionVector()[s.stream].sequence == 1)
    }
}
