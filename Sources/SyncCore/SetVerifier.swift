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
        var context = OperationContext(streamScope: set.stream.scope, author: author)
        for (index, op) in set.operations.enumerated() {
            try check(op, index: index, &context)
        }
    }

    /// Checks one operation against the schema and the author's scope (also used for local writes).
    public func checkOperation(
        _ op: RowOperation, index: Int, streamScope: Scope, author: OriginRecord
    )
        throws(SyncError)
    {
        var context = OperationContext(streamScope: streamScope, author: author)
        try check(op, index: index, &context)
    }

    /// What the checks of one set's operations share: the stream, the author, and the table of the previous
    /// operation (a set's operations mostly name one table in a run), looked up once per run.
    private struct OperationContext {
        let streamScope: Scope
        let author: OriginRecord
        /// The stream's county when it is a valid six-digit code: a row keyed under it passes the scope check.
        let validStreamCounty: String?
        var table: TableSchema?
        /// Whether the author's role may write `table`.
        var writable = false

        init(streamScope: Scope, author: OriginRecord) {
            self.streamScope = streamScope
            self.author = author
            if case .county(let code) = streamScope, code != "province", Scope(wireValue: code) != nil {
                validStreamCounty = code
            } else {
                validStreamCounty = nil
            }
        }
    }

    /// The checks of ``checkOperation(_:index:streamScope:author:)``, in its order and with its messages, which
    /// are built only when a check fails.
    private func check(_ op: RowOperation, index: Int, _ context: inout OperationContext) throws(SyncError) {
        var at: String { "operation \(index + 1)" }
        let table: TableSchema
        if let last = context.table, last.name == op.table {
            table = last
        } else {
            guard let found = catalog[op.table] else {
                throw SyncError(.schemaViolation, "\(at): unknown table \(Self.printable(op.table))")
            }
            table = found
            context.table = found
            context.writable = found.writers.contains(context.author.role)
        }
        guard context.writable else {
            throw SyncError(
                .tableNotWritable, "\(at): role \(context.author.role.rawValue) may not write \(table.name)")
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
        for (column, value) in zip(table.keyColumnDeclarations, op.key) {
            guard conforms(value, to: column, allowNull: false) else {
                throw SyncError(.schemaViolation, "\(at): key column \(column.name) has the wrong type")
            }
        }
        // Fields come sorted by name as `valueColumnsByName` is, so one forward pass pairs them; a name not found
        // ahead (a key or unknown column, or fields out of order) is looked up among all value columns.
        let sorted = table.valueColumnsByName
        var next = 0
        var previous = -1
        var present: UInt64 = 0
        for field in op.fields {
            var i = next
            while i < sorted.count, sorted[i].column.name != field.name { i += 1 }
            let position: Int
            if i < sorted.count {
                position = sorted[i].position
                next = i
            } else if let found = table.valueColumns.firstIndex(where: { $0.name == field.name }) {
                position = found
            } else {
                throw SyncError(
                    .schemaViolation, "\(at): \(table.name) has no value column \(Self.printable(field.name))")
            }
            guard position != previous else {
                throw SyncError(.schemaViolation, "\(at): column \(field.name) written twice")
            }
            previous = position
            if position < 64 { present |= 1 << UInt64(position) }
            let column = table.valueColumns[position]
            guard conforms(field.value, to: column, allowNull: column.optional) else {
                throw SyncError(.schemaViolation, "\(at): column \(field.name) has the wrong type")
            }
        }
        switch op.kind {
        case .insertFact:
            let required = table.requiredValueColumns
            if table.valueColumns.count <= 64, present & required == required { break }
            for (position, column) in table.valueColumns.enumerated() where !column.optional {
                let carried = position < 64 ? present & 1 << UInt64(position) != 0 : op.value(of: column.name) != nil
                guard carried else {
                    throw SyncError(.schemaViolation, "\(at): fact lacks required column \(column.name)")
                }
            }
        case .delete:
            guard op.fields.isEmpty else { throw SyncError(.schemaViolation, "\(at): a delete carries no fields") }
        case .upsert:
            guard !op.fields.isEmpty else {
                throw SyncError(.schemaViolation, "\(at): an upsert writes at least one field")
            }
        }
        guard let county = table.county(ofKey: op.key) else { return }
        if let valid = context.validStreamCounty, county == valid { return }
        guard county != "province", Scope(wireValue: county) != nil else {
            throw SyncError(.schemaViolation, "\(at): \(table.name) rows are keyed under a six-digit county code")
        }
        if case .county(let streamCounty) = context.streamScope, county != streamCounty {
            throw SyncError(.outsideCounty, "\(at): a row of another county in the stream of county \(streamCounty)")
        }
        if context.streamScope == .province {
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
        case (.text(let s), .text): return s.utf8.count <= 1 << 20 && !Self.containsNUL(s)
        default: return false
        }
    }

    /// Whether the text holds U+0000, scanned on its contiguous UTF-8 bytes (the view's generic iterator cost a
    /// tenth of the hub's apply; docs/BENCHMARKS.md).
    private static func containsNUL(_ s: String) -> Bool {
        // A plain loop: `contains(0)` on the buffer still compared through `Equatable`'s witness (2 % of the hub's
        // receive, docs/BENCHMARKS.md, "Fifth pass").
        s.utf8.withContiguousStorageIfAvailable { bytes in
            for byte in bytes where byte == 0 { return true }
            return false
        } ?? s.utf8.contains(0)
    }
}
