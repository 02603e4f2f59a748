import Foundation
import SQLiteReplica
import SyncCore
import SyncTestSupport
import Synchronization
import Testing

@Suite struct ReplicaTests {
    @Test func createRefusesToOverwriteAndKeyFileIsPrivate() throws {
        let f = try ReplicaFixture()
        #expect(throws: ReplicaError.self) { try Replica.create(at: f.dir.path("hub"), role: .hub, county: nil) }
        let attributes = try FileManager.default.attributesOfItem(atPath: f.dir.path("hub/node.key").path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let reopened = try Replica.open(at: f.dir.path("county0"))
        #expect(reopened.identity.origin == f.counties[0].identity.origin)
        #expect(reopened.identity.county == "130102")
    }

    @Test func localWritesRecordOperationsAndSealIntoAChain() throws {
        let f = try ReplicaFixture { c in
            var c = c; c.sealMaxOperations = 3; return c
        }
        let county = f.counties[0]
        let report = try county.write((0..<7).map { ReplicaFixture.teacher($0) })
        #expect(report.written == 7)
        #expect(try county.status().pendingOperations == 7)
        let sealed = try county.seal()
        #expect(sealed.map(\.operations) == [3, 3, 1])
        #expect(sealed.map(\.sequence) == [1, 2, 3])
        #expect(try county.status().pendingOperations == 0)
        #expect(try county.verifyStoredSets().failures.isEmpty)
        // Writing the same values again records nothing.
        #expect(try county.write([ReplicaFixture.teacher(0)]) == WriteReport(written: 0, unchanged: 1))
        // Changing one field records one operation carrying that field alone.
        #expect(try county.write([ReplicaFixture.teacher(0, subject: "14")]).written == 1)
    }

    @Test func aCountyCannotWriteAnotherCountysRows() throws {
        let f = try ReplicaFixture()
        #expect(throws: ReplicaError.self) { try f.counties[0].write([ReplicaFixture.teacher(1, county: "130104")]) }
        #expect(try f.counties[0].status().pendingOperations == 0)
    }

    @Test func factsAreNeverEdited() throws {
        let f = try ReplicaFixture()
        let c = f.counties[0]
        try c.write([ReplicaFixture.record("R1", minutes: 30)])
        #expect(try c.write([ReplicaFixture.record("R1", minutes: 30)]).unchanged == 1)
        do {
            try c.write([ReplicaFixture.record("R2", minutes: 10), ReplicaFixture.record("R1", minutes: 31)])
            Issue.record("an edited fact was accepted")
        } catch {
            #expect(error.conflictingIndices == [1])
        }
        #expect(try c.status().pendingOperations == 1, "the refused batch wrote nothing")
        #expect(try c.write([ReplicaFixture.record("R1", minutes: 31)], factConflicts: .skip).written == 0)
    }

    @Test func applyIsIdempotentAndDigestsMatch() throws {
        let f = try ReplicaFixture()
        let c = f.counties[0]
        try c.write((0..<20).map { ReplicaFixture.teacher($0) } + [ReplicaFixture.record("R1", minutes: 5)])
        try c.seal()
        let sets = try c.exportEnvelopes()
        let first = try f.hub.receive(sets)
        #expect(first.applied == 1, "the county's one set")
        #expect(first.alreadyPresent == sets.count - 1, "the hub's own registry sets, relayed back")
        #expect(first.rejected.isEmpty)
        let digest = try f.hub.digest(county: "130102")
        #expect(digest == (try c.digest(county: "130102")))
        let second = try f.hub.receive(sets)
        #expect(second.applied == 0)
        #expect(second.alreadyPresent == sets.count)
        #expect(try f.hub.digest(county: "130102") == digest)
    }

    @Test func applyIsAllOrNothing() throws {
        let failing = ManualFlag()
        let f = try ReplicaFixture { c in
            var c = c
            c.afterApplyingOperation = { index in if failing.isSet, index == 5 { throw InjectedFailure() } }
            return c
        }
        let c = f.counties[0]
        try c.write((0..<10).map { ReplicaFixture.teacher($0) })
        try c.seal()
        let before = try f.hub.digest(county: "130102")
        let storedBefore = try f.hub.status().storedSets
        failing.set(true)
        #expect(throws: ReplicaError.self) { try f.hub.receive(c.exportEnvelopes()) }
        #expect(try f.hub.digest(county: "130102") == before, "half a set was applied")
        #expect(try f.hub.status().storedSets == storedBefore)
        failing.set(false)
        let report = try f.hub.receive(c.exportEnvelopes())
        #expect(report.applied == 1)
        #expect(try f.hub.digest(county: "130102") == (try c.digest(county: "130102")))
    }

    @Test func rejectedSetsAreQuarantinedWithTheirReasonAndNothingApplied() throws {
        let f = try ReplicaFixture(counties: ["130102", "130104"])
        let stranger = try Replica.create(
            at: f.dir.path("stranger"), role: .county, county: "130102", hubKey: f.hub.identity.signer.publicKeyBase64,
            configuration: .init(wallClock: f.clock))
        try stranger.write([ReplicaFixture.teacher(1)])
        try stranger.seal()
        let before = try f.hub.digest(county: nil)
        let r1 = try f.hub.receive(stranger.exportEnvelopes(county: "130102"))
        #expect(r1.rejected.map(\.reason) == [.unknownOrigin])

        let c = f.counties[0]
        try c.write([ReplicaFixture.teacher(2)])
        try c.seal()
        var bad = try c.exportEnvelopes().last!
        bad[bad.count - 10] ^= 0x01  // inside the signature
        let r2 = try f.hub.receive([bad])
        #expect(r2.rejected.map(\.reason) == [.badSignature])
        #expect(try f.hub.digest(county: nil) == before)
        #expect(try f.hub.status().quarantined == ["origin.unknown": 1, "signature.invalid": 1])
    }

    @Test func gapsWaitAndForksAreRefused() throws {
        let f = try ReplicaFixture()
        let c = f.counties[0]
        try c.write([ReplicaFixture.teacher(1)])
        try c.seal()
        try c.write([ReplicaFixture.teacher(2)])
        try c.seal()
        let sets = try c.exportEnvelopes(county: "130102").filter {
            (try? ChangeSet.decode(envelope: $0))?.stream.scope == .county("130102")
        }
        #expect(sets.count == 2)
        let gap = try f.hub.receive([sets[1]])
        #expect(gap.rejected.map(\.reason) == [.chainGap])
        let filled = try f.hub.receive([sets[0]])
        #expect(filled.applied == 1)
        #expect(try f.hub.retryQuarantined().applied == 1)
        #expect(try f.hub.digest(county: "130102") == (try c.digest(county: "130102")))
        #expect(try f.hub.status().quarantined.isEmpty)

        // A second set numbered 2, validly signed by the same key: a fork.
        let first = try ChangeSet.decode(envelope: sets[0])
        let op = RowOperation(
            kind: .upsert, hlc: HybridTimestamp(physicalMillis: UInt64(f.clock.nowMillis()), logical: 9),
            table: "teachers", key: [.text("130102"), .text("1"), .text("ID9")], fields: [.init("name", .text("x"))])
        let fork = try ChangeSet.seal(
            stream: first.stream, sequence: 2, previous: first.id, operations: [op], signer: c.identity.signer)
        #expect(try f.hub.receive([fork.envelope]).rejected.map(\.reason) == [.fork])
    }

    @Test func setsFromTheFutureAreRefused() throws {
        let f = try ReplicaFixture()
        let c = f.counties[0]
        f.clock.advance(by: 3_600_000)
        try c.write([ReplicaFixture.teacher(1)])
        try c.seal()
        f.clock.advance(by: -3_600_000)
        #expect(try f.hub.receive(c.exportEnvelopes(county: "130102")).rejected.map(\.reason).contains(.hlcFuture))
        f.clock.advance(by: 3_600_000)
        #expect(try f.hub.retryQuarantined().applied == 1)
    }

    @Test func aCountyPinsTheHubKeyOnFirstUseOnlyWhenItHasNone() throws {
        let f = try ReplicaFixture()
        let fresh = try Replica.create(
            at: f.dir.path("fresh"), role: .county, county: "130102", configuration: .init(wallClock: f.clock))
        let report = try fresh.receive(f.hub.exportEnvelopes())
        #expect(report.pinnedHubOrigin == f.hub.identity.origin)
        #expect(report.rejected.isEmpty)
        // A replica that pinned another hub refuses this hub's registry.
        let other = try Replica.create(at: f.dir.path("other-hub"), role: .hub, county: nil)
        let pinnedElsewhere = try Replica.create(
            at: f.dir.path("pinned"), role: .county, county: "130102", hubKey: other.identity.signer.publicKeyBase64,
            configuration: .init(wallClock: f.clock))
        #expect(try pinnedElsewhere.receive(f.hub.exportEnvelopes()).rejected.first?.reason == .unknownOrigin)
    }
}

/// A thread-safe boolean for hooks.
final class ManualFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .relaxed) }
    func set(_ on: Bool) { value.store(on, ordering: .relaxed) }
}
