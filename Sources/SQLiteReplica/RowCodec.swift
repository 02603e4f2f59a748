import Foundation
import GRDB
import GRDBSQLite
import SyncCore

/// Maps protocol values and write stamps to SQLite storage and back.
enum RowCodec {
    static func databaseValue(_ v: Value) -> DatabaseValue {
        switch v {
        case .null: return .null
        case .integer(let i): return i.databaseValue
        case .text(let s): return s.databaseValue
        }
    }

    static func value(_ dbValue: DatabaseValue) -> Value {
        switch dbValue.storage {
        case .null: return .null
        case .int64(let i): return .integer(i)
        case .string(let s): return .text(s)
        case .double(let d): return .integer(Int64(d))
        case .blob(let b): return .text(String(decoding: b, as: UTF8.self))
        }
    }

    /// The first byte of the compact form of `_stamps` (the full form starts with a presence byte, 0 or 1).
    static let compactStamps: UInt8 = 2

    /// Stamps of a row's value columns, in one of two forms:
    ///
    /// - full: per value column in declared order, a presence byte then `u64 hlc ‖ origin` (25 bytes a column);
    /// - compact, when every present column carries one stamp (a row one operation made, as almost every fact
    ///   is) and that is shorter: `2 ‖ u64 presence mask (bit i: value column i) ‖ u64 hlc ‖ origin`, 33 bytes.
    ///
    /// The compact form took study records from 150 bytes of stamps to 33 (docs/BENCHMARKS.md, "Third pass").
    /// Releases before it cannot read it; the store refuses to be opened by a release that does not know all
    /// of its migrations (``ReplicaSchema``).
    static func encodeStamps(_ row: RowState, schema: TableSchema) -> Data {
        var present: UInt64 = 0
        var shared: WriteStamp?
        var uniform = true
        for (position, column) in schema.valueColumns.enumerated() {
            guard let f = row.fields[column.name] else { continue }
            present |= 1 << UInt64(position)
            if shared == nil { shared = f.stamp } else if shared != f.stamp { uniform = false }
        }
        if uniform, let shared, schema.valueColumns.count <= 64 {
            var bytes = [UInt8]()
            if appendCompactStamps(present: present, columns: schema.valueColumns.count, stamp: shared, to: &bytes) {
                return Data(bytes)
            }
        }
        var w = ByteWriter(capacity: schema.valueColumns.count * 25)
        for column in schema.valueColumns {
            if let f = row.fields[column.name] {
                w.u8(1)
                w.u64(f.stamp.hlc.rawValue)
                w.raw(f.stamp.origin.bytes)
            } else {
                w.u8(0)
            }
        }
        return Data(w.bytes)
    }

    /// Appends the compact form for `present` columns of `columns` sharing `stamp`, when it is shorter than the
    /// full form; returns whether it did.
    static func appendCompactStamps(present: UInt64, columns: Int, stamp: WriteStamp, to bytes: inout [UInt8]) -> Bool {
        guard 33 < columns + 24 * present.nonzeroBitCount else { return false }
        bytes.append(compactStamps)
        withUnsafeBytes(of: present.bigEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: stamp.hlc.rawValue.bigEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: stamp.origin.bytes)
        return true
    }

    static func encodeStamp(_ stamp: WriteStamp?) -> Data? {
        guard let stamp else { return nil }
        var w = ByteWriter(capacity: 24)
        w.u64(stamp.hlc.rawValue)
        w.raw(stamp.origin.bytes)
        return Data(w.bytes)
    }

    static func decodeStamp(_ r: inout ByteReader) throws(SyncError) -> WriteStamp {
        let hlc = HybridTimestamp(rawValue: try r.u64())
        guard let origin = OriginID(bytes: try r.raw(OriginID.byteCount)) else {
            throw SyncError(.malformed, "bad stamp")
        }
        return WriteStamp(hlc: hlc, origin: origin)
    }

