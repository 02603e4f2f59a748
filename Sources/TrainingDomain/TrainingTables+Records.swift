public import SyncCore

/// The training year's records (docs/RECORDS.md): the province's projects, providers, catalogue and contacts; each
/// county's cohorts, course selections, offline research activities and attendance, exemption claims and make-up
/// enrolments; homework and withdrawals, which providers write too; and the hub's official assessments and
/// certificates.
///
/// Hours are stored in tenths of an hour (`52.5` hours is `525`) and scores in tenths of a point, so that every
/// replica adds them up exactly. Lists of codes are joined by `;`.
extension TrainingTables {
    // MARK: Province-wide, written by the hub

    /// The training providers (the online platforms), by code.
    public static let providers = TableSchema(
        name: "providers",
        columns: [.init("provider_code", .text), .init("name", .text), .init("stages", .text)],
        keyColumns: ["provider_code"], kind: .mutable, scopeColumn: nil, writers: [.hub])

    /// The training projects of a year: a stage group trained by one provider.
    public static let projects = TableSchema(
        name: "projects",
        columns: [
            .init("project_code", .text), .init("year", .integer), .init("name", .text), .init("stages", .text),
            .init("provider_code", .text), .init("hours_required", .integer),
        ],
        keyColumns: ["project_code"], kind: .mutable, scopeColumn: nil, writers: [.hub])

    /// The course catalogue: every course a teacher may take in a year, the hour category it counts in and the
    /// teachers it is meant for (empty `stages`, `subject` or `dev_stage` mean all).
    public static let courses = TableSchema(
        name: "courses",
        columns: [
            .init("course_code", .text), .init("year", .integer), .init("project_code", .text, optional: true),
            .init("name", .text), .init("kind", .text), .init("category", .text), .init("hours", .integer),
            .init("stages", .text), .init("subject", .text), .init("dev_stage", .text),
        ],
        keyColumns: ["course_code"], kind: .mutable, scopeColumn: nil, writers: [.hub])

    /// The training contacts of each city and county (the person a report or a question goes to).
    public static let contacts = TableSchema(
        name: "contacts",
        columns: [
            .init("unit_code", .text), .init("duty", .text), .init("name", .text), .init("phone", .text),
            .init("email", .text, optional: true),
        ],
        keyColumns: ["unit_code", "duty"], kind: .mutable, scopeColumn: nil, writers: [.hub])

    /// The project each provider origin is enrolled for: a provider writes study records and homework of that
    /// project's teachers only (docs/PROTOCOL.md, "Ownership").
    public static let providerOrigins = TableSchema(
        name: "provider_origins",
        columns: [.init("origin", .text), .init("project_code", .text)],
        keyColumns: ["origin"], kind: .mutable, scopeColumn: nil, writers: [.hub])

    // MARK: County-scoped, written by the county (and the hub)

    /// Cohorts: one course list assigned to every teacher of a stage, subject and development stage of a county
    /// (empty `subject` or `dev_stage` mean all).
    public static let cohorts = TableSchema(
        name: "cohorts",
        columns: [
            .init("county_code", .text), .init("year", .integer), .init("cohort_code", .text), .init("stage", .text),
            .init("subject", .text), .init("dev_stage", .text), .init("courses", .text),
        ],
        keyColumns: ["county_code", "year", "cohort_code"], kind: .mutable, scopeColumn: "county_code",
        writers: [.hub, .county])

    /// Course selections: a teacher takes a course in a year, chosen alone or through a cohort.
    public static let selections = TableSchema(
        name: "selections",
        columns: [
            .init("county_code", .text), .init("year", .integer), .init("id_type", .text), .init("id_number", .text),
            .init("course_code", .text), .init("cohort_code", .text, optional: true),
        ],
        keyColumns: ["county_code", "year", "id_type", "id_number", "course_code"], kind: .mutable,
        scopeColumn: "county_code", writers: [.hub, .county])

    /// Offline and school-based research activities a county (or a school) organises.
    public static let activities = TableSchema(
        name: "activities",
        columns: [
            .init("county_code", .text), .init("activity_id", .text), .init("year", .integer),
            .init("title", .text), .init("course_code", .text), .init("school_code", .text, optional: true),
            .init("held_on", .text), .init("minutes", .integer),
        ],
        keyColumns: ["county_code", "activity_id"], kind: .mutable, scopeColumn: "county_code",
        writers: [.hub, .county])

