import Foundation
import GRDB
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

    /// Stamps of a row's value columns: per column in declared order, a presence byte then `u64 hlc ‖ origin`.
    static func encodeStamps(_ row: RowState, schema: TableSchema) -> Data {
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
        let stampBytes: Data = row[count]
        var r = ByteReader(Array(stampBytes))
        var state = RowState()
        state.fields.reserveCapacity(count)
        for (index, column) in schema.valueColumns.enumerated() {
            if try r.u8() == 1 {
                let stamp = try decodeStamp(&r)
                state.fields[column.name] = .init(value(row[index] as DatabaseValue), stamp)
            }
        }
        if let tomb: Data = row[count + 1] {
            var tr = ByteReader(Array(tomb))
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

    /// Inserts the row if the replica has none with this key; returns whether it did.
    func insert(_ db: Database, key: [Value], state: RowState) throws -> Bool {
        try db.cachedStatement(sql: insertIfAbsent).execute(arguments: arguments(key: key, state: state))
        return db.changesCount == 1
    }

    /// Merges an operation into its row: a row the replica has never seen is inserted in one statement;
    /// otherwise the row is loaded, merged and written back if it changed.
    func merge(_ db: Database, _ op: RowOperation, by origin: OriginID) throws -> MergeRules.Outcome {
        let fresh = MergeRules.apply(op, by: origin, to: nil)
        if try insert(db, key: op.key, state: fresh.row) { return fresh }
        let outcome = MergeRules.apply(op, by: origin, to: try load(db, key: op.key))
        if outcome.changed { try store(db, key: op.key, state: outcome.row) }
        return outcome
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