    /// Rebuilds a row's state from its stored columns, selected as `TableSQL.select` lists them: value
    /// columns in declared order, then `_stamps` and `_tomb`.
    static func rowState(_ row: Row, schema: TableSchema) throws -> RowState {
        let count = schema.valueColumns.count
        let stamps: Data = row[count]
        let tomb: Data? = row[count + 1]
        return try rowState(
            value: { value(row[$0] as DatabaseValue) }, stamps: Array(stamps), tomb: tomb.map { Array($0) },
            schema: schema)
    }

    /// Rebuilds a row's state from its value columns (`value(i)`: value column `i` in declared order), its
    /// `_stamps` and its `_tomb`. Only the columns that carry a stamp are read.
    static func rowState(
        value: (Int) -> Value, stamps stampBytes: [UInt8], tomb: [UInt8]?, schema: TableSchema
    ) throws -> RowState {
        var r = ByteReader(stampBytes)
        var state = RowState()
        state.fields.reserveCapacity(schema.valueColumns.count)
        if stampBytes.first == compactStamps {
            _ = try r.u8()
            let present = try r.u64()
            let stamp = try decodeStamp(&r)
            for (index, column) in schema.valueColumns.enumerated() where present & (1 << UInt64(index)) != 0 {
                state.fields[column.name] = .init(value(index), stamp)
            }
        } else {
            for (index, column) in schema.valueColumns.enumerated() {
                if try r.u8() == 1 {
                    let stamp = try decodeStamp(&r)
                    state.fields[column.name] = .init(value(index), stamp)
                }
            }
        }
        if let tomb {
            var tr = ByteReader(tomb)
            state.tombstone = try decodeStamp(&tr)
        }
        return state
    }
}

/// Prepared SQL for one synced table, derived from its declaration.
struct TableSQL: Sendable {
    let schema: TableSchema
    let select: String
    let upsert: String
    let insertIfAbsent: String
    /// Rewrites a held row's value columns and merge metadata, by key: value columns in declared order, then
    /// `_stamps`, `_tomb`, `_live`, then the key columns.
    let update: String
    /// For each declared column, where its value comes from: a key position or a value column name.
    private let sources: [Source]

    private enum Source: Sendable {
        case key(Int)
        case field(String)
    }

    init(_ schema: TableSchema) {
        self.schema = schema
        sources = schema.columns.map { c in
            schema.keyColumns.firstIndex(of: c.name).map(Source.key) ?? .field(c.name)
        }
        let keyWhere = schema.keyColumns.map { "\($0) = ?" }.joined(separator: " AND ")
        let valueNames = schema.valueColumns.map(\.name) + ["_stamps", "_tomb"]
        select = "SELECT \(valueNames.joined(separator: ", ")) FROM \(schema.name) WHERE \(keyWhere)"
        let sets = (valueNames + ["_live"]).map { "\($0) = ?" }.joined(separator: ", ")
        update = "UPDATE \(schema.name) SET \(sets) WHERE \(keyWhere)"
        let all = schema.columns.map(\.name) + ["_stamps", "_tomb", "_live"]
        let updates = all.filter { !schema.keyColumns.contains($0) }.map { "\($0) = excluded.\($0)" }
        let insert = """
            INSERT INTO \(schema.name) (\(all.joined(separator: ", "))) \
            VALUES (\(all.map { _ in "?" }.joined(separator: ", "))) \
            ON CONFLICT(\(schema.keyColumns.joined(separator: ", "))) DO
            """
        upsert = insert + " UPDATE SET " + updates.joined(separator: ", ")
        insertIfAbsent = insert + " NOTHING"
    }

    /// The CREATE TABLE statement: declared columns plus the merge metadata.
    var createTable: String {
        let cols = schema.columns.map { c in
            "\(c.name) \(c.type == .integer ? "INTEGER" : "TEXT")"
                + (schema.keyColumns.contains(c.name) ? " NOT NULL" : "")
        }
        let meta = ["_stamps BLOB NOT NULL", "_tomb BLOB", "_live INTEGER NOT NULL"]
        return "CREATE TABLE \(schema.name) (\((cols + meta).joined(separator: ", ")), "
            + "PRIMARY KEY (\(schema.keyColumns.joined(separator: ", "))))"
    }

