import Foundation
import SQLiteReplica
import SyncCore
import SyncTestSupport
import SyncTransport
import Testing

/// Sets the hub refuses: the round says why, and the hub applies nothing of them.
@Suite struct RejectedSetTests {
    @Test func setOfAnOriginEnrolledForAnotherCountyIsRefused() async throws {
        let f = try TransportFixture()
        // A node that believes it is 130102, enrolled at the hub for 130103.
        let misfit = try f.extraCounty("misfit", county: "130102")
        let enrolment = OriginRecord(
            publicKey: misfit.identity.signer.publicKey, role: .county, county: "130103", status: .active)
        try f.hub.write([.registryEntry(enrolment)])
        try f.hub.seal()
        try misfit.write([TransportFixture.teacher(1)])
        let storedBefore = try f.hub.status().storedSets
        let digestBefore = try f.hub.digest(county: nil)

        try await f.withHub { (hub: RunningHub) async throws -> Void in
            let report = await f.driver(misfit, hub).runRound()
            guard case .failed(let reason, let detail, let retryable) = report.outcome else {
                Issue.record("the round should fail: \(report.outcome)")
                return
            }
            #expect(reason == .authForbidden)
            #expect(!retryable)
            #expect(detail.contains("own county"))
            #expect(try f.hub.status().storedSets == storedBefore)
            #expect(try f.hub.digest(county: nil) == digestBefore)
            #expect(try f.hub.versionVector().heads.keys.allSatisfy { $0.origin != misfit.identity.origin })
            #expect(
                try await RawHTTP.metrics(hub).contains(
                    #"teachersync_requests_refused_total{reason="auth.forbidden"} 1"#))
            // Trying again changes nothing.
            #expect(await f.driver(misfit, hub).runRound().outcome.reason == .authForbidden)
            #expect(try f.hub.status().storedSets == storedBefore)
        }
    }

    /// A set that passes the upload's stream check but not the hub's verification: reported per set in the
    /// upload answer, quarantined, not applied.
    @Test func setWithARowOfAnotherCountyIsRejectedPerSet() async throws {
        let f = try TransportFixture()
        let county = f.counties[0]
        let signer = county.identity.signer
        let stream = county.ownCountyStream
        // Hand-made sets signed by the county's own key, in its own stream.
        func forged(rowCounty: String, sequence: UInt64, previous: [UInt8]) throws -> ChangeSet {
            let write = TransportFixture.teacher(9, county: rowCounty)
            let hlc = HybridTimestamp(physicalMillis: UInt64(f.clock.nowMillis()), logical: UInt16(sequence))
            let op = RowOperation(kind: .upsert, hlc: hlc, table: write.table, key: write.key, fields: write.fields)
            return try ChangeSet.seal(
                stream: stream, sequence: sequence, previous: previous, operations: [op], signer: signer)
        }
        let good = try forged(rowCounty: "130102", sequence: 1, previous: ChangeSet.genesis)
        let bad = try forged(rowCounty: "130103", sequence: 2, previous: good.id)

        try await f.withHub { (hub: RunningHub) async throws -> Void in
            let client = f.client(county, hub)
            // Control: the same construction with the county's own row is applied.
            let (accepted, _) = try await client.upload([good.envelope])
            #expect(accepted.applied == 1)
            #expect(accepted.rejected.isEmpty)
            let storedBefore = try f.hub.status().storedSets
            let digestBefore = try f.hub.digest(county: "130103")

            let (result, heads) = try await client.upload([bad.envelope])
            #expect(result.applied == 0)
            #expect(result.rejected.count == 1)
            #expect(result.rejected.first?.reason == ReasonCode.outsideCounty.rawValue)
            #expect(result.rejected.first?.sequence == 2)
            #expect(heads[stream].sequence == 1)
            #expect(try f.hub.status().storedSets == storedBefore)
            #expect(try f.hub.digest(county: "130103") == digestBefore)
            #expect(try f.hub.status().quarantined[ReasonCode.outsideCounty.rawValue] == 1)
            let metrics = try await RawHTTP.metrics(hub)
            #expect(metrics.contains(#"teachersync_sets_rejected_total{reason="scope.outside_county"} 1"#))
        }
    }

    /// A set the hub rejects for a retryable reason (its clock readings are an hour ahead of the hub's): the
    /// round fails retryable with the hub's reason, and succeeds once the hub's clock has caught up.
    @Test func setFromTheFutureIsRejectedThenAcceptedLater() async throws {
        let f = try TransportFixture()
        let countyClock = ManualWallClock(millis: f.clock.nowMillis() + 3_600_000)
        let ahead = try f.extraCounty("ahead", county: "130102", clock: countyClock)
        try f.hub.write([.registryEntry(ahead.identity.record)])
        try f.hub.seal()
        try ahead.write([TransportFixture.teacher(1)])

        try await f.withHub { (hub: RunningHub) async throws -> Void in
            let report = await f.driver(ahead, hub).runRound()
            #expect(report.outcome.reason == .hlcFuture)
            #expect(report.outcome.isRetryable == true)
            #expect(report.rejectedByHub.count == 1)
            #expect(report.rejectedByHub.first?.contains("hlc.future") == true)
            #expect(try f.hub.sequences(of: ahead.ownCountyStream).isEmpty)
            #expect(try f.hub.status().quarantined["hlc.future"] == 1)

            f.clock.advance(by: 3_600_000)
            let later = await f.driver(ahead, hub).runRound()
            #expect(later.outcome == .inSync(pushed: 1, pulled: 3))
            #expect(try f.hub.sequences(of: ahead.ownCountyStream) == [1])
        }
    }
}
