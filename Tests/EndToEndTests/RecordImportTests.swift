import Foundation
import SyncTestSupport
import Testing

/// The training year's record imports through the CLI (docs/RECORDS.md): the example set of `examples/records/`
/// imports cleanly at the hub and at the demo's county 130102, a file with one bad row imports nothing, a county
/// refuses a province-owned file, and cohorts assign their courses and list their members.
@Suite("Record imports through the CLI")
struct RecordImportTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/records")

    /// The demo's county data (`demo-data --county 130102 --teachers 2000 --schools 40`, as scripts/demo.sh).
    static let demo = DemoData(county: "130102", schools: 40, teachers: 2000, recordsPerTeacher: 2, seed: 2019)

    static func example(_ kind: String) throws -> String {
        try String(contentsOf: examples.appendingPathComponent("\(kind).csv"), encoding: .utf8)
    }

    /// A hub and county 130102 with the demo's schools, teachers and study records.
    static func federation(_ sandbox: Sandbox) async throws -> Federation {
        let f = try await Federation.make(county: "130102", in: sandbox)
        try await f.county.importAll(try sandbox.writeDemo(demo, prefix: "demo"))
        return f
    }

    /// Identity numbers of demo teachers the example files do not name, for bad rows.
    static func unnamedTeachers(_ count: Int) throws -> [String] {
        let files = try FileManager.default.contentsOfDirectory(atPath: examples.path).sorted()
        let named = try files.map {
            try String(contentsOf: examples.appendingPathComponent($0), encoding: .utf8)
        }.joined()
        return demo.teacherList().map(\.idNumber).filter { !named.contains($0) }.prefix(count).map { $0 }
    }

    /// Imports `kind` with one bad row appended, which must be refused whole with the bad row reported and no
    /// personal data shown; then the example file itself, which must import cleanly.
    @discardableResult
    static func refuseThenImport(
        _ kind: String, at node: Node, badRow: String, column: String, reason: String, secret: String? = nil,
        sandbox: Sandbox, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> CLIResult {
        let good = try example(kind)
        let badLine = good.split(separator: "\n").count + 1
        let damaged = try sandbox.write(good + badRow + "\n", to: "bad-\(kind).csv")
        let before = try await node.snapshot()
        let refused = try await node.importCSV(kind, damaged)
        #expect(refused.status == 3, "\(refused)", sourceLocation: sourceLocation)
        #expect(
            refused.stderr.contains("bad-\(kind).csv: line \(badLine), column \(column): \(reason)"), "\(refused)",
            sourceLocation: sourceLocation)
        #expect(refused.stderr.contains("nothing imported"), "\(refused)", sourceLocation: sourceLocation)
        #expect(
            refused.stderrLines.filter { $0.contains(": line ") }.count == 1, "\(refused)",
            sourceLocation: sourceLocation)
        if let secret {
            #expect(!refused.allOutput.contains(secret), "personal data in the output: \(refused)")
        }
        #expect(
            try await node.snapshot() == before, "a refused file changed the replica", sourceLocation: sourceLocation)

        let imported = try await node.importCSV(kind, try sandbox.write(good, to: "\(kind).csv"))
        #expect(imported.status == 0, "\(imported)", sourceLocation: sourceLocation)
        let summary = CSVImportSummary(imported)
        #expect(summary?.unchanged == 0 && (summary?.written ?? 0) >= good.split(separator: "\n").count - 1)
        #expect(imported.stderrLines.filter { $0.contains(": line ") }.isEmpty, "\(imported)")
        return imported
    }

    @Test("the example set imports at the hub and the county; one bad row in any file imports nothing")
    func exampleSet() async throws {
        let sandbox = Sandbox()
        let f = try await Self.federation(sandbox)
        let other = try Self.unnamedTeachers(3)

        // The province's files, at the hub.
        try await Self.refuseThenImport(
            "providers", at: f.hub, badRow: "P-X,某平台,9", column: "stages", reason: "stage.unknown", sandbox: sandbox)
        try await Self.refuseThenImport(
            "projects", at: f.hub, badRow: "PJ-X,2019,某项目,2,P-NONE,52", column: "provider_code",
            reason: "provider.unknown", sandbox: sandbox)
        try await Self.refuseThenImport(
            "courses", at: f.hub, badRow: "C-X,2019,PJ-2019-HB,某课程,core,elective,2,,,", column: "kind",
            reason: "course_kind.unknown", sandbox: sandbox)
        try await Self.refuseThenImport(
            "contacts", at: f.hub, badRow: "130000,培训负责人,王某某,0311-86000009,", column: "unit_code",
            reason: "unit.not_city_or_county", secret: "王某某", sandbox: sandbox)
        try await f.hubToCounty("catalogue.bundle")

        // The county's files, at the county, each naming what the ones before brought.
        let cohorts = try await Self.refuseThenImport(
            "cohorts", at: f.county, badRow: "K-X,2019,130102,2,,,C19-M01;C19-NOPE", column: "courses",
            reason: "course.unknown", sandbox: sandbox)
        try await Self.refuseThenImport(
            "selections", at: f.county, badRow: "2019,1,130682200012290440,C19-M01", column: "id_number",
            reason: "teacher.unknown", secret: "130682200012290440", sandbox: sandbox)
        try await Self.refuseThenImport(
            "activities", at: f.county, badRow: "ACT-X,2019,130102,某活动,C19-OFF01,,2019-02-30,60",
            column: "held_on", reason: "date.invalid", sandbox: sandbox)
        try await Self.refuseThenImport(
            "attendance", at: f.county, badRow: "ACT-2019-07,1,\(other[0]),999", column: "minutes",
            reason: "minutes.exceeds_activity", secret: other[0], sandbox: sandbox)
        try await Self.refuseThenImport(
            "exemptions", at: f.county, badRow: "2019,1,\(other[1]),national,2019,某证书", column: "kind",
            reason: "exemption_kind.unknown", secret: other[1], sandbox: sandbox)
        try await Self.refuseThenImport(
            "make-ups", at: f.county, badRow: "2018,1,\(other[2]),2019-6-20", column: "enrolled_on",
            reason: "date.invalid", secret: other[2], sandbox: sandbox)
        try await Self.refuseThenImport(
            "homework", at: f.county, badRow: "HW-X,1,\(other[0]),2019,PJ-2019-HB,HW1,101,2019-10-20T21:30:00+08:00",
            column: "score", reason: "score.out_of_range", secret: other[0], sandbox: sandbox)
        try await Self.refuseThenImport(
            "withdrawals", at: f.county, badRow: "130102,HW-NOPE,重复,2019-10-22T09:00:00+08:00",
            column: "record_id", reason: "record.unknown", sandbox: sandbox)

        // The cohort (primary teachers, any subject and stage of development) assigned its three courses to every
        // primary teacher of the county.
        let primary = Self.demo.teacherList().filter { $0.stage == "2" }
        #expect(primary.count > 100)
        #expect(
            cohorts.stdout.contains(
                "\(primary.count * 3) selection(s) assigned to members, 0 removed (no longer assigned)"),
            "\(cohorts)")
        let list = try await f.county.ok(["cohorts", "list", "--year", "2019"])
        #expect(
            list.stdoutLines == [
                "cohort\tcounty\tstage\tsubject\tdev_stage\tcourses\tmembers",
                "K19-PRIMARY\t130102\t2\tall\tall\tC19-M01;C19-E01;C19-IT01\t\(primary.count)",
            ], "\(list)")
        let members = try await f.county.ok(["cohorts", "members", "--year", "2019", "--cohort", "K19-PRIMARY"])
        #expect(members.stdoutLines.count == primary.count + 1, "\(members)")
        let first = try #require(primary.first)
        #expect(
            members.stdoutLines.contains {
                $0.hasPrefix("\(first.name)\t\(first.school)\t") && $0.hasSuffix("\t1\t\(first.idNumber)\t3")
            },
            "\(members)")

        // Everything travels to the hub, which then holds the same county.
        try await f.countyToHub("records.bundle")
        #expect(try await f.county.digest() == (try await f.hub.digest(county: "130102")))
        let atHub = try await f.hub.ok(["cohorts", "members", "--year", "2019", "--cohort", "K19-PRIMARY"])
        #expect(atHub.stdout == members.stdout)

        // Importing everything again changes nothing.
        for kind in [
            "cohorts", "selections", "activities", "attendance", "exemptions", "make-ups", "homework", "withdrawals",
        ] {
            let again = try await f.county.ok([
                "import", kind, try sandbox.write(try Self.example(kind), to: "\(kind)-2.csv"),
            ])
            #expect(CSVImportSummary(again)?.written == 0, "\(again)")
        }
    }

    @Test("a county refuses a province-owned file whole, even with --skip-invalid")
    func countyRefusesProvinceFiles() async throws {
        let sandbox = Sandbox()
        let county = try await Node.county("130102", in: sandbox, name: "county")
        let before = try await county.snapshot()
        for kind in ["providers", "projects", "courses", "contacts"] {
            let file = try sandbox.write(try Self.example(kind), to: "\(kind).csv")
            for skip in [false, true] {
                let r = try await county.importCSV(kind, file, skipInvalid: skip)
                #expect(r.status == 3, "\(r)")
                #expect(r.stderr.contains("\(kind).csv: line 1: table.not_writable"), "\(r)")
                #expect(r.stderr.contains("nothing imported"), "\(r)")
                #expect(r.stderrLines.filter { $0.contains("table.not_writable") }.count == 1, "\(r)")
            }
        }
        #expect(try await county.snapshot() == before)
    }

    @Test("re-importing a cohort with a shorter course list removes the dropped course from every member")
    func cohortChange() async throws {
        let sandbox = Sandbox()
        let f = try await Self.federation(sandbox)
        for kind in ["providers", "projects", "courses"] {
            try await f.hub.ok(["import", kind, try sandbox.write(try Self.example(kind), to: "\(kind).csv")])
        }
        try await f.hubToCounty("catalogue.bundle")
        let original = try Self.example("cohorts")
        try await f.county.ok(["import", "cohorts", try sandbox.write(original, to: "cohorts.csv")])
        // One teacher also chose C19-IT01 alone before the change: that selection is the teacher's own and stays.
        let primary = Self.demo.teacherList().filter { $0.stage == "2" }
        let own = try #require(primary.last)
        try await f.county.ok([
            "import", "selections",
            try sandbox.write("year,id_type,id_number,course_code\n2019,1,\(own.idNumber),C19-IT01\n", to: "own.csv"),
        ])
        let shorter = original.replacingOccurrences(of: "C19-M01;C19-E01;C19-IT01", with: "C19-M01;C19-E01")
        #expect(shorter != original)
        let changed = try await f.county.ok(["import", "cohorts", try sandbox.write(shorter, to: "cohorts-2.csv")])
        #expect(
            changed.stdout.contains(
                "\(primary.count * 2) selection(s) assigned to members, \(primary.count - 1) removed (no longer assigned)"
            ),
            "\(changed)")
        let summary = try #require(CSVImportSummary(changed), "\(changed)")
        #expect(summary.written == 1 + primary.count - 1 && summary.unchanged == primary.count * 2, "\(changed)")
        let members = try await f.county.ok(["cohorts", "members", "--year", "2019", "--cohort", "K19-PRIMARY"])
        let courseCounts = members.stdoutLines.dropFirst().compactMap { $0.split(separator: "\t").last }
        #expect(courseCounts.count == primary.count && courseCounts.allSatisfy { $0 == "2" }, "\(members)")
    }
}