    func load(_ db: Database, key: [Value]) throws -> RowState? {
        let stmt = try db.cachedStatement(sql: select)
        guard let row = try Row.fetchOne(stmt, arguments: Self.arguments(key.map(RowCodec.databaseValue))) else {
            return nil
        }
        return try RowCodec.rowState(row, schema: schema)
    }

    func store(_ db: Database, key: [Value], state: RowState) throws {
        try db.cachedStatement(sql: upsert).execute(arguments: arguments(key: key, state: state))
    }

    private func arguments(key: [Value], state: RowState) -> StatementArguments {
        var args = [DatabaseValue]()
        args.reserveCapacity(schema.columns.count + 3)
        for source in sources {
            switch source {
            case .key(let i): args.append(RowCodec.databaseValue(key[i]))
            case .field(let name): args.append(state.fields[name].map { RowCodec.databaseValue($0.value) } ?? .null)
            }
        }
        args.append(RowCodec.encodeStamps(state, schema: schema).databaseValue)
        args.append(RowCodec.encodeStamp(state.tombstone)?.databaseValue ?? .null)
        args.append((state.isLive ? 1 : 0).databaseValue)
        return Self.arguments(args)
    }

    /// Statement arguments built from existentials: GRDB's generic initialiser costs several microseconds
    /// a row more (docs/BENCHMARKS.md).
    static func arguments(_ values: [DatabaseValue]) -> StatementArguments {
        StatementArguments(values.map { $0 as (any DatabaseValueConvertible)? })
    }
}

/// Writes operations into their tables within one transaction.
///
/// A row the replica has never seen (most of a night's delta: new study records) is inserted with one
/// prepared `INSERT … ON CONFLICT DO NOTHING` per table, its values bound through SQLite's C API straight from
/// the operation, with no `RowState` or statement-argument arrays built on the way. Only when the key is
/// already held is the row loaded and merged (`MergeRules`). The row stored is the same either way: the one
/// `MergeRules.apply(op, by:to: nil)` yields (docs/BENCHMARKS.md, "Network").
///
/// Not `Sendable`: it holds statements of one connection. Make one inside a write transaction and drop it there.
final class RowWriter {
    private let tables: [String: TableSQL]
    private var inserts: [String: Insert] = [:]
    /// The last table written, since a set's operations mostly name one table in a run.
    private var last: Insert?
    /// The `_stamps` value being built, reused from row to row.
    private var stamps: [UInt8] = []
    /// What the inserts bind their text and blobs from.
    private let bindings = StaticBindings()

    init(tables: [String: TableSQL]) { self.tables = tables }

    /// Applies `op`, authored by `origin`, to its row; returns the conflicts detected.
    ///
    /// - Throws: `schema.violation` for a table the replica does not have; database errors as they come.
    ///
    /// An upsert mostly changes a row already held (a teacher's new stage), so it looks the row up first; other
    /// kinds mostly create one (a new study record), so they try the insert first. Either way a held row is
    /// loaded, merged (`MergeRules`) and written back through SQLite's C API.
    func merge(_ db: Database, _ op: RowOperation, by origin: OriginID) throws -> [FieldConflict] {
        let insert = try prepared(db, op.table)
        var row = op.kind == .upsert ? try insert.held(db).load(key: op.key) : nil
        if row == nil {
            if try insert.run(
                db, op, stamp: WriteStamp(hlc: op.hlc, origin: origin), stamps: &stamps, bindings: bindings)
            {
                return []
            }
            row = try insert.held(db).load(key: op.key)
        }
        guard let row else { throw SyncError(.storeFailure, "a row neither inserted nor held") }
        return try insert.held(db).merge(op, by: origin, into: row)
    }

    /// Inserts the row `op` creates on a replica that has never seen it, unless a row with its key is held;
    /// returns whether it did. The caller has checked the operation against the schema.
    func insertIfAbsent(_ db: Database, _ op: RowOperation, by origin: OriginID) throws -> Bool {
        try prepared(db, op.table).run(
            db, op, stamp: WriteStamp(hlc: op.hlc, origin: origin), stamps: &stamps, bindings: bindings)
    }

