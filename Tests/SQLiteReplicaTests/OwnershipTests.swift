import Crypto
import Foundation
import SQLiteReplica
import SyncCore
import Testing
import TrainingDomain

/// Who may write what (docs/PROTOCOL.md, "Scope rules"): each role writing outside its rights is refused with
/// its reason code, at the hub and at a county that receives the set relayed.
@Suite struct OwnershipTests {
    /// A set signed by `signer` carrying `writes` as operations, first of its stream.
    static func set(_ writes: [LocalWrite], by signer: SigningIdentity, scope: Scope, clock: Int64) throws -> [UInt8] {
        let ops = writes.enumerated().map { i, w in
            RowOperation(
                kind: w.kind, hlc: HybridTimestamp(physicalMillis: UInt64(clock), logical: UInt16(i)), table: w.table,
                key: w.key, fields: w.fields)
        }
        return try ChangeSet.seal(
            stream: StreamID(origin: signer.origin, scope: scope), sequence: 1,
            previous: [UInt8](repeating: 0, count: 32),
            operations: ops, signer: signer
        ).envelope
    }

    /// A province with teachers ID1 (primary, stage 2) and ID7 (junior middle, stage 3) in county 130102, and a
    /// provider key enrolled for project PJ-PRI, all known to the county.
    static func makeProvince() throws -> (ReplicaFixture, SigningIdentity) {
        let f = try ReplicaFixture()
        try f.seedTrainingYear()
        let county = f.counties[0]
        try county.write([ReplicaFixture.teacher(1)])
        try county.write([
            ReplicaFixture.row(
                "teachers", [.text("130102"), .text("1"), .text("ID7")],
                [
                    ("name", .text("李四")), ("gender", .text("F")), ("school_code", .text("S1")), ("stage", .text("3")),
                    ("subject", .text("13")), ("dev_stage", .text("new")),
                ])
        ])
        try county.seal()
        #expect(try f.hub.receive(county.exportEnvelopes()).rejected.isEmpty)
        let provider = SigningIdentity(privateKey: Curve25519.Signing.PrivateKey())
        try f.hub.enrolProvider(publicKey: provider.publicKey, project: "PJ-PRI")
        #expect(try county.receive(f.hub.exportEnvelopes()).rejected.isEmpty)
        return (f, provider)
    }

    @Test("a provider's records of its own project's teachers are applied at the hub and relayed to the county")
    func providerWithinItsProject() throws {
        let (f, provider) = try Self.makeProvince()
        let envelope = try Self.set(
            [
                ReplicaFixture.study("P1-0001", teacher: 1, course: "M1", minutes: 90),
                ReplicaFixture.homework("P1-H1", teacher: 1, assignment: "H1", score: 850),
            ], by: provider, scope: .county("130102"), clock: f.clock.nowMillis())
        let atHub = try f.hub.receive([envelope])
        #expect(atHub.rejected.isEmpty)
        #expect(atHub.operationsApplied == 2)
        let atCounty = try f.counties[0].receive(f.hub.exportEnvelopes())
        #expect(atCounty.rejected.isEmpty)
        #expect(try f.counties[0].digest(county: "130102") == f.hub.digest(county: "130102"))
    }

    @Test(
        "a provider writing outside its project is refused at the hub with scope.outside_project",
        arguments: [
            ("another project's course", ReplicaFixture.study("X1", teacher: 1, course: "M9", minutes: 90)),
            ("the county's offline course", ReplicaFixture.study("X2", teacher: 1, course: "OFF1", minutes: 90)),
            ("a teacher of another stage", ReplicaFixture.study("X3", teacher: 7, course: "M1", minutes: 90)),
            ("an unknown teacher", ReplicaFixture.study("X4", teacher: 99, course: "M1", minutes: 90)),
            (
                "a source other than provider",
                ReplicaFixture.study("X5", teacher: 1, course: "M1", minutes: 9, source: "county")
            ),
            (
                "homework of another project",
                ReplicaFixture.homework("X6", teacher: 1, assignment: "H", score: 1, project: "PJ-MID")
            ),
            (
                "a withdrawal of another origin's record",
                ReplicaFixture.row(
                    "withdrawals", [.text("130102"), .text("NOT-THERE")],
                    [("reason", .text("duplicate")), ("withdrawn_at", .text("2019-10-01T10:00:00+08:00"))],
                    kind: .insertFact)
            ),
        ])
    func providerOutsideItsProject(_ label: String, _ write: LocalWrite) throws {
        let (f, provider) = try Self.makeProvince()
        let envelope = try Self.set([write], by: provider, scope: .county("130102"), clock: f.clock.nowMillis())
        let report = try f.hub.receive([envelope])
        #expect(report.rejected.map(\.reason) == [.outsideProject], "\(label)")
        #expect(report.operationsApplied == 0)
    }

    @Test("a provider writing a table it may not, or the province stream, is refused at the hub and at a county")
    func providerOutsideItsTables() throws {
        let (f, provider) = try Self.makeProvince()
        let now = f.clock.nowMillis()
        let cases: [(String, [UInt8], ReasonCode)] = [
            (
                "teachers",
                try Self.set([ReplicaFixture.teacher(2)], by: provider, scope: .county("130102"), clock: now),
                .tableNotWritable
            ),
            (
                "assessments",
                try Self.set(
                    [
                        ReplicaFixture.row(
                            "assessments", [.text("130102"), .integer(2019), .text("1"), .text("ID1")],
                            [
                                ("status", .text("qualified")), ("hours", .text("")), ("total_hours", .integer(520)),
                                ("reasons", .text("")), ("policy_version", .integer(1)),
                            ])
                    ], by: provider, scope: .county("130102"), clock: now), .tableNotWritable
            ),
            (
                "province stream",
                try Self.set(
                    [ReplicaFixture.row("providers", [.text("P9")], [("name", .text("x")), ("stages", .text("2"))])],
                    by: provider, scope: .province, clock: now), .streamScope
            ),
        ]
        for (label, envelope, reason) in cases {
            #expect(try f.hub.receive([envelope]).rejected.map(\.reason) == [reason], "hub: \(label)")
            #expect(try f.counties[0].receive([envelope]).rejected.map(\.reason) == [reason], "county: \(label)")
        }
    }

