import BenchSupport
import Foundation
import GRDB
import GRDBSQLite

/// Raw SQLite inserts on fresh files, configured as the replica configures its database (WAL,
/// `synchronous=FULL`): one transaction, one prepared statement, commit included in the time.
enum Baselines {
    static let teachersDDL = """
        CREATE TABLE t (id_type TEXT NOT NULL, id_number TEXT NOT NULL, name TEXT, gender TEXT, school_code TEXT,
            county_code TEXT, stage TEXT, subject TEXT, dev_stage TEXT, PRIMARY KEY (id_type, id_number))
        """
    static let teachersInsert = """
        INSERT INTO t (id_type, id_number, name, gender, school_code, county_code, stage, subject, dev_stage)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// `n` rows of `(id INTEGER PRIMARY KEY, v INTEGER)` through GRDB.
    static func grdbSimple(_ path: URL, n: Int) throws -> Double {
        let pool = try durablePool(path)
        try pool.write { db in try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)") }
        return try measure {
            try pool.write { db in
                let st = try db.makeStatement(sql: "INSERT INTO t (id, v) VALUES (?, ?)")
                for i in 0..<n { try st.execute(arguments: [i, i &* 7919]) }
            }
        }.seconds
    }

    /// Statement arguments built from existentials (`init(_: some Sequence<(any DatabaseValueConvertible)?>)`,
    /// the initialiser array literals use).
    static func arguments(_ r: [String]) -> StatementArguments {
        StatementArguments(r.map { $0 as (any DatabaseValueConvertible)? })
    }

    /// The same for database values.
    static func arguments(_ r: [DatabaseValue]) -> StatementArguments {
        StatementArguments(r.map { $0 as (any DatabaseValueConvertible)? })
    }

    /// `n` rows shaped like `teachers` (text key of two columns, seven text columns) through GRDB.
    ///
    /// With `genericArguments`, each row's arguments are built with `StatementArguments(_: some Sequence<some
    /// DatabaseValueConvertible>)`, the initialiser `TableSQL.load` and `TableSQL.store` use, which GRDB does not
    /// specialise: it maps `\.databaseValue` and so instantiates a key path at run time on every call.
    static func grdbTeachers(_ path: URL, rows: [[String]], genericArguments: Bool = false) throws -> Double {
        let pool = try durablePool(path)
        try pool.write { db in try db.execute(sql: teachersDDL) }
        return try measure {
            try pool.write { db in
                let st = try db.makeStatement(sql: teachersInsert)
                if genericArguments {
                    for r in rows { try st.execute(arguments: StatementArguments(r)) }
                } else {
                    for r in rows { try st.execute(arguments: arguments(r)) }
                }
            }
        }.seconds
    }

    /// Plain inserts into the `teachers` table exactly as a replica creates it (its DDL and indexes read
    /// from a replica's file), with the merge metadata columns filled in.
    static func grdbStoredInsert(_ path: URL, table: StoredTable, rows: [[DatabaseValue]]) throws -> Double {
        let pool = try durablePool(path)
        try pool.write { db in for sql in table.ddl { try db.execute(sql: sql) } }
        return try measure {
            try pool.write { db in
                let st = try db.makeStatement(
                    sql: "INSERT INTO \(table.name) (\(table.columns.joined(separator: ", "))) "
                        + "VALUES (\(table.columns.map { _ in "?" }.joined(separator: ", ")))")
                for r in rows {
                    try st.execute(arguments: arguments(r))
                }
            }
        }.seconds
    }

    /// The SQL a local write of a new row runs, without any of the replica's Swift logic: per row a SELECT
    /// by key (a miss), the replica's `INSERT … ON CONFLICT DO UPDATE` and an insert into the operation log.
    /// Tables and indexes are created from the DDL read from a replica's file.
    ///
    /// With `genericArguments`, arguments are built as `TableSQL.load` and `TableSQL.store` build them:
    /// `StatementArguments(_:)` from `[DatabaseValue]`, GRDB's generic initialiser.
    static func grdbWriteSQLOnly(
        _ path: URL, table: StoredTable, pendingDDL: String, rows: [[DatabaseValue]], ops: [Data],
        genericArguments: Bool = false
    ) throws -> Double {
        let pool = try durablePool(path)
        try pool.write { db in
            for sql in table.ddl { try db.execute(sql: sql) }
            try db.execute(sql: pendingDDL)
        }
        let updates = table.columns.filter { !table.keyColumns.contains($0) }.map { "\($0) = excluded.\($0)" }
        let upsert = """
            INSERT INTO \(table.name) (\(table.columns.joined(separator: ", "))) \
            VALUES (\(table.columns.map { _ in "?" }.joined(separator: ", "))) \
            ON CONFLICT(\(table.keyColumns.joined(separator: ", "))) DO UPDATE SET \(updates.joined(separator: ", "))
            """
        let keyWhere = table.keyColumns.map { "\($0) = ?" }.joined(separator: " AND ")
        let keyIndexes = table.keyColumns.map { table.columns.firstIndex(of: $0)! }
        let scopeIndex = table.columns.firstIndex(of: "county_code")!
        return try measure {
            try pool.write { db in
                let select = try db.makeStatement(sql: "SELECT * FROM \(table.name) WHERE \(keyWhere)")
                let store = try db.makeStatement(sql: upsert)
                let log = try db.makeStatement(sql: "INSERT INTO pending_ops (scope, op, created_at) VALUES (?, ?, ?)")
                for (i, r) in rows.enumerated() {
                    let keyValues = keyIndexes.map { r[$0] }
                    let key = genericArguments ? StatementArguments(keyValues) : arguments(keyValues)
                    if try Row.fetchOne(select, arguments: key) != nil { fatalError("unexpected row") }
                    try store.execute(arguments: genericArguments ? StatementArguments(r) : arguments(r))
                    try log.execute(arguments: [r[scopeIndex], ops[i], 1_567_296_000_000])
                }
            }
        }.seconds
    }

    /// `n` rows shaped like `study_records` (text key, six text columns, one integer) through GRDB.
    static func grdbStudyRecords(_ path: URL, rows: [[String]], minutes: [Int]) throws -> Double {
        let pool = try durablePool(path)
        try pool.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE t (record_id TEXT NOT NULL PRIMARY KEY, id_type TEXT, id_number TEXT,
                        county_code TEXT, activity_code TEXT, minutes INTEGER, recorded_at TEXT, source TEXT)
                    """)
        }
        return try measure {
            try pool.write { db in
                let st = try db.makeStatement(
                    sql: """
                        INSERT INTO t (record_id, id_type, id_number, county_code, activity_code, minutes,
                            recorded_at, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """)
                for (i, r) in rows.enumerated() {
                    try st.execute(arguments: [r[0], r[1], r[2], r[3], r[4], minutes[i], r[5], r[6]])
                }
            }
        }.seconds
    }

    // MARK: - The C API

    /// `n` rows of `(id INTEGER PRIMARY KEY, v INTEGER)` through the C API.
    static func cSimple(_ path: URL, n: Int) throws -> Double {
        let db = try CDatabase(path)
        defer { db.close() }
        try db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)")
        return try measure {
            try db.exec("BEGIN IMMEDIATE")
            let st = try db.prepare("INSERT INTO t (id, v) VALUES (?, ?)")
            defer { sqlite3_finalize(st) }
            for i in 0..<n {
                sqlite3_bind_int64(st, 1, Int64(i))
                sqlite3_bind_int64(st, 2, Int64(i &* 7919))
                try db.step(st)
            }
            try db.exec("COMMIT")
        }.seconds
    }

    /// `n` rows shaped like `teachers` through the C API.
    static func cTeachers(_ path: URL, rows: [[String]]) throws -> Double {
        let db = try CDatabase(path)
        defer { db.close() }
        try db.exec(teachersDDL)
        return try measure {
            try db.exec("BEGIN IMMEDIATE")
            let st = try db.prepare(teachersInsert)
            defer { sqlite3_finalize(st) }
            for r in rows {
                for (i, value) in r.enumerated() {
                    sqlite3_bind_text(st, Int32(i + 1), value, -1, sqliteTransient)
                }
                try db.step(st)
            }
            try db.exec("COMMIT")
        }.seconds
    }
}