    private func prepared(_ db: Database, _ name: String) throws -> Insert {
        if let last, last.name == name { return last }
        let insert: Insert
        if let held = inserts[name] {
            insert = held
        } else {
            guard let table = tables[name] else { throw SyncError(.schemaViolation, "unknown table") }
            insert = try Insert(db, name: name, table)
            inserts[name] = insert
        }
        last = insert
        return insert
    }

    /// One table's `insertIfAbsent` statement and where each value of an operation is bound.
    private final class Insert {
        let name: String
        let table: TableSQL
        let statement: Statement
        /// The parameter of each key column, by key position.
        let keyParameters: [CInt]
        /// The value columns sorted by name as operations sort their fields (UTF-8 order): name, parameter,
        /// and position among the value columns (the order of `_stamps`).
        let valueColumns: [(name: String, parameter: CInt, position: Int)]
        let valueColumnCount: Int
        let stampsParameter: CInt
        let tombParameter: CInt
        let liveParameter: CInt
        /// The statements for rows already held, prepared when first needed.
        private var heldRows: HeldRows?

        func held(_ db: Database) throws -> HeldRows {
            if let heldRows { return heldRows }
            let made = try HeldRows(db, table)
            heldRows = made
            return made
        }

        init(_ db: Database, name: String, _ table: TableSQL) throws {
            let schema = table.schema
            precondition(
                !schema.valueColumns.isEmpty && schema.valueColumns.count <= 64, "a table has 1 to 64 value columns")
            self.name = name
            self.table = table
            statement = try db.makeStatement(sql: table.insertIfAbsent)
            let names = schema.columns.map(\.name)
            keyParameters = schema.keyColumns.map { CInt(names.firstIndex(of: $0)! + 1) }
            valueColumns = schema.valueColumns.enumerated().map { position, column in
                (column.name, CInt(names.firstIndex(of: column.name)! + 1), position)
            }.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
            valueColumnCount = schema.valueColumns.count
            stampsParameter = CInt(names.count + 1)
            tombParameter = CInt(names.count + 2)
            liveParameter = CInt(names.count + 3)
            // Values are bound one by one below; GRDB then only resets and steps the statement.
            statement.setUncheckedArguments(
                StatementArguments(Array(repeating: nil as (any DatabaseValueConvertible)?, count: names.count + 3)))
        }

        /// Binds the row `MergeRules.apply(op, by: stamp.origin, to: nil)` yields and runs the insert.
        func run(
            _ db: Database, _ op: RowOperation, stamp: WriteStamp, stamps: inout [UInt8], bindings: StaticBindings
        ) throws -> Bool {
            let s = statement.sqliteStatement
            sqlite3_reset(s)
            bindings.begin()
            for (position, parameter) in keyParameters.enumerated() { bindings.bind(op.key[position], s, parameter) }
            // A delete leaves no field (only its tombstone); other kinds set every field they carry. Fields and
            // `valueColumns` are both in UTF-8 order, so one pass pairs them.
            var present: UInt64 = 0
            if op.kind != .delete {
                var next = 0
                for field in op.fields {
                    var i = next
                    while i < valueColumns.count, valueColumns[i].name != field.name { i += 1 }
                    // A field the table does not have is not stored (the scope check refuses it before).
                    guard i < valueColumns.count else { continue }
                    bindings.bind(field.value, s, valueColumns[i].parameter)
                    present |= 1 << UInt64(valueColumns[i].position)
                    next = i + 1
                }
            }
            for column in valueColumns where present & (1 << UInt64(column.position)) == 0 {
                sqlite3_bind_null(s, column.parameter)
            }
            stamps.removeAll(keepingCapacity: true)
            if !RowCodec.appendCompactStamps(present: present, columns: valueColumnCount, stamp: stamp, to: &stamps) {
                for position in 0..<valueColumnCount {
                    if present & (1 << UInt64(position)) == 0 {
                        stamps.append(0)
                    } else {
                        stamps.append(1)
                        Self.append(stamp, to: &stamps)
                    }
                }
            }
            bindings.bindBlob(stamps, s, stampsParameter)
            if op.kind == .delete {
                var tomb = [UInt8]()
                tomb.reserveCapacity(24)
                Self.append(stamp, to: &tomb)
                SQLiteC.bindBlob(tomb, s, tombParameter)
            } else {
                sqlite3_bind_null(s, tombParameter)
            }
            sqlite3_bind_int64(s, liveParameter, op.kind != .delete && !op.fields.isEmpty ? 1 : 0)
            // Stepped through the C API: GRDB's per-execution bookkeeping (observation, suspension, read-only
            // checks) was a third of the insert's cost, and none of it applies inside the replica's own write
            // transaction, which has no observers.
            try SQLiteC.run(db, statement)
            return sqlite3_changes(db.sqliteConnection) == 1
        }

