import SQLiteReplica
import SyncCore
import Testing

/// `Replica.seal(maxSets:)`: the oldest pending operations first, each set as full as the limits allow, the rest
/// left pending for the next call.
@Suite struct SealInPartsTests {
    @Test func sealsAtMostTheGivenSetsAndContinuesWhereItStopped() throws {
        let f = try ReplicaFixture(config: ReplicaFixture.configured { $0.sealMaxOperations = 4 })
        let county = f.counties[0]
        try county.write((0..<10).map { ReplicaFixture.teacher($0) })

        let first = try county.seal(maxSets: 2)
        #expect(first.sealed.map(\.operations) == [4, 4])
        #expect(first.more)
        #expect(try county.status().pendingOperations == 2)

        let rest = try county.seal(maxSets: 2)
        #expect(rest.sealed.map(\.operations) == [2])
        #expect(!rest.more)
        #expect(try county.status().pendingOperations == 0)
        #expect((first.sealed + rest.sealed).map(\.sequence) == [1, 2, 3])

        // The hub takes the three sets as one chain, and holds what the county holds.
        let report = try f.hub.receive(county.exportEnvelopes())
        #expect(report.rejected.isEmpty && report.operationsApplied == 10)
        #expect(try f.hub.digest(county: "130102") == county.digest(county: "130102"))
    }
}
