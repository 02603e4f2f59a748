import Crypto
import Foundation
import SyncTestSupport
import Testing
import TrainingDomain

@testable import SyncCore

/// The test vectors of docs/PROTOCOL.md, section 18, rebuilt with the Swift implementation.
///
/// Every constant here is copied from the document (and from `tools/reference_verifier.py`, which
/// produced the same bytes independently from the document). If an encoding change breaks one of these
/// tests, the wire format changed: bump the format number and update the document, never the constants alone.
/// The tables are the real declarations (``TrainingTables``), so a schema change shows up here too.
@Suite struct ProtocolVectorTests {
    // MARK: - Constants copied from docs/PROTOCOL.md §18

    static let publicKeyBase64 = "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg="
    static let publicKeyHex = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
    static let originHex = "56475aa75463474c0285df5dbf2bcab7"
    static let teacherID = "130102198503120025"

    static let bodyA = """
        54534353000156475aa75463474c0285df5dbf2bcab700000006313330313032
        0000000000000001000000000000000000000000000000000000000000000000
        0000000000000000018bcfe568000000018bcfe5680100000000000301018bcf
        e568000000000000077363686f6f6c7300020200000006313330313032020000
        000a313330313032303030310002000000046e616d65020000001be995bfe5ae
        89e58cbae7acace4b880e5ae9ee9aa8ce5b08fe5ada600000006737461676573
        02000000013202018bcfe5680000010000000d73747564795f7265636f726473
        00020200000006313330313032020000000c523133303130322d303030310006
        0000000d61637469766974795f636f6465020000000843323032332d31310000
        000969645f6e756d626572020000001231333031303231393835303331323030
        32350000000769645f74797065020000000131000000076d696e757465730100
        0000000000005a0000000b7265636f726465645f61740200000019323032332d
        31312d31355430363a31333a32302b30383a303000000006736f757263650200
        00000870726f766964657203018bcfe568010000000000077363686f6f6c7300
        020200000006313330313032020000000a313330313032303030320000
        """
    static let idA = "2bafde017746de53efc7e85c15c3f8e862e680def678b119263a1d6c793b3dd5"
    static let signatureA = """
        ed7b8f0d4cc174529973c85eea04f654a9bac24406c66deddf5e3fda3f46b4ee
        6975880c12bcadc274bcde10f0aeb2b24afa414b2a1f46f2ada44e476e07ca09
        """
    static let envelopeLengthA = 545

    static let bodyB = """
        54534353000156475aa75463474c0285df5dbf2bcab700000006313330313032
        00000000000000022bafde017746de53efc7e85c15c3f8e862e680def678b119
        263a1d6c793b3dd5018bcfe652600000018bcfe6526000010000000201018bcf
        e652600000000000077363686f6f6c7300020200000006313330313032020000
        000a313330313032303030310001000000046e616d650200000015e995bfe5ae
        89e58cbae5ae9ee9aa8ce5b08fe5ada601018bcfe65260000100000008746561
        6368657273000302000000063133303130320200000001310200000012313330
        3130323139383530333132303032350006000000096465765f73746167650200
        0000036b65790000000667656e646572020000000146000000046e616d650200
        000006e78e8be88ab30000000b7363686f6f6c5f636f6465020000000a313330
        31303230303031000000057374616765020000000132000000077375626a6563
        7402000000023133
        """
    static let idB = "cccb84dc519d971f3e0d210a161005a85c4a72173535deee503e250a45b1dcdc"
    static let signatureB = """
        0fa9bf2745f00bd65e55d2388eda7418e15408a5a7e97a73e6ed89c2ad64b6ad
        6f25727141ae2d85d4b8f3fef93239bd9672edeb317311fb9c5fa540e3ff360c
        """
    static let envelopeLengthB = 428

    static let bodyC = """
        54534353000156475aa75463474c0285df5dbf2bcab70000000870726f76696e
        6365000000000000000100000000000000000000000000000000000000000000
        00000000000000000000018bcfe568000000018bcfe568000000000000010101
        8bcfe568000000000000076f726967696e730001020000002035363437356161
        3735343633343734633032383564663564626632626361623700040000000663
        6f756e7479000000000a7075626c69635f6b6579020000002c41364548762f50
        4f454c3464634e3059353076416d57666b316a436270513166486479475a424a
        564d62673d00000004726f6c6502000000036875620000000673746174757302
        00000006616374697665
        """
    static let idC = "749797aa090c31a1bf93877c96edeee7e2af802bd4348b52efbee83cd793825c"
    static let signatureC = """
        ac55d4855e2327bcec32ab392200f922ea391589851aad0fd0b8af9124dba986
        a3b63e71f20fba63be80b69b39f511cd8666ac8e9f09304cec909fa5191cea0d
        """
    static let envelopeLengthC = 334