/// A synced table as a replica created it: its DDL (table and indexes) and columns, read from the file.
struct StoredTable {
    let name: String
    let ddl: [String]
    /// Every column in declared order, merge metadata included.
    let columns: [String]
    /// The primary-key columns in key order.
    let keyColumns: [String]

    /// Reads table `name` (and its explicit indexes) from a replica's database.
    static func read(_ db: Database, name: String) throws -> StoredTable {
        let ddl = try String.fetchAll(
            db, sql: "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL ORDER BY type DESC",
            arguments: [name])
        let info = try Row.fetchAll(
            db, sql: "SELECT name, pk FROM pragma_table_info(?) ORDER BY cid", arguments: [name])
        let columns = info.map { $0["name"] as String }
        let keyColumns = info.filter { ($0["pk"] as Int) > 0 }.sorted { ($0["pk"] as Int) < ($1["pk"] as Int) }
            .map { $0["name"] as String }
        return StoredTable(name: name, ddl: ddl, columns: columns, keyColumns: keyColumns)
    }
}

/// `SQLITE_TRANSIENT`, which the C header defines as a macro Swift does not import.
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

struct CError: Error, CustomStringConvertible {
    let description: String
}

/// A bare `sqlite3*` opened in WAL mode with `synchronous=FULL`.
final class CDatabase {
    let handle: OpaquePointer

    init(_ path: URL) throws {
        var h: OpaquePointer?
        guard sqlite3_open_v2(path.path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK, let h
        else { throw CError(description: "cannot open \(path.path)") }
        handle = h
        try exec("PRAGMA journal_mode = WAL")
        try exec("PRAGMA synchronous = FULL")
    }

    func close() { sqlite3_close_v2(handle) }

    func exec(_ sql: String) throws {
        // journal_mode returns a row; sqlite3_exec ignores it.
        guard sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else {
            throw CError(description: String(cString: sqlite3_errmsg(handle)))
        }
    }

    func prepare(_ sql: String) throws -> OpaquePointer {
        var st: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &st, nil) == SQLITE_OK, let st else {
            throw CError(description: String(cString: sqlite3_errmsg(handle)))
        }
        return st
    }

    func step(_ st: OpaquePointer) throws {
        guard sqlite3_step(st) == SQLITE_DONE else {
            throw CError(description: String(cString: sqlite3_errmsg(handle)))
        }
        sqlite3_reset(st)
    }
}