    @Test("a county may not write the province's tables nor the hub's assessments and certificates")
    func countyOutsideItsTables() throws {
        let f = try ReplicaFixture(counties: ["130102", "130104"])
        try f.seedTrainingYear()
        let county = f.counties[0]
        let provinceOwned: [LocalWrite] = [
            ReplicaFixture.row("providers", [.text("P9")], [("name", .text("x")), ("stages", .text("2"))]),
            ReplicaFixture.course("M2", project: nil, kind: "mandatory", category: "mandatory", hours: 10),
            ReplicaFixture.row(
                "assessments", [.text("130102"), .integer(2019), .text("1"), .text("ID1")],
                [
                    ("status", .text("qualified")), ("hours", .text("")), ("total_hours", .integer(520)),
                    ("reasons", .text("")), ("policy_version", .integer(1)),
                ]),
            ReplicaFixture.row(
                "certificates", [.text("130102"), .integer(2019), .text("1"), .text("ID1")],
                [
                    ("serial", .text("HB2019-130102-000001")), ("code", .text("X")), ("signature", .text("X")),
                    ("issued_at", .text("2020-01-10")),
                ]),
        ]
        for write in provinceOwned {
            // The county's own write path refuses it before anything is recorded…
            #expect(throws: ReplicaError.self, "local \(write.table)") { try county.write([write]) }
            // …and a set carrying it, signed with the county's key, is refused by the hub and by another county.
            let envelope = try Self.set(
                [write], by: county.identity.signer, scope: .county("130102"), clock: f.clock.nowMillis())
            #expect(try f.hub.receive([envelope]).rejected.map(\.reason) == [.tableNotWritable], "hub \(write.table)")
            #expect(
                try f.counties[1].receive([envelope]).rejected.map(\.reason) == [.tableNotWritable],
                "relay \(write.table)")
        }
        #expect(
            try county.exportEnvelopes().allSatisfy {
                try ChangeSet.decode(envelope: $0).stream.origin != county.identity.origin
            })
    }

    @Test("a provider key is enrolled only for a project in the catalogue")
    func enrolmentNeedsAProject() throws {
        let f = try ReplicaFixture()
        try f.seedTrainingYear()
        let key = Curve25519.Signing.PrivateKey().publicKey
        #expect(throws: ReplicaError.self) { try f.hub.enrolProvider(publicKey: key, project: "NOPE") }
        #expect(throws: ReplicaError.self) { try f.counties[0].enrolProvider(publicKey: key, project: "PJ-PRI") }
        let record = try f.hub.enrolProvider(publicKey: key, project: "PJ-PRI")
        #expect(record.role == .provider)
    }
}

/// A provider's key is revoked like a county's, and cannot replace what others wrote.
@Suite struct ProviderKeyTests {
    @Test("a provider cannot replace a record the hub holds with other content, even with an older clock")
    func noOverwrite() throws {
        let (f, provider) = try OwnershipTests.makeProvince()
        let county = f.counties[0]
        try county.write([ReplicaFixture.study("R-1", teacher: 1, course: "OFF1", minutes: 90, source: "county")])
        try county.seal()
        #expect(try f.hub.receive(county.exportEnvelopes()).rejected.isEmpty)
        let forged = try OwnershipTests.set(
            [ReplicaFixture.study("R-1", teacher: 1, course: "M1", minutes: 900)], by: provider,
            scope: .county("130102"), clock: 1)
        #expect(try f.hub.receive([forged]).rejected.map(\.reason) == [.outsideProject])
    }

    @Test("a revoked provider key's later sets are refused; its earlier ones stay")
    func revocation() throws {
        let (f, provider) = try OwnershipTests.makeProvince()
        let first = try OwnershipTests.set(
            [ReplicaFixture.study("P-1", teacher: 1, course: "M1", minutes: 90)], by: provider,
            scope: .county("130102"), clock: f.clock.nowMillis())
        #expect(try f.hub.receive([first]).rejected.isEmpty)
        let revoked = try f.hub.revoke(provider.origin, reason: "connector key leaked")
        #expect(revoked.status == .revoked)
        f.clock.advance(by: 1000)
        let held = try ChangeSet.decode(envelope: first)
        let ops = [ReplicaFixture.study("P-2", teacher: 1, course: "M1", minutes: 90)].map {
            RowOperation(
                kind: $0.kind, hlc: HybridTimestamp(physicalMillis: UInt64(f.clock.nowMillis()), logical: 0),
                table: $0.table, key: $0.key, fields: $0.fields)
        }
        let second = try ChangeSet.seal(
            stream: held.stream, sequence: 2, previous: held.id, operations: ops, signer: provider)
        #expect(try f.hub.receive([second.envelope]).rejected.map(\.reason) == [.revokedOrigin])
        // A county receives the first set and the revocation from the hub, and refuses the second alike.
        #expect(try f.counties[0].receive(f.hub.exportEnvelopes()).rejected.isEmpty)
        #expect(try f.counties[0].receive([second.envelope]).rejected.map(\.reason) == [.revokedOrigin])
    }
}