    static let bundleABLength = 1023
    static let bundleABChecksum = "552f2a22eb4d81bab437e86bdd575bc6f603bebbb31267ac6d20cf7a2689ef93"
    static let bundleABFileSHA256 = "bf98874cf5839cd39d2e2c6bf22cac6202f50d807c6bb7b0bb502299328b4ed5"

    static let digest130102 = "0ce0f5670425344670ed9e86ecb6133519a3e1fef006a6eb211bff7f8700b925"

    // MARK: - The vectors, rebuilt

    static let signer = KeyFixtures.vectorIdentity
    static let county = StreamID(origin: signer.origin, scope: .county("130102"))
    static let province = StreamID(origin: signer.origin, scope: .province)
    static let verifier = SetVerifier(catalog: TrainingTables.catalog)
    static let countyAuthor = OriginRecord(
        publicKey: signer.publicKey, role: .county, county: "130102", status: .active)
    static let hubAuthor = OriginRecord(publicKey: signer.publicKey, role: .hub, county: nil, status: .active)

    static func t(_ millis: UInt64, _ logical: UInt16) -> HybridTimestamp {
        HybridTimestamp(physicalMillis: millis, logical: logical)
    }

    /// County rows are keyed under their county: `county_code` is the first key value, never a field.
    static let operationsA: [RowOperation] = [
        RowOperation(
            kind: .upsert, hlc: t(1_700_000_000_000, 0), table: "schools", key: [.text("130102"), .text("1301020001")],
            fields: [.init("name", .text("长安区第一实验小学")), .init("stages", .text("2"))]),
        RowOperation(
            kind: .insertFact, hlc: t(1_700_000_000_000, 1), table: "study_records",
            key: [.text("130102"), .text("R130102-0001")],
            fields: [
                .init("id_type", .text("1")), .init("id_number", .text(teacherID)),
                .init("activity_code", .text("C2023-11")), .init("minutes", .integer(90)),
                .init("recorded_at", .text("2023-11-15T06:13:20+08:00")), .init("source", .text("provider")),
            ]),
        RowOperation(
            kind: .delete, hlc: t(1_700_000_000_001, 0), table: "schools", key: [.text("130102"), .text("1301020002")],
            fields: []),
    ]

    static let operationsB: [RowOperation] = [
        RowOperation(
            kind: .upsert, hlc: t(1_700_000_060_000, 0), table: "schools", key: [.text("130102"), .text("1301020001")],
            fields: [.init("name", .text("长安区实验小学"))]),
        RowOperation(
            kind: .upsert, hlc: t(1_700_000_060_000, 1), table: "teachers",
            key: [.text("130102"), .text("1"), .text(teacherID)],
            fields: [
                .init("name", .text("王芳")), .init("gender", .text("F")), .init("school_code", .text("1301020001")),
                .init("stage", .text("2")), .init("subject", .text("13")), .init("dev_stage", .text("key")),
            ]),
    ]

    static let operationsC: [RowOperation] = [
        RowOperation(
            kind: .upsert, hlc: t(1_700_000_000_000, 0), table: "origins", key: [.text(originHex)],
            fields: [
                .init("public_key", .text(publicKeyBase64)), .init("role", .text("hub")), .init("county", .null),
                .init("status", .text("active")),
            ])
    ]

    static func setA() throws -> ChangeSet {
        try ChangeSet.seal(
            stream: county, sequence: 1, previous: ChangeSet.genesis, operations: operationsA, signer: signer)
    }

    static func setB() throws -> ChangeSet {
        try ChangeSet.seal(
            stream: county, sequence: 2, previous: try setA().id, operations: operationsB, signer: signer)
    }

    static func setC() throws -> ChangeSet {
        try ChangeSet.seal(
            stream: province, sequence: 1, previous: ChangeSet.genesis, operations: operationsC, signer: signer)
    }

