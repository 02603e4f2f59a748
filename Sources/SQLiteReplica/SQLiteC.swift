import Foundation
import GRDB
import GRDBSQLite
import SyncCore

/// Binding and reading values through SQLite's C API, for the statements the replica steps itself inside its own
/// write transaction (``RowWriter``): GRDB's per-execution bookkeeping and argument boxing cost more than the
/// statement's work there (docs/BENCHMARKS.md, "Network").
enum SQLiteC {
    /// Binds as GRDB binds a `DatabaseValue` of the same value (an empty text stays text, not null).
    static func bind(_ value: Value, _ s: SQLiteStatement, _ parameter: CInt) {
        switch value {
        case .null: sqlite3_bind_null(s, parameter)
        case .integer(let i): sqlite3_bind_int64(s, parameter, i)
        case .text(var text):
            text.withUTF8 { utf8 in
                if let base = utf8.baseAddress {
                    base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                        _ = sqlite3_bind_text(s, parameter, $0, CInt(utf8.count), transient)
                    }
                } else {
                    _ = sqlite3_bind_text(s, parameter, "", 0, transient)
                }
            }
        }
    }

    static func bindBlob(_ bytes: [UInt8], _ s: SQLiteStatement, _ parameter: CInt) {
        bytes.withUnsafeBytes {
            _ = sqlite3_bind_blob(s, parameter, $0.baseAddress, CInt($0.count), transient)
        }
    }

    /// Column `index` of the current row as a protocol value, as ``RowCodec/value(_:)`` maps a GRDB value.
    static func value(_ s: SQLiteStatement, _ index: CInt) -> Value {
        switch sqlite3_column_type(s, index) {
        case SQLITE_NULL: return .null
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(s, index))
        case SQLITE_FLOAT: return .integer(Int64(sqlite3_column_double(s, index)))
        case SQLITE_BLOB:
            return .text(String(decoding: blob(s, index) ?? [], as: UTF8.self))
        default:
            let count = Int(sqlite3_column_bytes(s, index))
            guard let text = sqlite3_column_text(s, index) else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        }
    }

    /// Column `index` of the current row as bytes; nil when it is NULL.
    static func blob(_ s: SQLiteStatement, _ index: CInt) -> [UInt8]? {
        guard sqlite3_column_type(s, index) != SQLITE_NULL else { return nil }
        let count = Int(sqlite3_column_bytes(s, index))
        guard count > 0, let base = sqlite3_column_blob(s, index) else { return [] }
        return Array(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Steps a statement that returns no row; resets it either way.
    static func run(_ db: Database, _ statement: Statement) throws {
        let s = statement.sqliteStatement
        let code = sqlite3_step(s)
        defer { sqlite3_reset(s) }
        guard code == SQLITE_DONE else { throw error(db, code, statement) }
    }

    /// The error of a failed step, as GRDB reports it.
    static func error(_ db: Database, _ code: CInt, _ statement: Statement) -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
            sql: statement.sql)
    }

    /// `SQLITE_TRANSIENT` (SQLite copies the value), which the C header defines as a macro Swift does not import.
    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

/// Memory that one statement execution's text and blob parameters are bound from with `SQLITE_STATIC`, so that
/// SQLite does not copy each value into a buffer of its own: with `SQLITE_TRANSIENT`, the allocations and copies of
/// a row's seven text values were a tenth of the hub's apply (docs/BENCHMARKS.md, "Seventh pass").
///
/// Use: ``begin()``, bind the row's values, step the statement, and only then begin the next row. A pointer bound
/// for one row stays valid until the next ``begin()`` (SQLite reads bound values only while stepping). A value
/// that does not fit in what is left is bound with `SQLITE_TRANSIENT` instead, and the next row gets room for it.
///
/// Not `Sendable`: one connection's statements use it, on that connection's thread.
final class StaticBindings {
    private var base: UnsafeMutableRawPointer
    private var capacity: Int
    private var used = 0
    /// The most a row asked for since the memory last grew.
    private var wanted = 0

    init(capacity: Int = 4_096) {
        self.capacity = capacity
        base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
    }

    deinit { base.deallocate() }

    /// Starts a row: the values bound for the previous one must not be read by SQLite again.
    func begin() {
        if wanted > capacity {
            base.deallocate()
            capacity = max(wanted, capacity) * 2
            base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        }
        used = 0
        wanted = 0
    }

    /// Binds as ``SQLiteC/bind(_:_:_:)`` does.
    func bind(_ value: Value, _ s: SQLiteStatement, _ parameter: CInt) {
        guard case .text(var text) = value else { return SQLiteC.bind(value, s, parameter) }
        text.withUTF8 { utf8 in
            guard let source = utf8.baseAddress, let target = reserve(utf8.count) else {
                return SQLiteC.bind(.text(String(decoding: utf8, as: UTF8.self)), s, parameter)
            }
            target.copyMemory(from: source, byteCount: utf8.count)
            _ = sqlite3_bind_text(s, parameter, target.assumingMemoryBound(to: CChar.self), CInt(utf8.count), nil)
        }
    }

    /// Binds as ``SQLiteC/bindBlob(_:_:_:)`` does.
    func bindBlob(_ bytes: [UInt8], _ s: SQLiteStatement, _ parameter: CInt) {
        bytes.withUnsafeBytes { source in
            guard let from = source.baseAddress, let target = reserve(source.count) else {
                return SQLiteC.bindBlob(bytes, s, parameter)
            }
            target.copyMemory(from: from, byteCount: source.count)
            _ = sqlite3_bind_blob(s, parameter, target, CInt(source.count), nil)
        }
    }

    /// `count` bytes of this row's memory, or nil when they do not fit (nor does an empty value need any).
    private func reserve(_ count: Int) -> UnsafeMutableRawPointer? {
        wanted += count
        guard count > 0, used + count <= capacity else { return nil }
        defer { used += count }
        return base + used
    }
}
