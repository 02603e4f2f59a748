import Foundation
import SyncCore
import SyncTestSupport
import Testing

@testable import SQLiteReplica

/// Sets prepared ahead of the writer (`Replica.prepare`, as the hub's upload route does while it decodes them):
/// a check done ahead counts only when it was done with the registry entry the writer itself finds.
@Suite struct PreparedSetTests {
    /// A set signed by the fixture's first county (enrolled for 130102) in the stream of `streamCounty`, writing
    /// one teacher row of that county.
    static func forged(
        _ f: ReplicaFixture, streamCounty: String, sequence: UInt64, previous: [UInt8]
    ) throws
        -> ChangeSet
    {
        let county = f.counties[0]
        let write = ReplicaFixture.teacher(Int(sequence), county: streamCounty)
        let hlc = HybridTimestamp(physicalMillis: UInt64(f.clock.nowMillis()), logical: UInt16(sequence))
        let op = RowOperation(kind: .upsert, hlc: hlc, table: write.table, key: write.key, fields: write.fields)
        return try ChangeSet.seal(
            stream: StreamID(origin: county.identity.origin, scope: .county(streamCounty)), sequence: sequence,
            previous: previous, operations: [op], signer: county.identity.signer)
    }

    @Test func aSetCheckedAheadWithAnotherRegistryEntryIsCheckedAgainByTheWriter() throws {
        let f = try ReplicaFixture()
        let county = f.counties[0]
        let enrolled = try #require(try f.hub.originRecord(for: county.identity.origin))
        #expect(enrolled.county == "130102")
        let good = try Self.forged(f, streamCounty: "130102", sequence: 1, previous: ChangeSet.genesis)
        // The same key writing in another county's stream, which its registry entry does not allow.
        let bad = try Self.forged(f, streamCounty: "130103", sequence: 1, previous: ChangeSet.genesis)

        // Control: checked ahead with the entry the hub holds, a good set is applied.
        let applied = try f.hub.receive(count: 1) { _ in f.hub.prepare(good, expectedAuthor: enrolled) }
        #expect(applied.applied == 1)
        #expect(applied.rejected.isEmpty)

        // The bad set passes the checks ahead when they are told its key is enrolled for 130103; the writer finds
        // the key's own entry (130102) instead, checks again, and refuses it.
        let claimed = OriginRecord(
            publicKey: county.identity.signer.publicKey, role: .county, county: "130103", status: .active)
        #expect(f.hub.prepare(bad, expectedAuthor: claimed).scopeCheckedFor == claimed)
        let digestBefore = try f.hub.digest(county: "130103")
        let refused = try f.hub.receive(count: 1) { _ in f.hub.prepare(bad, expectedAuthor: claimed) }
        #expect(refused.applied == 0)
        #expect(refused.rejected.map(\.reason) == [.streamScope])
        #expect(try f.hub.digest(county: "130103") == digestBefore)

        // Checked ahead with the true entry, the bad set fails ahead, and the writer refuses it with its reason.
        #expect(f.hub.prepare(bad, expectedAuthor: enrolled).scopeCheckedFor == nil)
        let again = try f.hub.receive(count: 1) { _ in f.hub.prepare(bad, expectedAuthor: enrolled) }
        #expect(again.rejected.map(\.reason) == [.streamScope])
        #expect(try f.hub.digest(county: "130103") == digestBefore)
        let badStream = StreamID(origin: county.identity.origin, scope: .county("130103"))
        #expect(try f.hub.versionVector()[badStream].sequence == 0)
    }

    @Test func preparingPutsTheOperationsInTheOrderTheyAreApplied() throws {
        let f = try ReplicaFixture()
        let county = f.counties[0]
        // Written out of key order, one row twice: prepared, they are in key order, that row's writes in theirs.
        let hlc = { (n: Int) in HybridTimestamp(physicalMillis: UInt64(f.clock.nowMillis()), logical: UInt16(n)) }
        let ops = [9, 3, 9, 1].enumerated().map { i, n in
            let w = ReplicaFixture.teacher(n, subject: "1\(i)")
            return RowOperation(kind: .upsert, hlc: hlc(i), table: w.table, key: w.key, fields: w.fields)
        }
        let set = try ChangeSet.seal(
            stream: StreamID(origin: county.identity.origin, scope: .county("130102")), sequence: 1,
            previous: ChangeSet.genesis, operations: ops, signer: county.identity.signer)
        let prepared = f.hub.prepare(set)
        #expect(prepared.set == set)
        #expect(prepared.scopeCheckedFor == nil)
        #expect(!prepared.special)
        #expect(prepared.operations.map { $0.value(of: "subject") } == ["13", "11", "10", "12"].map { .text($0) })
        #expect(prepared.operations == Replica.applicationOrder(set))
        #expect(try f.hub.receive(count: 1) { _ in prepared }.operationsApplied == 4)
    }

    @Test func aRegistrySetIsPreparedInItsOwnOrder() throws {
        let f = try ReplicaFixture()
        let entry = f.counties[0].identity.record
        let registry = try ChangeSet.decode(envelope: try #require(f.hub.exportEnvelopes().first))
        let prepared = f.hub.prepare(registry, expectedAuthor: entry)
        #expect(prepared.special)
        #expect(prepared.operations == registry.operations)
        // The expected author is a county, not the set's author (the hub): nothing was checked ahead.
        #expect(prepared.scopeCheckedFor == nil)
    }
}