    /// A u32, big-endian.
    static func u32(_ n: Int) -> [UInt8] {
        [UInt8(n >> 24 & 0xff), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)]
    }

    static func hex(_ wrapped: String) -> String { wrapped.filter { !$0.isWhitespace } }

    static func bytes(_ wrapped: String) -> [UInt8] { Hex.decode(hex(wrapped))! }

    static func reason(_ body: () throws(SyncError) -> Void) -> ReasonCode? {
        do {
            try body()
            return nil
        } catch { return error.reason }
    }

    // MARK: - Tests

    @Test func keyAndOrigin() throws {
        #expect(KeyFixtures.vectorSeed == Array(0..<32))
        #expect(Self.signer.publicKeyBase64 == Self.publicKeyBase64)
        #expect(Hex.encode(Self.signer.publicKey.rawRepresentation) == Self.publicKeyHex)
        #expect(Self.signer.origin.hex == Self.originHex)
        // origin id = first 16 bytes of SHA-256 of the 32 raw public-key bytes
        #expect(Hex.encode(SHA256.hash(data: Self.bytes(Self.publicKeyHex)).prefix(16)) == Self.originHex)
        let parsed = try #require(Curve25519.Signing.PublicKey.fromBase64(Self.publicKeyBase64))
        #expect(OriginID(publicKey: parsed).hex == Self.originHex)
    }

    /// §10.1 as declared: the county-scoped tables are keyed under `county_code`, their first key column; the
    /// key-lifecycle tables (§22.2) and the training year's catalogue tables are province-wide and written by the
    /// hub only; providers write study records, homework and withdrawals (§11).
    @Test func tablesAsInTheDocument() {
        let tables = TrainingTables.catalog.tables
        #expect(
            tables.map(\.name) == [
                "origins", "units", "schools", "teachers", "study_records", "key_roots", "key_terms", "registry",
                "policies", "providers", "projects", "courses", "contacts", "provider_origins", "cohorts", "selections",
                "activities", "attendance", "exemptions", "make_ups", "homework", "withdrawals", "assessments",
                "certificates",
            ])
        let person = ["id_type", "id_number"]
        #expect(
            tables.map(\.keyColumns) == [
                ["origin"], ["code"], ["county_code", "school_code"], ["county_code"] + person,
                ["county_code", "record_id"], ["county"], ["origin"], ["name"], ["year"], ["provider_code"],
                ["project_code"], ["course_code"], ["unit_code", "duty"], ["origin"],
                ["county_code", "year", "cohort_code"], ["county_code", "year"] + person + ["course_code"],
                ["county_code", "activity_id"], ["county_code", "activity_id"] + person,
                ["county_code", "year"] + person + ["kind"], ["county_code", "year"] + person,
                ["county_code", "record_id"], ["county_code", "record_id"], ["county_code", "year"] + person,
                ["county_code", "year"] + person,
            ])
        let countyScoped: Set = [
            "schools", "teachers", "study_records", "cohorts", "selections", "activities", "attendance", "exemptions",
            "make_ups", "homework", "withdrawals", "assessments", "certificates",
        ]
        #expect(tables.map(\.scopeColumn) == tables.map { countyScoped.contains($0.name) ? "county_code" : nil })
        #expect(TrainingTables.policies.valueColumns.map(\.name) == ["version", "document", "published_at"])
        #expect(
            TrainingTables.keyTerms.valueColumns.map(\.name) == [
                "authorization", "valid_through", "ended_at", "end_reason", "successor", "stream_points",
            ])
        #expect(TrainingTables.registry.valueColumns.map(\.name) == ["version", "expires_at"])
        #expect(TrainingTables.schools.valueColumns.map(\.name) == ["name", "stages"])
        #expect(
            TrainingTables.teachers.valueColumns.map(\.name) == [
                "name", "gender", "school_code", "stage", "subject", "dev_stage",
            ])
        #expect(
            TrainingTables.studyRecords.valueColumns.map(\.name)
                == ["id_type", "id_number", "activity_code", "minutes", "recorded_at", "source"])
        #expect(TrainingTables.studyRecords.column("minutes")?.type == .integer)
        #expect(TrainingTables.origins.column("county")?.optional == true)
        #expect(TrainingTables.units.column("parent")?.optional == true)
        let facts: Set = ["study_records", "homework", "withdrawals"]
        #expect(tables.map(\.kind) == tables.map { facts.contains($0.name) ? .fact : .mutable })
        let countyWritten: Set = [
            "schools", "teachers", "cohorts", "selections", "activities", "attendance", "exemptions", "make_ups",
        ]
        #expect(
            tables.map(\.writers)
                == tables.map { table -> Set<Role> in
                    if facts.contains(table.name) { return [.hub, .county, .provider] }
                    return countyWritten.contains(table.name) ? [.hub, .county] : [.hub]
                })
    }

    @Test(arguments: ["A", "B", "C"])
    func vectorMatchesTheDocument(_ name: String) throws {
        let (set, body, id, signature, length): (ChangeSet, String, String, String, Int)
        switch name {
        case "A":
            (set, body, id, signature, length) = (
                try Self.setA(), Self.bodyA, Self.idA, Self.signatureA, Self.envelopeLengthA
            )
        case "B":
            (set, body, id, signature, length) = (
                try Self.setB(), Self.bodyB, Self.idB, Self.signatureB, Self.envelopeLengthB
            )
        default:
            (set, body, id, signature, length) = (
                try Self.setC(), Self.bodyC, Self.idC, Self.signatureC, Self.envelopeLengthC
            )
        }
        #expect(Hex.encode(set.body) == Self.hex(body), "body of vector \(name)")
        #expect(set.idHex == id, "id of vector \(name)")
        #expect(Hex.encode(SHA256.hash(data: Self.bytes(body))) == id, "id = SHA-256(body) of vector \(name)")
        #expect(Hex.encode(set.signature) == Self.hex(signature), "signature of vector \(name)")
        #expect(set.envelope.count == length, "envelope length of vector \(name)")
        #expect(set.envelope == Self.u32(set.body.count) + set.body + set.signature)

        // The envelope decodes back to an equal set, and its signature verifies.
        let decoded = try ChangeSet.decode(
            envelope: Self.u32(set.body.count) + Self.bytes(body) + Self.bytes(signature))
        #expect(decoded == set)
        #expect(decoded.operations == set.operations)
        #expect(decoded.body == set.body)
        try decoded.verifySignature(with: Self.signer.publicKey)
        let key = try #require(Curve25519.Signing.PublicKey.fromBase64(Self.publicKeyBase64))
        #expect(
            key.isValidSignature(Self.bytes(signature), for: Array("teachersync/changeset/v1".utf8) + Self.bytes(id)))
    }

    @Test func chainAndHeaderFields() throws {
        let a = try Self.setA(), b = try Self.setB(), c = try Self.setC()
        #expect(a.sequence == 1 && a.previous == ChangeSet.genesis)
        #expect(b.sequence == 2 && b.previous == a.id)
        #expect(c.stream.scope == .province && c.sequence == 1)
        #expect(a.hlcRange == Self.t(1_700_000_000_000, 0)...Self.t(1_700_000_000_001, 0))
        #expect(b.hlcRange == Self.t(1_700_000_060_000, 0)...Self.t(1_700_000_060_000, 1))
        #expect(a.hlcRange.lowerBound.rawValue == 0x018b_cfe5_6800_0000)
        #expect(a.operations.map(\.kind) == [.upsert, .insertFact, .delete])
        // Fields are carried in ascending byte order of their names, whatever order they were given in.
        #expect(
            a.operations[1].fields.map(\.name)
                == ["activity_code", "id_number", "id_type", "minutes", "recorded_at", "source"])
        #expect(a.operations[2].fields.isEmpty, "a delete carries no fields")
        #expect(c.operations[0].value(of: "county") == .null)
    }

    /// The sets pass every check of §8 a receiver makes, in order: author, chain, clock continuity, clock, scope.
    @Test func vectorsPassTheVerifier() throws {
        let a = try Self.setA(), b = try Self.setB(), c = try Self.setC()
        let directory = InMemoryKeyDirectory([Self.countyAuthor])
        let v = Self.verifier
        #expect(try v.checkAuthor(a, directory: directory) == Self.countyAuthor)
        #expect(try v.checkChain(a, head: .empty, heldIDAtSequence: nil) == .next)
        try v.checkClockContinuity(a, previousMax: .zero)
        #expect(try v.checkChain(b, head: StreamHead(sequence: 1, head: a.id), heldIDAtSequence: nil) == .next)
        try v.checkClockContinuity(b, previousMax: a.hlcRange.upperBound)
        try v.checkClock(b, wallMillis: 1_700_000_060_000)
        try v.checkScope(a, author: Self.countyAuthor)
        try v.checkScope(b, author: Self.countyAuthor)
        try v.checkScope(a, author: Self.hubAuthor)  // the hub writes county 130102's rows in stream 130102
        try v.checkScope(c, author: Self.hubAuthor)
        #expect(Self.reason { () throws(SyncError) in try v.checkScope(c, author: Self.countyAuthor) } == .streamScope)
        // B again after B: hlc.not_monotonic (its first reading is not after the previous set's last).
        #expect(
            Self.reason { () throws(SyncError) in try v.checkClockContinuity(b, previousMax: b.hlcRange.upperBound) }
                == .hlcRegressed)
        #expect(ReasonCode.hlcRegressed.rawValue == "hlc.not_monotonic")
        #expect(SyncError(.hlcRegressed, "").classification == .corrupt)
    }

    /// §11: the scope check reads the county from the key.
    @Test func scopeRulesOnTheKey() throws {
        func reason(
            _ op: RowOperation, scope: Scope = .county("130102"), author: OriginRecord = Self.countyAuthor
        )
            -> ReasonCode?
        {
            Self.reason { () throws(SyncError) in
                try Self.verifier.checkOperation(op, index: 0, streamScope: scope, author: author)
            }
        }
        func school(_ county: String, kind: RowOperation.Kind = .upsert, _ fields: [RowOperation.Field]) -> RowOperation
        {
            RowOperation(
                kind: kind, hlc: Self.t(1, 0), table: "schools", key: [.text(county), .text("x")], fields: fields)
        }
        #expect(reason(school("130102", [.init("name", .text("n"))])) == nil)
        #expect(reason(school("130104", [.init("name", .text("n"))])) == .outsideCounty)
        #expect(
            reason(school("130104", [.init("name", .text("n"))]), scope: .county("130104"), author: Self.hubAuthor)
                == nil)
        #expect(
            reason(school("130102", [.init("name", .text("n"))]), scope: .province, author: Self.hubAuthor)
                == .streamScope)
        #expect(
            reason(school("province", [.init("name", .text("n"))]), scope: .province, author: Self.hubAuthor)
                == .schemaViolation)
        #expect(reason(school("13010X", [.init("name", .text("n"))])) == .schemaViolation)
        #expect(reason(school("130102", [.init("county_code", .text("130102"))])) == .schemaViolation)  // a key column
        #expect(reason(school("130102", kind: .delete, [])) == nil)
        #expect(reason(school("130102", kind: .delete, [.init("name", .text("n"))])) == .schemaViolation)
        #expect(reason(school("130102", [])) == .schemaViolation)
        #expect(reason(school("130102", [.init("name", .text("a\u{0}b"))])) == .schemaViolation)
        #expect(
            reason(school("130102", [.init("name", .text(String(repeating: "x", count: (1 << 20) + 1)))]))
                == .schemaViolation)
        #expect(reason(school("130102", [.init("name", .text("a")), .init("name", .text("b"))])) == .schemaViolation)
        let shortKey = RowOperation(
            kind: .upsert, hlc: Self.t(1, 0), table: "schools", key: [.text("1301020001")],
            fields: [.init("name", .text("n"))])
        #expect(reason(shortKey) == .schemaViolation)
    }

    /// §12: equal stamps with different values keep the greater value, in either order.
    @Test func equalStampsKeepTheGreaterValue() {
        let key: [Value] = [.text("130102"), .text("x")]
        let low = RowOperation(
            kind: .upsert, hlc: Self.t(5, 0), table: "schools", key: key, fields: [.init("name", .integer(7))])
        let high = RowOperation(
            kind: .upsert, hlc: Self.t(5, 0), table: "schools", key: key, fields: [.init("name", .text("A"))])
        let higher = RowOperation(
            kind: .upsert, hlc: Self.t(5, 0), table: "schools", key: key, fields: [.init("name", .text("B"))])
        let o = Self.signer.origin
        for order in [[low, high, higher], [higher, high, low], [high, higher, low]] {
            var row: RowState?
            for op in order { row = MergeRules.apply(op, by: o, to: row).row }
            #expect(row?.fields["name"]?.value == .text("B"))
        }
        #expect(Value.null < .integer(Int64.min) && Value.integer(Int64.max) < .text(""))
        #expect(Value.text("Z") < .text("a") && Value.text("a") < .text("é"))  // UTF-8 bytes, not collation
    }

    @Test func bundleOfAAndB() throws {
        let a = try Self.setA(), b = try Self.setB()
        let bundle = BundleFile.encode([a.envelope, b.envelope])
        #expect(bundle.count == Self.bundleABLength)
        #expect(Array(bundle.prefix(10)) == Array("TSBN".utf8) + [0, 1, 0, 0, 0, 2])
        #expect(Hex.encode(bundle.suffix(32)) == Self.bundleABChecksum)
        #expect(Hex.encode(SHA256.hash(data: bundle.dropLast(32))) == Self.bundleABChecksum)
        #expect(Hex.encode(SHA256.hash(data: bundle)) == Self.bundleABFileSHA256)
        #expect(try BundleFile.decode(bundle) == [a.envelope, b.envelope])

        // §15: the format is checked right after the magic, before the checksum.
        var v2 = bundle
        v2[5] = 2
        #expect(Self.reason { () throws(SyncError) in _ = try BundleFile.decode(v2) } == .unsupportedVersion)
        var damaged = bundle
        damaged[20] ^= 1
        #expect(Self.reason { () throws(SyncError) in _ = try BundleFile.decode(damaged) } == .malformed)
    }

    /// The county-130102 digest after applying A then B to an empty replica (§18.6), computed by merging
    /// the vectors' operations with ``MergeRules`` and hashing the visible rows with ``StateDigest``.
    @Test func stateDigestOfCounty130102() throws {
        func digest(applying sets: [ChangeSet]) -> String {
            var rows = [String: [[Value]: RowState]]()
            for set in sets {
                for op in set.operations {
                    let outcome = MergeRules.apply(op, by: set.stream.origin, to: rows[op.table]?[op.key])
                    rows[op.table, default: [:]][op.key] = outcome.row
                }
            }
            var d = StateDigest()
            for table in TrainingTables.catalog.tables where table.scopeColumn != nil {
                d.beginTable(table)
                for (key, state) in rows[table.name] ?? [:] where state.isLive && table.county(ofKey: key) == "130102" {
                    d.addRow(key: key, values: table.valueColumns.map { state.fields[$0.name]?.value ?? .null })
                }
            }
            return d.finish()
        }
        let a = try Self.setA(), b = try Self.setB()
        #expect(digest(applying: [a, b]) == Self.digest130102)
        #expect(digest(applying: [b, a]) == Self.digest130102, "merge order must not matter")

        // The same digest from the rows listed in §18.6, hashed by hand.
        var w = ByteWriter()
        w.raw(Array("teachersync/digest/v1".utf8))
        w.string("schools")
        w.u8(1)
        for v in ["130102", "1301020001", "长安区实验小学", "2"] { w.value(.text(v)) }
        w.u8(0)
        w.string("teachers")
        w.u8(1)
        for v in ["130102", "1", Self.teacherID, "王芳", "F", "1301020001", "2", "13", "key"] { w.value(.text(v)) }
        w.u8(0)
        w.string("study_records")
        w.u8(1)
        for v: Value in [
            .text("130102"), .text("R130102-0001"), .text("1"), .text(Self.teacherID), .text("C2023-11"),
            .integer(90), .text("2023-11-15T06:13:20+08:00"), .text("provider"),
        ] { w.value(v) }
        w.u8(0)
        // The training year's county-scoped tables (§10.1), empty here: each its name and the end byte.
        for table in [
            "cohorts", "selections", "activities", "attendance", "exemptions", "make_ups", "homework", "withdrawals",
            "assessments", "certificates",
        ] {
            w.string(table)
            w.u8(0)
        }
        #expect(Hex.encode(SHA256.hash(data: w.bytes)) == Self.digest130102)
    }

    /// The decoder rules of §6, each exercised once on vector A (offsets as in the §4.1 layout table).
    @Test func decoderStrictness() throws {
        let body = Self.bytes(Self.bodyA)
        let sig = Self.bytes(Self.signatureA)
        func reason(_ b: [UInt8]) -> ReasonCode? {
            Self.reason { () throws(SyncError) in _ = try ChangeSet.decode(envelopeBody: b, signature: sig) }
        }
        func patched(_ at: Int, _ bytes: [UInt8]) -> [UInt8] {
            var b = body
            b.replaceSubrange(at..<at + bytes.count, with: bytes)
            return b
        }
        func encoded(_ ops: [RowOperation], sequence: UInt64 = 1) -> [UInt8] {
            ChangeSet.encodeBody(
                format: 1, stream: Self.county, sequence: sequence, previous: ChangeSet.genesis, operations: ops)
        }
        #expect(reason(body) == nil)
        #expect(reason(patched(0, Array("TSCX".utf8))) == .malformed)
        #expect(reason(patched(4, [0, 2])) == .unsupportedVersion)
        #expect(reason(patched(4, [0, 0])) == .unsupportedVersion)
        #expect(reason(patched(26, Array("13010X".utf8))) == .malformed)  // scope text
        #expect(reason(patched(32, [0, 0, 0, 0, 0, 0, 0, 0])) == .malformed)  // sequence 0
        #expect(reason(patched(32, [0x80, 0, 0, 0, 0, 0, 0, 0])) == .malformed)  // sequence 2^63
        #expect(reason(patched(32, [0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])) == nil)  // 2^63-1 decodes
        #expect(reason(patched(40, [1])) == .malformed)  // sequence 1 must name genesis
        #expect(reason(patched(79, [0xff])) == .malformed)  // declared hlc min ≠ the operations' minimum
        #expect(reason(patched(87, [0x02])) == .malformed)  // declared hlc max ≠ the operations' maximum
        #expect(reason(patched(88, [0, 0, 0, 0])) == .malformed)  // operation count 0
        #expect(reason(patched(88, [0, 0, 0, 4])) == .malformed)  // more operations declared than present
        #expect(reason(patched(92, [4])) == .malformed)  // unknown operation kind
        #expect(reason(body + [0]) == .malformed)  // trailing byte
        #expect(reason(Array(body.dropLast())) == .malformed)  // truncated

        // Operations in strictly increasing clock order: reversed or equal readings are malformed.
        #expect(reason(encoded(Self.operationsA)) == nil)
        #expect(reason(encoded(Self.operationsA.reversed())) == .malformed)
        let same = Self.operationsA.map {
            RowOperation(
                kind: $0.kind, hlc: Self.t(1_700_000_000_000, 0), table: $0.table, key: $0.key, fields: $0.fields)
        }
        #expect(reason(encoded(same)) == .malformed)
        // U+0000 in any string is malformed (here a text value, then a key value).
        let nul = RowOperation(
            kind: .upsert, hlc: Self.t(1, 0), table: "schools", key: [.text("130102"), .text("x")],
            fields: [.init("name", .text("a\u{0}b"))])
        #expect(reason(encoded([nul])) == .malformed)
        let nulKey = RowOperation(
            kind: .upsert, hlc: Self.t(1, 0), table: "schools", key: [.text("130102"), .text("x\u{0}")],
            fields: [.init("name", .text("n"))])
        #expect(reason(encoded([nulKey])) == .malformed)

        var envelope = Self.u32(body.count) + body + sig
        #expect(throws: SyncError.self) { try ChangeSet.decode(envelope: envelope + [0]) }
        envelope.replaceSubrange(0..<4, with: [0x01, 0x00, 0x00, 0x01])  // 16 MiB + 1
        do {
            _ = try ChangeSet.decode(envelope: envelope)
            Issue.record("accepted a body length over 16 MiB")
        } catch { #expect(error.reason == .tooLarge) }
    }

    @Test func signatureDoesNotVerifyWithAnotherKeyOrDamage() throws {
        let a = try Self.setA()
        #expect(throws: SyncError.self) { try a.verifySignature(with: KeyFixtures.identity(1).publicKey) }
        var env = a.envelope
        env[env.count - 1] ^= 1
        let damaged = try ChangeSet.decode(envelope: env)
        #expect(throws: SyncError.self) { try damaged.verifySignature(with: Self.signer.publicKey) }
    }
}
