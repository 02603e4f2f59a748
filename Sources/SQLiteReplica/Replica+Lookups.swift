import GRDB
import SyncCore

extension Replica {
    /// Every visible school's county, by school code (for validating imports from memory).
    public func schoolCounties() throws(ReplicaError) -> [String: String] {
        try runRead { db in
            var out = [String: String]()
            let rows = try Row.fetchCursor(
                db, sql: "SELECT school_code, county_code FROM schools WHERE _live = 1 ORDER BY county_code")
            while let row = try rows.next() { out[row[0]] = row[1] }
            return out
        }
    }

    /// Every visible teacher's county, keyed by `id_type` and `id_number` joined with a space.
    public func teacherCounties() throws(ReplicaError) -> [String: String] {
        try runRead { db in
            var out = [String: String]()
            let rows = try Row.fetchCursor(
                db, sql: "SELECT id_type, id_number, county_code FROM teachers WHERE _live = 1 ORDER BY county_code")
            while let row = try rows.next() { out[(row[0] as String) + " " + (row[1] as String)] = row[2] }
            return out
        }
    }
}
