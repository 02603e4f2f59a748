import SyncCore
import SyncTestSupport
import Testing

@Suite struct SetVerifierTests {
    static let people = TableSchema(
        name: "people", columns: [.init("county", .text), .init("id", .text), .init("n", .integer, optional: true)],
        keyColumns: ["county", "id"], kind: .mutable, scopeColumn: "county", writers: [.hub, .county])
    static let registry = TableSchema(
        name: "registry", columns: [.init("id", .text), .init("v", .text)], keyColumns: ["id"], kind: .mutable,
        scopeColumn: nil, writers: [.hub])
    static let facts = TableSchema(
        name: "facts", columns: [.init("county", .text), .init("id", .text), .init("m", .integer)],
        keyColumns: ["county", "id"],
        kind: .fact, scopeColumn: "county", writers: [.county])
    let verifier = SetVerifier(catalog: SchemaCatalog([people, registry, facts]), maxForwardDriftMillis: 1_000)
    let county = KeyFixtures.identity(3)
    var record: OriginRecord {
        OriginRecord(publicKey: county.publicKey, role: .county, county: "130102", status: .active)
    }

    func set(
        _ ops: [RowOperation], scope: Scope = .county("130102"), sequence: UInt64 = 1,
        previous: [UInt8] = ChangeSet.genesis
    )
        throws -> ChangeSet
    {
        try ChangeSet.seal(
            stream: StreamID(origin: county.origin, scope: scope), sequence: sequence, previous: previous,
            operations: ops, signer: county)
    }

    func op(
        _ table: String, kind: RowOperation.Kind = .upsert, hlc: UInt64 = 1, county: String? = "130102",
        _ fields: [RowOperation.Field]
    ) -> RowOperation {
        let key: [Value] = county.map { [.text($0), .text("k")] } ?? [.text("k")]
        return RowOperation(kind: kind, hlc: HybridTimestamp(rawValue: hlc), table: table, key: key, fields: fields)
    }

    func reason(_ body: () throws(SyncError) -> Void) -> ReasonCode? {
        do {
            try body()
            return nil
        } catch {
            return error.reason
        }
    }

    @Test func acceptsAnInScopeSet() throws {
        let s = try set([op("people", [.init("n", .integer(1))])])
        let author = try verifier.checkAuthor(s, directory: InMemoryKeyDirectory([record]))
        try verifier.checkScope(s, author: author)
    }

    @Test(arguments: [
        (
            "row of another county", "people", RowOperation.Kind.upsert, Optional("130104"),
            [RowOperation.Field("n", .integer(1))], ReasonCode.outsideCounty
        ),
        ("hub-only table", "registry", .upsert, nil, [.init("v", .text("x"))], .tableNotWritable),
        ("unknown table", "nope", .upsert, "130102", [.init("n", .integer(1))], .schemaViolation),
        ("unknown column", "people", .upsert, "130102", [.init("zzz", .null)], .schemaViolation),
        ("wrong type", "people", .upsert, "130102", [.init("n", .text("1"))], .schemaViolation),
        ("key too short", "people", .upsert, nil, [.init("n", .integer(1))], .schemaViolation),
        ("county key not a code", "people", .upsert, "13010X", [.init("n", .integer(1))], .schemaViolation),
        ("text with U+0000", "facts", .insertFact, "130102", [.init("m", .text("a\u{0}b"))], .schemaViolation),
        ("delete of a fact", "facts", .delete, "130102", [], .schemaViolation),
        ("delete carrying fields", "people", .delete, "130102", [.init("n", .integer(1))], .schemaViolation),
        ("fact lacking a column", "facts", .insertFact, "130102", [], .schemaViolation),
        ("upsert on a fact table", "facts", .upsert, "130102", [.init("m", .integer(1))], .schemaViolation),
        ("empty upsert", "people", .upsert, "130102", [], .schemaViolation),
    ])
    func refusesOutOfScopeOrMalformedOperations(
        _ label: String, _ table: String, _ kind: RowOperation.Kind, _ county: String?, _ fields: [RowOperation.Field],
        _ expected: ReasonCode
    ) throws {
        let s = try set([op(table, kind: kind, county: county, fields)])
        #expect(reason { () throws(SyncError) in try verifier.checkScope(s, author: record) } == expected, "\(label)")
    }

    @Test func aCountyWritesOnlyItsOwnStream() throws {
        let s = try set([op("people", county: "130104", [.init("n", .integer(1))])], scope: .county("130104"))
        #expect(reason { () throws(SyncError) in try verifier.checkScope(s, author: record) } == .streamScope)
        let p = try set([op("people", [.init("n", .integer(1))])], scope: .province)
        #expect(reason { () throws(SyncError) in try verifier.checkScope(p, author: record) } == .streamScope)
    }

    @Test func authorsMustBeEnrolledAndActive() throws {
        let s = try set([op("people", [.init("n", .integer(1))])])
        #expect(
            reason { () throws(SyncError) in _ = try verifier.checkAuthor(s, directory: InMemoryKeyDirectory()) }
                == .unknownOrigin)
        let revoked = OriginRecord(publicKey: county.publicKey, role: .county, county: "130102", status: .revoked)
        #expect(
            reason { () throws(SyncError) in _ = try verifier.checkAuthor(s, directory: InMemoryKeyDirectory([revoked]))
            } == .revokedOrigin)
    }

    @Test func chainPositions() throws {
        let first = try set([op("people", [.init("n", .integer(1))])])
        let second = try set([op("people", hlc: 2, [.init("n", .integer(1))])], sequence: 2, previous: first.id)
        let forged = try set(
            [op("people", hlc: 3, [.init("n", .integer(1))])], sequence: 2, previous: [UInt8](repeating: 1, count: 32))
        let afterFirst = StreamHead(sequence: 1, head: first.id)
        #expect(try verifier.checkChain(first, head: .empty, heldIDAtSequence: nil) == .next)
        #expect(try verifier.checkChain(first, head: afterFirst, heldIDAtSequence: first.id) == .duplicate)
        #expect(try verifier.checkChain(second, head: afterFirst, heldIDAtSequence: nil) == .next)
        #expect(
            reason { () throws(SyncError) in _ = try verifier.checkChain(second, head: .empty, heldIDAtSequence: nil) }
                == .chainGap)
        #expect(
            reason { () throws(SyncError) in
                _ = try verifier.checkChain(forged, head: afterFirst, heldIDAtSequence: nil)
            } == .brokenChain)
        let afterSecond = StreamHead(sequence: 2, head: second.id)
        #expect(
            reason { () throws(SyncError) in
                _ = try verifier.checkChain(forged, head: afterSecond, heldIDAtSequence: second.id)
            } == .fork)
    }

    @Test func refusesSetsFromTheFuture() throws {
        let s = try set([
            op("people", hlc: HybridTimestamp(physicalMillis: 10_000, logical: 0).rawValue, [.init("n", .integer(1))])
        ])
        #expect(reason { () throws(SyncError) in try verifier.checkClock(s, wallMillis: 8_000) } == .hlcFuture)
        #expect(reason { () throws(SyncError) in try verifier.checkClock(s, wallMillis: 9_000) } == nil)
    }
}
