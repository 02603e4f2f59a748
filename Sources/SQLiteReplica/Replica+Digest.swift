import Foundation
import GRDB
import SyncCore

extension Replica {
    /// The state digest of a county (its county-scoped rows) or, with `nil`, of everything this replica
    /// holds. Equal on two replicas holding the same data, whatever order it arrived in.
    public func digest(county: String?) throws(ReplicaError) -> String {
        try runRead { db in
            var digest = StateDigest()
            for schema in catalog.tables {
                var sql = "SELECT * FROM \(schema.name) WHERE _live = 1"
                var args: StatementArguments = []
                if let county {
                    guard let scope = schema.scopeColumn else { continue }
                    sql += " AND \(scope) = ?"
                    args = [county]
                }
                digest.beginTable(schema)
                let rows = try Row.fetchCursor(db, sql: sql, arguments: args)
                let valueColumns = schema.valueColumns.map(\.name)
                while let row = try rows.next() {
                    let key = schema.keyColumns.map { RowCodec.value(row[$0] as DatabaseValue) }
                    let values = valueColumns.map { RowCodec.value(row[$0] as DatabaseValue) }
                    digest.addRow(key: key, values: values)
                }
            }
            return digest.finish()
        }
    }
}
