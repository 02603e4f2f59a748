import Foundation
import GRDB
import SyncCore

extension Replica {
    /// Applies local writes in one transaction, recording one operation per effective change.
    ///
    /// An upsert carries only the fields that differ from what the replica holds; a write that changes
    /// nothing records nothing. A fact that already exists unchanged is a
    /// no-op; one with the same key and different content is refused (facts are never edited).
    ///
    /// - Throws: ``ReplicaError`` for a write outside the node's scope (nothing is written), or for
    ///   conflicting facts under ``FactConflictPolicy/refuse``.
    @discardableResult
    public func write(
        _ writes: [LocalWrite], factConflicts: FactConflictPolicy = .refuse, progress: ((Int, Int) -> Void)? = nil
    ) throws(ReplicaError) -> WriteReport {
        try run { db in try applyLocalWrites(db, writes, factConflicts: factConflicts, progress: progress) }
    }

    /// The body of ``write(_:factConflicts:progress:)``, inside a caller's write transaction.
    func applyLocalWrites(
        _ db: Database, _ writes: [LocalWrite], factConflicts: FactConflictPolicy = .refuse,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> WriteReport {
        let verifier = SetVerifier(catalog: catalog)
        let author = identity.record
        let origin = identity.origin
        let wall = configuration.wallClock
        var clock = HybridClock(last: try Self.loadClock(db))
        var report = WriteReport()
        var conflicting = [Int]()
        let now = wall.nowMillis()
        let insertPending = try db.cachedStatement(
            sql: "INSERT INTO pending_ops (scope, op, created_at) VALUES (?, ?, ?)")
        let writer = RowWriter(tables: tables)
        // Rows are written in key order (KeyOrder), so that SQLite places them in order and the sets they are
        // sealed into arrive at the hub in the order it applies them. Writes of one row keep their order, and
        // `index` stays the caller's.
        let order = KeyOrder.order(writes, table: \.table, key: \.key) ?? Array(writes.indices)
        for (position, index) in order.enumerated() {
            let w = writes[index]
            if position % 1024 == 0 { progress?(position, writes.count) }
            guard let sql = tables[w.table] else {
                throw ReplicaError.scope(SyncError(.schemaViolation, "unknown table \(w.table)"))
            }
            let schema = sql.schema
            let scope = identity.streamScope(forRowCounty: schema.county(ofKey: w.key))
            if w.kind != .delete {
                // A row the replica has never seen is inserted in one statement with all the write's fields.
                let op = RowOperation(
                    kind: w.kind, hlc: clock.now(wallMillis: now), table: w.table, key: w.key, fields: w.fields)
                try Self.check(op, index: index, scope: scope, author: author, verifier: verifier)
                if try writer.insertIfAbsent(db, op, by: origin) {
                    try insertPending.execute(arguments: [scope.wireValue, Data(op.encoded), now])
                    report.written += 1
                    continue
                }
            }
            let current = try sql.load(db, key: w.key)
            guard let fields = Self.effectiveFields(w, schema: schema, current: current) else {
                if w.kind == .insertFact, current?.isLive == true,
                    !Self.sameFact(w.fields, current!)
                {
                    conflicting.append(index)
                } else {
                    report.unchanged += 1
                }
                continue
            }
            let op = RowOperation(
                kind: w.kind, hlc: clock.now(wallMillis: now), table: w.table, key: w.key, fields: fields)
            try Self.check(op, index: index, scope: scope, author: author, verifier: verifier)
            let outcome = MergeRules.apply(op, by: origin, to: current)
            try sql.store(db, key: w.key, state: outcome.row)
            try insertPending.execute(arguments: [scope.wireValue, Data(op.encoded), now])
            report.written += 1
        }
        conflicting.sort()
        if !conflicting.isEmpty, factConflicts == .refuse { throw ReplicaError.factConflict(conflicting) }
        report.skippedFacts = conflicting
        try Self.saveClock(db, clock.last)
        return report
    }

    /// The fields an operation must carry, or `nil` when the write changes nothing.
    /// Checks a local write's operation, as a ``ReplicaError`` naming the reason.
    private static func check(
        _ op: RowOperation, index: Int, scope: Scope, author: OriginRecord, verifier: SetVerifier
    ) throws(ReplicaError) {
        do {
            try verifier.checkOperation(op, index: index, streamScope: scope, author: author)
        } catch {
            throw .scope(error)
        }
    }

    static func effectiveFields(_ w: LocalWrite, schema: TableSchema, current: RowState?) -> [RowOperation.Field]? {
        let live = current?.isLive == true
        switch w.kind {
        case .insertFact:
            return live ? nil : w.fields
        case .delete:
            return live ? [] : nil
        case .upsert:
            guard live, let current else { return w.fields }
            let changed = w.fields.filter { current.fields[$0.name]?.value != $0.value }
            return changed.isEmpty ? nil : changed
        }
    }

    static func sameFact(_ fields: [RowOperation.Field], _ row: RowState) -> Bool {
        Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0.value) }) == row.fields.mapValues(\.value)
    }

    static func loadClock(_ db: Database) throws -> HybridTimestamp {
        let text = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'hlc'") ?? "0"
        return HybridTimestamp(rawValue: UInt64(text) ?? 0)
    }

    static func saveClock(_ db: Database, _ t: HybridTimestamp) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('hlc', ?)", arguments: [String(t.rawValue)])
    }
}
