import Foundation
import GRDB
import SyncCore
import TrainingDomain

/// The replica's schema and its migrations.
///
/// Bookkeeping tables (`meta`, `change_sets`, `stream_heads`, `pending_ops`, `quarantine`, `conflicts`)
/// sit beside one table per synced table declaration, each with its merge metadata (`_stamps`, `_tomb`,
/// `_live`). Migrations are append-only: a released migration is never edited.
enum ReplicaSchema {
    static func migrator(catalog: SchemaCatalog) -> DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-bookkeeping") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    CREATE TABLE change_sets (
                        id BLOB PRIMARY KEY, origin BLOB NOT NULL, scope TEXT NOT NULL, sequence INTEGER NOT NULL,
                        previous BLOB NOT NULL, envelope BLOB NOT NULL, op_count INTEGER NOT NULL,
                        format INTEGER NOT NULL, received_at INTEGER NOT NULL, local INTEGER NOT NULL,
                        UNIQUE (origin, scope, sequence));
                    CREATE TABLE stream_heads (
                        origin BLOB NOT NULL, scope TEXT NOT NULL, sequence INTEGER NOT NULL, head BLOB NOT NULL,
                        hlc_max INTEGER NOT NULL, PRIMARY KEY (origin, scope));
                    CREATE TABLE pending_ops (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT, scope TEXT NOT NULL, op BLOB NOT NULL,
                        created_at INTEGER NOT NULL);
                    CREATE TABLE quarantine (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, set_id BLOB NOT NULL, origin TEXT, scope TEXT,
                        sequence INTEGER, reason TEXT NOT NULL, detail TEXT NOT NULL, envelope BLOB NOT NULL,
                        received_at INTEGER NOT NULL, UNIQUE (set_id));
                    CREATE TABLE conflicts (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL, row_key BLOB NOT NULL,
                        field TEXT NOT NULL, winner_hlc INTEGER NOT NULL, winner_origin TEXT NOT NULL,
                        loser_hlc INTEGER NOT NULL, loser_origin TEXT NOT NULL, detected_at INTEGER NOT NULL);
                    """)
        }
        m.registerMigration("v1-synced-tables") { db in
            // The tables of the first release; later tables come with their own migration.
            let later = Set(
                [TrainingTables.keyRoots, TrainingTables.keyTerms, TrainingTables.registry, TrainingTables.policies]
                    .map(\.name) + TrainingTables.recordTables.map(\.name))
            for schema in catalog.tables where !later.contains(schema.name) {
                try db.execute(sql: TableSQL(schema).createTable)
                if let scope = schema.scopeColumn {
                    try db.execute(sql: "CREATE INDEX \(schema.name)_by_\(scope) ON \(schema.name)(\(scope))")
                }
            }
        }
        m.registerMigration("v1-units-gb2260-201904") { db in
            // Baseline data: every replica starts with the same list, stamped older than any write, so
            // digests agree and the hub can still amend a unit later with an ordinary write.
            let sql = TableSQL(TrainingTables.units)
            for unit in UnitCatalog.hebei201904.units {
                var state = RowState()
                state.fields["name"] = .init(.text(unit.name), .baseline)
                state.fields["level"] = .init(.text(String(describing: unit.level)), .baseline)
                state.fields["parent"] = .init(unit.parent.map { .text($0) } ?? .null, .baseline)
                try sql.store(db, key: [.text(unit.code)], state: state)
            }
        }
        m.registerMigration("v2-request-nonces") { db in
            // The hub's record of request nonces, so a captured request cannot be replayed, not even after
            // a restart.
            try db.execute(
                sql: """
                    CREATE TABLE request_nonces (
                        origin TEXT NOT NULL, nonce TEXT NOT NULL, timestamp_ms INTEGER NOT NULL,
                        PRIMARY KEY (origin, nonce));
                    CREATE INDEX request_nonces_by_time ON request_nonces(timestamp_ms);
                    """)
        }
        m.registerMigration("v3-county-contacts") { db in
            // The hub's record of when each county last made an authenticated request, so a county that has
            // gone quiet is flagged stale (status and metrics), across restarts.
            try db.execute(
                sql: """
                    CREATE TABLE county_contacts (
                        county TEXT PRIMARY KEY NOT NULL, origin TEXT NOT NULL, last_contact_ms INTEGER NOT NULL);
                    """)
        }
        m.registerMigration("v4-ingest-log-and-receipts") { db in
            // Every stored set in the order it was stored, hash-chained (IngestLog), and the hub's signed
            // receipts a county keeps for its uploads (docs/PROTOCOL.md, "Receipts and the ingest log").
            try db.execute(
                sql: """
                    CREATE TABLE ingest_log (
                        position INTEGER PRIMARY KEY, set_id BLOB NOT NULL UNIQUE, log_head BLOB NOT NULL);
                    CREATE TABLE receipts (
                        origin BLOB NOT NULL, scope TEXT NOT NULL, sequence INTEGER NOT NULL, receipt TEXT NOT NULL,
                        PRIMARY KEY (origin, scope, sequence));
                    """)
            // Sets stored before this migration enter the log in the order they were stored.
            var head = IngestLog.emptyHead
            let ids = try Data.fetchAll(db, sql: "SELECT id FROM change_sets ORDER BY rowid")
            for id in ids {
                head = IngestLog.next(head, Array(id))
                try db.execute(
                    sql: "INSERT INTO ingest_log (set_id, log_head) VALUES (?, ?)", arguments: [id, Data(head)])
            }
        }
        m.registerMigration("v5-key-lifecycle-and-policies") { db in
            // The registry's root keys, key terms and version/expiry (docs/PROTOCOL.md, "Key lifecycle"), and
            // the published assessment policies (docs/POLICY.md).
            for schema in [
                TrainingTables.keyRoots, TrainingTables.keyTerms, TrainingTables.registry, TrainingTables.policies,
            ] {
                try db.execute(sql: TableSQL(schema).createTable)
            }
        }
        m.registerMigration("v6-training-year-records") { db in
            // The training year's records (docs/RECORDS.md).
            for schema in TrainingTables.recordTables {
                try db.execute(sql: TableSQL(schema).createTable)
                if let scope = schema.scopeColumn {
                    try db.execute(sql: "CREATE INDEX \(schema.name)_by_\(scope) ON \(schema.name)(\(scope))")
                }
            }
        }
        m.registerMigration("v7-no-scope-index-beside-the-key") { db in
            // A county-scoped table's key starts with its county column, so the key's own index already finds a
            // county's rows: the separate index on that column only cost every insert one more b-tree
            // (docs/BENCHMARKS.md, "Third pass"). Tables made by later migrations do not get one.
            for schema in catalog.tables {
                guard let scope = schema.scopeColumn, schema.keyColumns.first == scope else { continue }
                try db.execute(sql: "DROP INDEX IF EXISTS \(schema.name)_by_\(scope)")
            }
        }
        m.registerMigration("v8-deflated-envelopes") { db in
            // A set's envelope may be stored zlib-deflated (StoredEnvelope); `inflated_size` is then its own length,
            // NULL when `envelope` holds it as it is. Sets stored before stay as they are.
            try db.execute(sql: "ALTER TABLE change_sets ADD COLUMN inflated_size INTEGER")
        }
        return m
    }
}
