import Foundation
import GRDB
import SQLiteReplica
import SyncCore
import SyncTestSupport
import SyncTransport
import Testing

/// Signed receipts for every upload, kept by the county, and the audit of the hub's ingest log against them.
@Suite struct ReceiptAuditTests {
    /// Runs SQL on the hub's database behind its back (the hub's operator, or an intruder, editing it).
    static func tamper(_ f: TransportFixture, _ sql: String) throws {
        let queue = try DatabaseQueue(path: f.dir.path("hub").appendingPathComponent("replica.sqlite").path)
        try queue.write { try $0.execute(sql: sql) }
    }

    static func audit(_ f: TransportFixture, _ county: Replica, _ hub: RunningHub) async throws -> Audit.Report {
        try await Audit(executor: ReplicaExecutor(county), client: f.client(county, hub)).run()
    }

    @Test func everyUploadIsReceiptedAndTheAuditPassesWhileTheHubKeepsItsLog() async throws {
        let f = try TransportFixture(counties: ["130102", "130104"])
        let county = f.counties[0]
        try await f.withHub { hub in
            // Nothing uploaded yet: nothing to check, and the audit passes.
            #expect(try await Self.audit(f, county, hub).passed)
            for batch in 0..<3 {
                try county.write((1...20).map { TransportFixture.teacher(batch * 100 + $0) })
                let report = await f.driver(county, hub).runRound()
                #expect(report.outcome.isFailure == false)
                #expect(report.receiptProblems.isEmpty, "\(report.receiptProblems)")
                // The other county writes too, so the hub's log interleaves streams.
                try f.counties[1].write([TransportFixture.teacher(batch, county: "130104")])
                _ = await f.driver(f.counties[1], hub).runRound()
            }
            let checks = try county.checkReceipts()
            #expect(checks.count == 1)
            #expect(checks[0].localSequence == 3 && checks[0].deliveredSequence == 3 && checks[0].problems.isEmpty)
            #expect(try county.keptReceipts().count == 3)
            let audit = try await Self.audit(f, county, hub)
            #expect(audit.passed, "\(audit.problems)")
            #expect(audit.receiptsChecked == 3)
            #expect(audit.logHead?.size == UInt64(try f.hub.status().storedSets))
        }
    }

    @Test func aRewrittenOrShrunkLogFailsTheAudit() async throws {
        let f = try TransportFixture()
        let county = f.counties[0]
        try county.write([TransportFixture.teacher(1)])
        try await f.withHub { hub in
            _ = await f.driver(county, hub).runRound()
            try county.write([TransportFixture.teacher(2)])
            _ = await f.driver(county, hub).runRound()
            #expect(try await Self.audit(f, county, hub).passed)
            let receipt = try #require(try county.keptReceipts().last)

            // The hub adds more after the audit: still fine.
            try f.hub.write([TransportFixture.teacher(3)])
            try f.hub.seal()
            #expect(try await Self.audit(f, county, hub).passed)

            // Someone replaces the set at the receipt's position (and recomputes nothing): detected.
            try Self.tamper(
                f, "UPDATE ingest_log SET set_id = zeroblob(32) WHERE position = \(receipt.position)")
            let rewritten = try await Self.audit(f, county, hub)
            #expect(!rewritten.passed)
            #expect(
                rewritten.problems.contains { $0.contains("another set at \(receipt.position)") },
                "\(rewritten.problems)")
        }
    }

    @Test func aLogCutBackAfterAnAuditIsDetected() async throws {
        let f = try TransportFixture()
        let county = f.counties[0]
        try county.write([TransportFixture.teacher(1)])
        try await f.withHub { hub in
            _ = await f.driver(county, hub).runRound()
            try f.hub.write([TransportFixture.teacher(2)])
            try f.hub.seal()
            #expect(try await Self.audit(f, county, hub).passed)
            // The hub drops its last entries and signs the shorter log.
            try Self.tamper(f, "DELETE FROM ingest_log WHERE position = (SELECT MAX(position) FROM ingest_log)")
            let cut = try await Self.audit(f, county, hub)
            #expect(!cut.passed)
            #expect(cut.problems.contains { $0.contains("shrank") }, "\(cut.problems)")
        }
    }

    @Test func receiptsNotSignedByThePinnedHubOrForAnotherSetAreNotKept() throws {
        let f = try TransportFixture()
        let county = f.counties[0]
        try county.write([TransportFixture.teacher(1)])
        try county.seal()
        let stream = county.ownCountyStream
        let held = try county.envelopes(try county.setReferences().filter { $0.stream == stream })
        let set = try ChangeSet.decode(envelope: held[0])
        func receipt(signer: SigningIdentity, head: [UInt8]) -> Receipt {
            Receipt.sign(
                stream: stream, sequence: 1, head: head, position: 5, previousLogHead: IngestLog.emptyHead,
                logHead: IngestLog.next(IngestLog.emptyHead, head), issuedAtMillis: 1, signer: signer)
        }
        let impostor = SigningIdentity.generate()
        let refused = try county.keepReceipts([
            receipt(signer: impostor, head: set.id),
            receipt(signer: f.hub.identity.signer, head: [UInt8](repeating: 3, count: 32)),
        ])
        #expect(refused.count == 2)
        #expect(try county.keptReceipts().isEmpty)
        #expect(try county.keepReceipts([receipt(signer: f.hub.identity.signer, head: set.id)]).isEmpty)
        #expect(try county.checkReceipts().first?.deliveredSequence == 1)
    }
}
