import Foundation
import SyncTestSupport
import Testing

@Suite("CSV import through the CLI")
struct CSVImportTests {
    /// A county node with its schools imported.
    private func countyWithSchools(_ sandbox: Sandbox, _ demo: DemoData) async throws -> Node {
        let county = try await Node.county(demo.county, in: sandbox, name: "county")
        try await county.ok(["import", "schools", try sandbox.write(demo.schoolsCSV(), to: "schools.csv")])
        return county
    }

    @Test("invalid teacher rows: every one reported by line and reason, nothing imported, no personal data shown")
    func invalidTeachers() async throws {
        let sandbox = Sandbox()
        let demo = DemoData(county: "130102", schools: 5, teachers: 60, recordsPerTeacher: 0, seed: 8)
        let county = try await countyWithSchools(sandbox, demo)
        var csv = CSVRows(demo.teachersCSV())
        let id = csv.column("id_number")
        let gender = csv.column("gender")
        let school = csv.column("school_code")
        let name = csv.column("name")
        let original = csv.rows

        // Row 4: a wrong check character.
        let number = csv.rows[4][id]
        let wrongCheck: Character = number.last == "0" ? "1" : "0"
        csv.rows[4][id] = String(number.dropLast()) + String(wrongCheck)
        // Row 10: the gender the identity number does not encode.
        csv.rows[10][gender] = csv.rows[10][gender] == "M" ? "F" : "M"
        // Row 17: a school nobody registered.
        csv.rows[17][school] = "1301029999"
        // Row 33: the same identity number as row 2.
        csv.rows[33][id] = csv.rows[2][id]
        let expected: [(row: Int, column: String, reason: String)] = [
            (4, "id_number", "id_number.check_character"), (10, "gender", "gender.mismatch"),
            (17, "school_code", "school.unknown"), (33, "id_number", "duplicate_key"),
        ]
        let badRows = expected.map(\.row)
        // Personal data of the bad rows, as written in the file and as it was before the damage.
        let secrets = badRows.flatMap { [csv.rows[$0][id], csv.rows[$0][name], original[$0][id], original[$0][name]] }
        let file = try sandbox.write(csv.text, to: "teachers.csv")

        let before = try await county.snapshot()
        let r = try await county.importCSV("teachers", file)
        #expect(r.status == 3, "\(r)")
        let reports = r.stderrLines.filter { $0.contains(": line ") }
        for e in expected {
            let line = CSVRows.line(ofRow: e.row)
            #expect(
                reports.contains { $0.contains("line \(line), column \(e.column): \(e.reason)") },
                "line \(line) not reported as \(e.reason): \(r)")
        }
        let reportedLines = Set(reports.compactMap { $0.firstMatch(of: /line (\d+)/).flatMap { Int($0.1) } })
        #expect(reportedLines == Set(badRows.map(CSVRows.line(ofRow:))), "\(r)")
        #expect(r.stderr.contains("nothing imported"), "\(r)")
        for secret in secrets {
            #expect(!r.allOutput.contains(secret), "personal data of a bad row appears in the output: \(r)")
        }
        let after = try await county.snapshot()
        #expect(after == before, "a refused file changed the replica")
        #expect(after.pendingOperations == 0)

