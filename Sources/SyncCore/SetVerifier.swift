/// The pure checks every received set passes before anything of it is applied.
///
/// The store supplies state (the stream's head, the key registry, the wall clock); the verifier returns
/// a verdict or throws a ``SyncError`` with the reason code. Order of checks: form (already done by
/// decoding), author, signature, chain position, clock, schema and scope.
public struct SetVerifier: Sendable {
    /// Where a set falls relative to what the receiver holds of its stream.
    public enum ChainPosition: Sendable, Hashable {
        /// The set extends the stream's head: apply it.
        case next
        /// The receiver already holds this very set: nothing to do.
        case duplicate
    }

    /// The tables the verifier checks operations against.
    public let catalog: SchemaCatalog
    /// How far ahead of the wall clock a set's clock readings may be.
    public let maxForwardDriftMillis: UInt64

    public init(catalog: SchemaCatalog, maxForwardDriftMillis: UInt64 = 5 * 60 * 1000) {
        self.catalog = catalog
        self.maxForwardDriftMillis = maxForwardDriftMillis
    }

    /// Finds the author in the registry and checks the signature.
    public func checkAuthor(_ set: ChangeSet, directory: any KeyDirectory) throws(SyncError) -> OriginRecord {
        guard let author = directory.record(for: set.stream.origin) else {
            throw SyncError(.unknownOrigin, "origin \(set.stream.origin) is not enrolled")
        }
        try author.checkStillValid(set.stream.scope, sequence: set.sequence)
        try set.verifySignature(with: author.publicKey)
        return author
    }

    /// Places the set in its stream's chain.
    ///
    /// - Parameters:
    ///   - head: the newest set held of the stream.
    ///   - heldIDAtSequence: the id of the held set with the same sequence number, if any.
    public func checkChain(
        _ set: ChangeSet, head: StreamHead, heldIDAtSequence: [UInt8]?
    ) throws(SyncError)
        -> ChainPosition
    {
        if set.sequence <= head.sequence {
            if heldIDAtSequence == set.id { return .duplicate }
            throw SyncError(.fork, "stream \(set.stream) already holds a different set \(set.sequence)")
        }
        if set.sequence > head.sequence + 1 {
            throw SyncError(.chainGap, "stream \(set.stream): have \(head.sequence), got \(set.sequence)")
        }
        guard set.previous == head.head else {
            throw SyncError(.brokenChain, "stream \(set.stream) set \(set.sequence) does not follow the head")
        }
        return .next
    }

    /// Refuses a set whose first clock reading is not after the last one of its stream's previous set: an
    /// author cannot backdate writes below what it has already published.
    public func checkClockContinuity(_ set: ChangeSet, previousMax: HybridTimestamp) throws(SyncError) {
        guard set.hlcRange.lowerBound > previousMax else {
            throw SyncError(
                .hlcRegressed, "stream \(set.stream) set \(set.sequence) starts before its predecessor ends")
        }
    }

    /// Refuses a set whose clock readings are too far in the future.
    public func checkClock(_ set: ChangeSet, wallMillis: Int64) throws(SyncError) {
        let clock = HybridClock(maxForwardDriftMillis: maxForwardDriftMillis)
        try clock.checkNotTooFarAhead(set.hlcRange.upperBound, wallMillis: wallMillis)
    }

    /// Checks every operation against the schema and the author's scope; one bad operation rejects the set.
    public func checkScope(_ set: ChangeSet, author: OriginRecord) throws(SyncError) {
        switch (author.role, set.stream.scope) {
        case (.hub, _): break
        case (.county, .county(let code)) where code == author.county: break
        case (.county, _):
            throw SyncError(.streamScope, "a county origin writes only its own county's stream")
        case (.provider, .county): break
        case (.provider, .province):
            throw SyncError(.streamScope, "a provider origin writes only in the streams of its teachers' counties")
        }
        for (index, op) in set.operations.enumerated() {
            try checkOperation(op, index: index, streamScope: set.stream.scope, author: author)
        }
    }

    /// Checks one operation against the schema and the author's scope (also used for local writes).
    public func checkOperation(
        _ op: RowOperation, index: Int, streamScope: Scope, author: OriginRecord
    )
        throws(SyncError)
    {
        let at = "operation \(index + 1)"
        guard let table = catalog[op.table] else {
            throw SyncError(.schemaViolation, "\(at): unknown table \(Self.printable(op.table))")
        }
        guard table.writers.contains(author.role) else {
            throw SyncError(.tableNotWritable, "\(at): role \(author.role.rawValue) may not write \(table.name)")
        }
        switch (table.kind, op.kind) {
        case (.mutable, .upsert), (.mutable, .delete), (.fact, .insertFact): break
        default:
            throw SyncError(
                .schemaViolation, "\(at): \(op.kind) is not allowed on \(table.kind.rawValue) table \(table.name)")
        }
        guard op.key.count == table.keyColumns.count else {
            throw SyncError(.schemaViolation, "\(at): \(table.name) has \(table.keyColumns.count) key columns")
        }
        for (name, value) in zip(table.keyColumns, op.key) {
            guard let column = table.column(name), conforms(value, to: column, allowNull: false) else {
                throw SyncError(.schemaViolation, "\(at): key column \(name) has the wrong type")
            }
        }
        var previous: String?
        for field in op.fields {
            guard let column = table.column(field.name), !table.keyColumns.contains(field.name) else {
                throw SyncError(
                    .schemaViolation, "\(at): \(table.name) has no value column \(Self.printable(field.name))")
            }
            guard previous != field.name else {
                throw SyncError(.schemaViolation, "\(at): column \(field.name) written twice")
            }
            previous = field.name
            guard conforms(field.value, to: column, allowNull: column.optional) else {
                throw SyncError(.schemaViolation, "\(at): column \(field.name) has the wrong type")
            }
        }
        switch op.kind {
        case .insertFact:
            for column in table.valueColumns where !column.optional && op.value(of: column.name) == nil {
                throw SyncError(.schemaViolation, "\(at): fact lacks required column \(column.name)")
            }
        case .delete:
            guard op.fields.isEmpty else { throw SyncError(.schemaViolation, "\(at): a delete carries no fields") }
        case .upsert:
            guard !op.fields.isEmpty else {
                throw SyncError(.schemaViolation, "\(at): an upsert writes at least one field")
            }
        }
        guard let county = table.county(ofKey: op.key) else { return }
        guard county != "province", Scope(wireValue: county) != nil else {
            throw SyncError(.schemaViolation, "\(at): \(table.name) rows are keyed under a six-digit county code")
        }
        if case .county(let streamCounty) = streamScope, county != streamCounty {
            throw SyncError(.outsideCounty, "\(at): a row of another county in the stream of county \(streamCounty)")
        }
        if streamScope == .province {
            throw SyncError(.streamScope, "\(at): county rows belong in their county's stream")
        }
    }

    /// At most 32 characters of attacker-chosen text, letters, digits and underscores only, for messages.
    static func printable(_ text: String) -> String {
        String(
            text.unicodeScalars.prefix(32).map {
                $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" ? Character($0) : "?"
            })
    }

    private func conforms(_ value: Value, to column: TableSchema.Column, allowNull: Bool) -> Bool {
        switch (value, column.type) {
        case (.null, _): return allowNull
        case (.integer, .integer): return true
        // Text travels length-prefixed, but SQLite bindings and C tools stop at U+0000: refuse it everywhere.
        case (.text(let s), .text): return s.utf8.count <= 1 << 20 && !s.utf8.contains(0)
        default: return false
        }
    }
}
