public import SyncCore

/// The synced tables of the teacher-training replica, declared once.
///
/// The store derives its SQL from these declarations and the verifier its scope rules. Adding a column is
/// a schema migration and a protocol note (docs/PROTOCOL.md, "Tables").
public enum TrainingTables {
    /// The key registry: every origin's public key, role, county and status. Written by the hub only.
    public static let origins = TableSchema(
        name: "origins",
        columns: [
            .init("origin", .text), .init("public_key", .text), .init("role", .text),
            .init("county", .text, optional: true), .init("status", .text),
        ],
        keyColumns: ["origin"], kind: .mutable, scopeColumn: nil, writers: [.hub])

    /// The offline root key of each county, which authorizes the county's online node keys. Written by the hub
    /// at a county's first enrolment (docs/OPERATIONS.md, "Keys").
    public static let keyRoots = TableSchema(
        name: "key_roots",
        columns: [.init("county", .text), .init("root_key", .text)],
        keyColumns: ["county"], kind: .mutable, scopeColumn: nil, writers: [.hub])

    /// The life of each registered key: the root's authorization of it, and when it was retired (rotated
    /// out or revoked), why, and the last set of its stream that stays valid. Written by the hub.
    public static let keyTerms = TableSchema(
        name: "key_terms",
        columns: [
            .init("origin", .text), .init("authorization", .text, optional: true),
            .init("valid_through", .integer, optional: true), .init("ended_at", .integer, optional: true),
            .init("end_reason", .text, optional: true), .init("successor", .text, optional: true),
            .init("stream_points", .text, optional: true),
        ],
        keyColumns: ["origin"], kind: .mutable, scopeColumn: nil, writers: [.hub])

    /// The key registry's version and expiry, one row: a node never accepts an older version, and a node
    /// past the expiry knows its trust data is stale. Written by the hub with every registry change.
    public static let registry = TableSchema(
        name: "registry",
        columns: [.init("name", .text), .init("version", .integer), .init("expires_at", .integer)],
        keyColumns: ["name"], kind: .mutable, scopeColumn: nil, writers: [.hub])

    /// The assessment policy of each training year, as the hub publishes it (docs/POLICY.md): the document's
    /// exact bytes (JSON) and its version. A node never accepts an older version of a year's policy.
    public static let policies = TableSchema(
        name: "policies",
        columns: [
            .init("year", .integer), .init("version", .integer), .init("document", .text),
            .init("published_at", .integer),
        ],
        keyColumns: ["year"], kind: .mutable, scopeColumn: nil, writers: [.hub])

    /// GB/T 2260 administrative units. Every replica starts with the 201904 list as baseline data.
    public static let units = TableSchema(
        name: "units",
        columns: [
            .init("code", .text), .init("name", .text), .init("level", .text),
            .init("parent", .text, optional: true),
        ],
        keyColumns: ["code"], kind: .mutable, scopeColumn: nil, writers: [.hub])

    /// Schools and kindergartens, keyed under their county.
    public static let schools = TableSchema(
        name: "schools",
        columns: [
            .init("county_code", .text), .init("school_code", .text), .init("name", .text),
            .init("stages", .text),
        ],
        keyColumns: ["county_code", "school_code"], kind: .mutable, scopeColumn: "county_code",
        writers: [.hub, .county])

    /// Teachers, keyed under their county by identity-document type and number. The same person registered
    /// by two counties is two rows (a transfer is a delete in one county and a write in the other); reports
    /// flag such duplicates rather than letting one county overwrite another's row.
    public static let teachers = TableSchema(
        name: "teachers",
        columns: [
            .init("county_code", .text), .init("id_type", .text), .init("id_number", .text),
            .init("name", .text), .init("gender", .text), .init("school_code", .text), .init("stage", .text),
            .init("subject", .text), .init("dev_stage", .text),
        ],
        keyColumns: ["county_code", "id_type", "id_number"], kind: .mutable, scopeColumn: "county_code",
        writers: [.hub, .county])

    /// Study records: immutable facts, keyed under the teacher's county by their own id.
    public static let studyRecords = TableSchema(
        name: "study_records",
        columns: [
            .init("county_code", .text), .init("record_id", .text), .init("id_type", .text),
            .init("id_number", .text), .init("activity_code", .text), .init("minutes", .integer),
            .init("recorded_at", .text), .init("source", .text),
        ],
        keyColumns: ["county_code", "record_id"], kind: .fact, scopeColumn: "county_code",
        writers: [.hub, .county, .provider])

    /// Every synced table, in the order the state digest walks them.
    public static let catalog = SchemaCatalog(
        [origins, units, schools, teachers, studyRecords, keyRoots, keyTerms, registry, policies] + recordTables)
}