        /// `u64 hlc ‖ origin`, as `RowCodec.encodeStamp` writes it.
        private static func append(_ stamp: WriteStamp, to bytes: inout [UInt8]) {
            var hlc = stamp.hlc.rawValue.bigEndian
            withUnsafeBytes(of: &hlc) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: stamp.origin.bytes)
        }
    }
}

/// The statements of one table for a row the replica already holds: load it by key into a ``RowState``, and
/// write back what `MergeRules` made of it, both stepped through SQLite's C API. The row stored is the one
/// ``TableSQL/store(_:key:state:)`` stores.
final class HeldRows {
    private let table: TableSQL
    private let db: Database
    private let select: Statement
    private let update: Statement
    private let valueCount: Int
    /// What both statements bind their text and blobs from; each binds all its parameters before it steps.
    private let bindings = StaticBindings()

    init(_ db: Database, _ table: TableSQL) throws {
        self.db = db
        self.table = table
        select = try db.makeStatement(sql: table.select)
        update = try db.makeStatement(sql: table.update)
        valueCount = table.schema.valueColumns.count
    }

    /// The held row with `key`, or nil.
    func load(key: [Value]) throws -> RowState? {
        let s = select.sqliteStatement
        sqlite3_reset(s)
        defer { sqlite3_reset(s) }
        bindings.begin()
        for (i, v) in key.enumerated() { bindings.bind(v, s, CInt(i + 1)) }
        let code = sqlite3_step(s)
        if code == SQLITE_DONE { return nil }
        guard code == SQLITE_ROW else { throw SQLiteC.error(db, code, select) }
        let count = CInt(valueCount)
        return try RowCodec.rowState(
            value: { SQLiteC.value(s, CInt($0)) }, stamps: SQLiteC.blob(s, count) ?? [],
            tomb: SQLiteC.blob(s, count + 1), schema: table.schema)
    }

    /// Merges `op`, authored by `origin`, into the held `row` and writes it back when it changed; returns the
    /// conflicts detected.
    func merge(_ op: RowOperation, by origin: OriginID, into row: RowState) throws -> [FieldConflict] {
        let outcome = MergeRules.apply(op, by: origin, to: row)
        if outcome.changed { try store(key: op.key, state: outcome.row) }
        return outcome.conflicts
    }

    private func store(key: [Value], state: RowState) throws {
        let s = update.sqliteStatement
        sqlite3_reset(s)
        bindings.begin()
        var parameter: CInt = 1
        for column in table.schema.valueColumns {
            bindings.bind(state.fields[column.name]?.value ?? .null, s, parameter)
            parameter += 1
        }
        bindings.bindBlob(Array(RowCodec.encodeStamps(state, schema: table.schema)), s, parameter)
        if let tomb = RowCodec.encodeStamp(state.tombstone) {
            bindings.bindBlob(Array(tomb), s, parameter + 1)
        } else {
            sqlite3_bind_null(s, parameter + 1)
        }
        sqlite3_bind_int64(s, parameter + 2, state.isLive ? 1 : 0)
        parameter += 3
        for v in key {
            bindings.bind(v, s, parameter)
            parameter += 1
        }
        try SQLiteC.run(db, update)
        guard sqlite3_changes(db.sqliteConnection) == 1 else {
            throw SyncError(.storeFailure, "a held row was not found again to write back")
        }
    }
}
