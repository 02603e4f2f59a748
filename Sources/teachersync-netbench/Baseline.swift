import BenchSupport
import Foundation
import GRDB

/// The denominator of every ratio: raw SQLite inserts on a fresh file, configured as the replica configures its
/// database (WAL, `synchronous=FULL`), in one transaction with one prepared statement, into a table whose key is
/// text with an index (`record_id TEXT PRIMARY KEY` on a rowid table, so SQLite keeps a unique index on it).
/// The rows are the study records of the delta itself. Commit (fsync) included in the time.
enum Baseline {
    static let ddl = """
        CREATE TABLE t (record_id TEXT NOT NULL PRIMARY KEY, id_type TEXT, id_number TEXT,
            county_code TEXT, activity_code TEXT, minutes INTEGER, recorded_at TEXT, source TEXT)
        """
    static let insert = """
        INSERT INTO t (record_id, id_type, id_number, county_code, activity_code, minutes, recorded_at, source)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// One row: the seven text columns in `insert` order without `minutes`, and `minutes`.
    struct Row: Sendable {
        let text: [String]
        let minutes: Int
    }

    static func remove(_ url: URL) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: url.path + suffix) }
    }

    /// Rows per second of one run on a fresh file.
    static func insertRate(_ path: URL, rows: [Row]) throws -> Double {
        let seconds: Double
        do {
            let pool = try durablePool(path)
            try pool.write { db in try db.execute(sql: ddl) }
            seconds = try measure {
                try pool.write { db in
                    let st = try db.makeStatement(sql: insert)
                    for r in rows {
                        let t = r.text
                        try st.execute(arguments: [t[0], t[1], t[2], t[3], t[4], r.minutes, t[5], t[6]])
                    }
                }
            }.seconds
            let count = try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") ?? 0 }
            try require(count == rows.count, "raw baseline wrote \(count) of \(rows.count) rows")
        }
        remove(path)
        return Double(rows.count) / seconds
    }

    /// The median of three runs, each on a fresh file.
    static func median3(_ dir: URL, _ name: String, rows: [Row]) throws -> Double {
        var rates = [Double]()
        for i in 1...3 { rates.append(try insertRate(dir.appendingPathComponent("\(name)-\(i).sqlite"), rows: rows)) }
        return rates.sorted()[1]
    }
}
