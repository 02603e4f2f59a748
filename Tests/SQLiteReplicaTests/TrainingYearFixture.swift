import Foundation
import SQLiteReplica
import SyncCore
import SyncTestSupport
import TrainingDomain

/// A province with the 2019 catalogue and policy at the hub, in sync with county 130102: provider `P1` runs
/// project `PJ-PRI` (primary stage `2`) with courses `M1` (mandatory), `E1` (elective) and `I1` (IT ability);
/// `OFF1` is the county's offline research course; `PJ-MID` is another provider's junior-middle project with
/// course `M9`.
extension ReplicaFixture {
    static let policyDocument: String = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Config/policy-2019.json")
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }()

    static func row(
        _ table: String, _ key: [Value], _ fields: [(String, Value)], kind: RowOperation.Kind = .upsert
    )
        -> LocalWrite
    {
        LocalWrite(kind: kind, table: table, key: key, fields: fields.map { RowOperation.Field($0.0, $0.1) })
    }

    static func course(_ code: String, project: String?, kind: String, category: String, hours: Int64) -> LocalWrite {
        row(
            "courses", [.text(code)],
            [
                ("year", .integer(2019)), ("project_code", project.map { .text($0) } ?? .null), ("name", .text(code)),
                ("kind", .text(kind)), ("category", .text(category)), ("hours", .integer(hours)),
                ("stages", .text("")), ("subject", .text("")), ("dev_stage", .text("")),
            ])
    }

    /// Writes the catalogue and publishes the policy at the hub, and brings every county up to date.
    func seedTrainingYear() throws {
        try hub.write([
            Self.row("providers", [.text("P1")], [("name", .text("平台一")), ("stages", .text("2;3"))]),
            Self.row("providers", [.text("P2")], [("name", .text("平台二")), ("stages", .text("3"))]),
            Self.row(
                "projects", [.text("PJ-PRI")],
                [
                    ("year", .integer(2019)), ("name", .text("小学")), ("stages", .text("2")),
                    ("provider_code", .text("P1")), ("hours_required", .integer(520)),
                ]),
            Self.row(
                "projects", [.text("PJ-MID")],
                [
                    ("year", .integer(2019)), ("name", .text("初中")), ("stages", .text("3")),
                    ("provider_code", .text("P2")), ("hours_required", .integer(520)),
                ]),
            Self.course("M1", project: "PJ-PRI", kind: "mandatory", category: "mandatory", hours: 100),
            Self.course("E1", project: "PJ-PRI", kind: "elective", category: "elective", hours: 160),
            Self.course("I1", project: "PJ-PRI", kind: "it", category: "it", hours: 100),
            Self.course("OFF1", project: nil, kind: "research", category: "offline", hours: 100),
            Self.course("M9", project: "PJ-MID", kind: "mandatory", category: "mandatory", hours: 100),
        ])
        try hub.publishPolicy(year: 2019, version: 1, document: Self.policyDocument)
        for c in counties { _ = try c.receive(hub.exportEnvelopes()) }
    }

    /// A study record of teacher `ID\(teacher)` of county 130102.
    static func study(
        _ id: String, teacher: Int, course: String, minutes: Int64, source: String = "provider",
        at time: String = "2019-09-01T20:15:00+08:00"
    ) -> LocalWrite {
        row(
            "study_records", [.text("130102"), .text(id)],
            [
                ("id_type", .text("1")), ("id_number", .text("ID\(teacher)")), ("activity_code", .text(course)),
                ("minutes", .integer(minutes)), ("recorded_at", .text(time)), ("source", .text(source)),
            ], kind: .insertFact)
    }

    /// A homework result of teacher `ID\(teacher)` of county 130102, score in tenths.
    static func homework(
        _ id: String, teacher: Int, assignment: String, score: Int64, project: String = "PJ-PRI"
    )
        -> LocalWrite
    {
        row(
            "homework", [.text("130102"), .text(id)],
            [
                ("id_type", .text("1")), ("id_number", .text("ID\(teacher)")), ("year", .integer(2019)),
                ("project_code", .text(project)), ("assignment_id", .text(assignment)), ("score", .integer(score)),
                ("submitted_at", .text("2019-10-01T10:00:00+08:00")),
            ], kind: .insertFact)
    }
}
