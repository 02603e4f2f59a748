import Foundation
import SQLiteReplica
import SyncCore
import Testing
import TrainingDomain

/// A year's assessment policy only moves forward at every node (docs/POLICY.md, "Publishing").
@Suite struct PolicyRollbackTests {
    /// The hub's raw write of a policy row, bypassing `publishPolicy`'s own check, as a hub restored from an
    /// old backup or a replayed document would present it.
    static func rawPolicy(version: Int64, document: String) -> LocalWrite {
        LocalWrite(
            kind: .upsert, table: "policies", key: [.integer(2019)],
            fields: [
                .init("version", .integer(version)), .init("document", .text(document)),
                .init("published_at", .integer(1)),
            ])
    }

    @Test("an older policy version, or the same version with another document, is refused with policy.rollback")
    func olderPolicyIsRefused() throws {
        // Each case at a fresh province: a refused set leaves the hub's stream with a gap at the county.
        for (version, document) in [(Int64(1), "{\"v\": 1}"), (2, "{\"v\": \"other\"}")] {
            let f = try ReplicaFixture()
            let county = f.counties[0]
            try f.hub.publishPolicy(year: 2019, version: 1, document: "{\"v\": 1}")
            try f.hub.publishPolicy(year: 2019, version: 2, document: "{\"v\": 2}")
            #expect(try county.receive(f.hub.exportEnvelopes()).rejected.isEmpty)
            #expect(try county.policy(year: 2019)?.version == 2)
            #expect(throws: ReplicaError.self) { try f.hub.publishPolicy(year: 2019, version: 2, document: "{}") }
            let before = try county.policy(year: 2019)
            try f.hub.write([Self.rawPolicy(version: version, document: document)])
            try f.hub.seal()
            let report = try county.receive(f.hub.exportEnvelopes())
            #expect(report.rejected.map(\.reason) == [.policyRollback], "version \(version)")
            #expect(try county.policy(year: 2019) == before)
        }
    }
}
