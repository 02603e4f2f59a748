import Foundation
import SQLiteReplica
import SyncCore
import SyncTestSupport
import TrainingDomain

/// A hub and county replicas in a temporary folder, sharing a manual clock.
final class ReplicaFixture {
    let dir = TemporaryDirectory(prefix: "replica-test")
    let clock = ManualWallClock()
    let hub: Replica
    var counties: [Replica] = []

    init(
        counties countyCodes: [String] = ["130102"], config: (ReplicaConfiguration) -> ReplicaConfiguration = { $0 }
    ) throws {
        let base = ReplicaConfiguration(wallClock: clock)
        hub = try Replica.create(at: dir.path("hub"), role: .hub, county: nil, configuration: config(base))
        for (i, code) in countyCodes.enumerated() {
            let c = try Replica.create(
                at: dir.path("county\(i)"), role: .county, county: code, hubKey: hub.identity.signer.publicKeyBase64,
                configuration: config(base))
            try hub.write([.registryEntry(c.identity.record)])
            counties.append(c)
        }
        try hub.seal()
        for c in counties { _ = try c.receive(hub.exportEnvelopes()) }
    }

    /// A configuration transform for `init(counties:config:)` that makes the changes `change` makes.
    static func configured(
        _ change: @escaping (inout ReplicaConfiguration) -> Void
    ) -> (ReplicaConfiguration) -> ReplicaConfiguration {
        { base in
            var c = base
            change(&c)
            return c
        }
    }

    /// A teacher write of the given county.
    static func teacher(_ n: Int, county: String = "130102", name: String = "张三", subject: String = "13") -> LocalWrite
    {
        LocalWrite(
            kind: .upsert, table: "teachers", key: [.text(county), .text("1"), .text("ID\(n)")],
            fields: [
                .init("name", .text(name)), .init("gender", .text("M")), .init("school_code", .text("S1")),
                .init("stage", .text("2")), .init("subject", .text(subject)),
                .init("dev_stage", .text("new")),
            ])
    }

    static func record(_ id: String, minutes: Int64, county: String = "130102") -> LocalWrite {
        LocalWrite(
            kind: .insertFact, table: "study_records", key: [.text(county), .text(id)],
            fields: [
                .init("id_type", .text("1")), .init("id_number", .text("ID1")),
                .init("activity_code", .text("A")), .init("minutes", .integer(minutes)),
                .init("recorded_at", .text("2019-09-01T20:15:00+08:00")), .init("source", .text("county")),
            ])
    }
}

struct InjectedFailure: Error {}
