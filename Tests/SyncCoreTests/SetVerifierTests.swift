import SyncCore
import SyncTestSupport
import Testing

@Suite struct SetVerifierTests {
    static let people = TableSchema(
        name: "people", columns: [.init("id", .text), .init("county", .text), .init("n", .integer, optional: true)],
        keyColumns: ["id"], kind: .mutable, scopeColumn: "county", writers: [.hub, .county])
    static let registry = TableSchema(
        name: "registry", columns: [.init("id", .text), .init("v", .text)], keyColumns: ["id"], kind: .mutable,
        scopeColumn: nil, writers: [.hub])
    static let facts = TableSchema(
        name: "facts", columns: [.init("id", .text), .init("county", .text), .init("m", .integer)], keyColumns: ["id"],
        kind: .fact, scopeColumn: "county", writers: [.county])
    let verifier = SetVerifier(catalog: SchemaCatalog([people, registry, facts]), maxForwardDriftMillis: 1_000)
    let county = KeyFixtures.identity(3)
    var record: OriginRecord { OriginRecord(publicKey: county.publicKey, role: .county, county: "130102", status: .active) }

    func set(_ ops: [RowOperation], scope: Scope = .county("130102"), sequence: UInt64 = 1, previous: [UInt8] = ChangeSet.genesis)
        throws -> ChangeSet
    {
        try ChangeSet.seal(
            stream: StreamID(origin: county.origin, scope: scope), sequence: sequence, previous: previous,
            operations: ops, signer: county)
    }

    func op(_ table: String, kind: RowOperation.Kind = .upsert, hlc: UInt64 = 1, _ fields: [RowOperation.Field]) -> RowOperation {
        RowOperation(kind: kind, hlc: HybridTimestamp(rawValue: hlc), table: table, key: [.text("k")], fields: fields)
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
        let s = try set([op("people", [.init("county", .text("130102")), .init("n", .integer(1))])])
        let author = try verifier.checkAuthor(s, directory: InMemoryKeyDirectory([record]))
        try verifier.checkScope(s, author: author)
    }

    @Test(arguments: [
        ("row of another county", "people", RowOperation.Kind.upsert, [RowOperation.Field("county", .text("130104"))], ReasonCode.outsideCounty),
        ("hub-only table", "registry", .upsert, [.init("v", .text("x"))], .tableNotWritable),
        ("unknown table", "nope", .upsert, [.init("county", .text("130102"))], .schemaViolation),
        ("unknown column", "people", .upsert, [.init("county", .text("130102")), .init("zzz", .null)], .schemaViolation),
        ("wrong type", "people", .upsert, [.init("county", .text("130102")), .init("n", .text("1"))], .schemaViolation),
        ("missing scope column", "people", .upsert, [.init("n", .integer(1))], .schemaViolation),
        ("delete of a fact", "facts", .delete, [.init("county", .text("130102"))], .schemaViolation),
        ("fact lacking a column", "facts", .insertFact, [.init("county", .text("130102"))], .schemaViolation),
        ("upsert on a fact table", "facts", .upsert, [.init("county", .text("130102")), .init("m", .integer(1))], .schemaViolation),
    ])
    func refusesOutOfScopeOrMalformedOperations(
        _ label: String, _ table: String, _ kind: RowOperation.Kind, _ fields: [RowOperation.Field], _ expected: ReasonCode
    ) throws {
        let s = try set([op(table, kind: kind, fields)])
        #expect(reason { () throws(SyncError) in try verifier.checkScope(s, author: record) } == expected, "\(label)")
    }

    @Test func aCountyWritesOnlyItsOwnStream() throws {
        let s = try set([op("people", [.init("county", .text("130104"))])], scope: .county("130104"))
        #expect(reason { () throws(SyncError) in try verifier.checkScope(s, author: record) } == .streamScope)
        let p = try set([op("people", [.init("county", .text("130102"))])], scope: .province)
        #expect(reason { () throws(SyncError) in try verifier.checkScope(p, author: record) } == .streamScope)
    }

    @Test func authorsMustBeEnrolledAndActive() throws {
        let s = try set([op("people", [.init("county", .text("130102"))])])
        #expect(reason { () throws(SyncError) in _ = try verifier.checkAuthor(s, directory: InMemoryKeyDirectory()) } == .unknownOrigin)
        let revoked = OriginRecord(publicKey: county.publicKey, role: .county, county: "130102", status: .revoked)
        #expect(reason { () throws(SyncError) in _ = try verifier.checkAuthor(s, directory: InMemoryKeyDirectory([revoked])) } == .revokedOrigin)
    }

    @Test func chainPositions() throws {
        let first = try set([op("people", [.init("county", .text("130102"))])])
        let second = try set([op("people", hlc: 2, [.init("county", .text("130102"))])], sequence: 2, previous: first.id)
        let forged = try set([op("people", hlc: 3, [.init("county", .text("130102"))])], sequence: 2, previous: [UInt8](repeating: 1, count: 32))
        let afterFirst = StreamHead(sequence: 1, head: first.id)
        #expect(try verifier.checkChain(first, head: .empty, heldIDAtSequence: nil) == .next)
        #expect(try verifier.checkChain(first, head: afterFirst, heldIDAtSequence: first.id) == .duplicate)
        #expect(try verifier.checkChain(second, head: afterFirst, heldIDAtSequence: nil) == .next)
        #expect(reason { () throws(SyncError) in _ = try verifier.checkChain(second, head: .empty, heldIDAtSequence: nil) } == .chainGap)
        #expect(reason { () throws(SyncError) in _ = try verifier.checkChain(forged, head: afterFirst, heldIDAtSequence: nil) } == .brokenChain)
        let afterSecond = StreamHead(sequence: 2, head: second.id)
        #expect(reason { () throws(SyncError) in _ = try verifier.checkChain(forged, head: afterSecond, heldIDAtSequence: second.id) } == .fork)
    }

    @Test func refusesSetsFromTheFuture() throws {
        let s = try set([op("people", hlc: HybridTimestamp(physicalMillis: 10_000, logical: 0).rawValue, [.init("county", .text("130102"))])])
        #expect(reason { () throws(SyncError) in try verifier.checkClock(s, wallMillis: 8_000) } == .hlcFuture)
        #expect(reason { () throws(SyncError) in try verifier.checkClock(s, wallMillis: 9_000) } == nil)
    }
}