        // --skip-invalid: the 56 good rows go in; the 4 bad ones are reported and skipped.
        let skip = try await county.importCSV("teachers", file, skipInvalid: true)
        #expect(skip.status == 0, "\(skip)")
        let summary = try #require(CSVImportSummary(skip), "\(skip)")
        #expect(summary.written == 56 && summary.unchanged == 0 && summary.skipped == 4, "\(skip)")
        for e in expected {
            #expect(
                skip.stderr.contains("line \(CSVRows.line(ofRow: e.row)), column \(e.column): \(e.reason)"), "\(skip)")
        }
        for secret in secrets {
            #expect(!skip.allOutput.contains(secret), "personal data of a bad row appears in the output: \(skip)")
        }
        let skipped = try await county.status()
        #expect(skipped.storedSets == before.storedSets + summary.sealed && summary.sealed >= 1)
        #expect(skipped.pendingOperations == 0)
        #expect(try await county.digest() != before.digest)

        // Exactly the good rows are held: importing them alone changes nothing.
        var good = CSVRows(demo.teachersCSV())
        good.rows = good.rows.enumerated().filter { !badRows.contains($0.offset) }.map(\.element)
        let again = try await county.importCSV("teachers", try sandbox.write(good.text, to: "good.csv"))
        #expect(again.status == 0, "\(again)")
        let againSummary = try #require(CSVImportSummary(again), "\(again)")
        #expect(againSummary.written == 0 && againSummary.unchanged == 56, "\(again)")
    }

    @Test("re-import: unchanged rows write nothing, a changed teacher writes one row, a changed fact is refused")
    func reimport() async throws {
        let sandbox = Sandbox()
        let demo = DemoData(county: "130102", schools: 4, teachers: 50, recordsPerTeacher: 2, seed: 13)
        let county = try await countyWithSchools(sandbox, demo)
        let teachersFile = try sandbox.write(demo.teachersCSV(), to: "teachers.csv")
        let recordsFile = try sandbox.write(demo.studyRecordsCSV(), to: "records.csv")
        try await county.ok(["import", "teachers", teachersFile])
        try await county.ok(["import", "study-records", recordsFile])
        let loaded = try await county.snapshot()

        // The same teachers again: nothing written, nothing sealed.
        let same = try await county.ok(["import", "teachers", teachersFile])
        #expect(same.stdout.contains("0 written, 50 unchanged"), "\(same)")
        #expect(CSVImportSummary(same)?.sealed == 0, "\(same)")
        #expect(try await county.snapshot() == loaded)

        // One teacher changes subject: one row written, one set sealed.
        var teachers = CSVRows(demo.teachersCSV())
        let subject = teachers.column("subject")
        teachers.rows[7][subject] = teachers.rows[7][subject] == "17" ? "18" : "17"
        let changed = try await county.ok([
            "import", "teachers", try sandbox.write(teachers.text, to: "teachers-2.csv"),
        ])
        #expect(changed.stdout.contains("1 written, 49 unchanged"), "\(changed)")
        #expect(CSVImportSummary(changed)?.sealed == 1, "\(changed)")
        let afterChange = try await county.snapshot()
        #expect(afterChange.digest != loaded.digest)
        #expect(afterChange.storedSets == loaded.storedSets + 1)

        // The same study records again: a no-op.
        let sameRecords = try await county.ok(["import", "study-records", recordsFile])
        #expect(sameRecords.stdout.contains("0 written, 100 unchanged"), "\(sameRecords)")
        #expect(try await county.snapshot() == afterChange)

        // A record with a known record_id and other minutes, next to a new record: refused whole.
        var records = CSVRows(demo.studyRecordsCSV())
        let minutes = records.column("minutes")
        records.rows[5][minutes] = String(Int(records.rows[5][minutes])! % 1440 + 1)
        var extra = records.rows[0]
        extra[records.column("record_id")] = "R-new-1"
        records.rows.append(extra)
        let conflict = try await county.importCSV("study-records", try sandbox.write(records.text, to: "records-2.csv"))
        #expect(conflict.status == 3, "\(conflict)")
        #expect(
            conflict.stderr.contains("line \(CSVRows.line(ofRow: 5)), column record_id: fact.conflict"), "\(conflict)")
        #expect(
            conflict.stderr.split(separator: "\n").filter { $0.contains("fact.conflict") }.count == 1, "\(conflict)")
        #expect(try await county.snapshot() == afterChange, "a refused fact import changed the replica")
    }

    @Test(
        "--skip-invalid reports each conflicting study record it skips")
    func skipInvalidReportsFactConflicts() async throws {
        let sandbox = Sandbox()
        let demo = DemoData(county: "130102", schools: 2, teachers: 10, recordsPerTeacher: 1, seed: 17)
        let county = try await countyWithSchools(sandbox, demo)
        try await county.ok(["import", "teachers", try sandbox.write(demo.teachersCSV(), to: "teachers.csv")])
        try await county.ok(["import", "study-records", try sandbox.write(demo.studyRecordsCSV(), to: "records.csv")])
        var records = CSVRows(demo.studyRecordsCSV())
        let minutes = records.column("minutes")
        records.rows[2][minutes] = String(Int(records.rows[2][minutes])! % 1440 + 1)
        let r = try await county.importCSV(
            "study-records", try sandbox.write(records.text, to: "records-2.csv"), skipInvalid: true)
        #expect(r.status == 0, "\(r)")
        #expect(CSVImportSummary(r)?.skipped == 1, "\(r)")
        // `import --help`: "--skip-invalid  Import the valid rows and skip the invalid ones (each is still reported)."
        #expect(r.stderr.contains("line \(CSVRows.line(ofRow: 2)), column record_id: fact.conflict"), "\(r)")
    }
}