    /// Attendance at an activity: who was there and for how many minutes.
    public static let attendance = TableSchema(
        name: "attendance",
        columns: [
            .init("county_code", .text), .init("activity_id", .text), .init("id_type", .text),
            .init("id_number", .text), .init("minutes", .integer),
        ],
        keyColumns: ["county_code", "activity_id", "id_type", "id_number"], kind: .mutable,
        scopeColumn: "county_code", writers: [.hub, .county])

    /// Exemption claims: a certificate of another programme (`guopei`, `provincial`) with its evidence, or a
    /// manual exemption (`manual`) with its reason.
    public static let exemptions = TableSchema(
        name: "exemptions",
        columns: [
            .init("county_code", .text), .init("year", .integer), .init("id_type", .text), .init("id_number", .text),
            .init("kind", .text), .init("certificate_year", .integer), .init("evidence", .text),
        ],
        keyColumns: ["county_code", "year", "id_type", "id_number", "kind"], kind: .mutable,
        scopeColumn: "county_code", writers: [.hub, .county])

    /// Make-up (补修) enrolments: a teacher makes up an earlier year (`year`) they did not qualify in.
    public static let makeUps = TableSchema(
        name: "make_ups",
        columns: [
            .init("county_code", .text), .init("year", .integer), .init("id_type", .text), .init("id_number", .text),
            .init("enrolled_on", .text),
        ],
        keyColumns: ["county_code", "year", "id_type", "id_number"], kind: .mutable, scopeColumn: "county_code",
        writers: [.hub, .county])

    // MARK: County-scoped facts, written by providers too

    /// Homework submissions and their scores (tenths of a point, 0–1000).
    public static let homework = TableSchema(
        name: "homework",
        columns: [
            .init("county_code", .text), .init("record_id", .text), .init("id_type", .text),
            .init("id_number", .text), .init("year", .integer), .init("project_code", .text),
            .init("assignment_id", .text), .init("score", .integer), .init("submitted_at", .text),
        ],
        keyColumns: ["county_code", "record_id"], kind: .fact, scopeColumn: "county_code",
        writers: [.hub, .county, .provider])

    /// Withdrawals: a study record or homework result (by its record id) that no longer counts, and why.
    public static let withdrawals = TableSchema(
        name: "withdrawals",
        columns: [
            .init("county_code", .text), .init("record_id", .text), .init("reason", .text),
            .init("withdrawn_at", .text),
        ],
        keyColumns: ["county_code", "record_id"], kind: .fact, scopeColumn: "county_code",
        writers: [.hub, .county, .provider])

    // MARK: County-scoped, written by the hub only

    /// The official assessment of a teacher's year, as the hub's run of the published policy gave it.
    public static let assessments = TableSchema(
        name: "assessments",
        columns: [
            .init("county_code", .text), .init("year", .integer), .init("id_type", .text), .init("id_number", .text),
            .init("status", .text), .init("hours", .text), .init("total_hours", .integer),
            .init("score", .integer, optional: true), .init("reasons", .text), .init("policy_version", .integer),
        ],
        keyColumns: ["county_code", "year", "id_type", "id_number"], kind: .mutable, scopeColumn: "county_code",
        writers: [.hub])

    /// Certificates: the hub's serial and signature for a qualified teacher's year, and its revocation.
    public static let certificates = TableSchema(
        name: "certificates",
        columns: [
            .init("county_code", .text), .init("year", .integer), .init("id_type", .text), .init("id_number", .text),
            .init("serial", .text), .init("code", .text), .init("signature", .text), .init("issued_at", .text),
            .init("revoked_at", .text, optional: true), .init("revoke_reason", .text, optional: true),
        ],
        keyColumns: ["county_code", "year", "id_type", "id_number"], kind: .mutable, scopeColumn: "county_code",
        writers: [.hub])

    /// The record tables added with the training year, in digest order (after the first release's tables).
    public static let recordTables: [TableSchema] = [
        providers, projects, courses, contacts, providerOrigins, cohorts, selections, activities, attendance,
        exemptions, makeUps, homework, withdrawals, assessments, certificates,
    ]
}
