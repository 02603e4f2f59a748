import SyncCore
import Testing
import TrainingDomain

@Suite struct CourseSelectionCSVTests {
    static let columns = ["year", "id_type", "id_number", "course_code"]
    static let good = ["year": "2019", "id_type": "1", "id_number": RecordFixture.teacher, "course_code": "C-M1"]
    static let other = ["year": "2019", "id_type": "1", "id_number": RecordFixture.teacher, "course_code": "C-E1"]

    func parse(
        _ rows: [[String: String]], context: TestImportContext = RecordFixture.context
    )
        -> ImportBatch<CourseSelection>
    {
        CSVImport.parseSelections(csv: RecordFixture.csv(Self.columns, rows), context: context)
    }

    @Test func readsSelectionsAndTakesTheCountyFromTheTeacher() {
        var lower = Self.other
        lower["id_number"] = RecordFixture.colleague.lowercased()
        let batch = parse([Self.good, Self.other, lower])
        #expect(batch.isClean)
        #expect(batch.records.map(\.record.countyCode) == ["130102", "130102", "130102"])
        #expect(batch.records[2].record.idNumber == RecordFixture.colleague)
        #expect(batch.records.allSatisfy { $0.record.cohortCode == nil })
        let row = batch.records[0].record.syncedRow
        #expect(row.key == [.text("130102"), .integer(2019), .text("1"), .text(RecordFixture.teacher), .text("C-M1")])
        // A teacher's own choice: the cohort is cleared, so a later cohort change does not remove it.
        #expect(row.fields == [.init("cohort_code", .null)])
    }

    static let badValues = [
        BadValue("year", "", .valueMissing), BadValue("year", "2018", .courseYearMismatch, on: "course_code"),
        BadValue("id_type", "0", .idTypeUnknown), BadValue("id_number", "", .valueMissing),
        BadValue("id_number", "130102198506121235", .idNumberCheckCharacter),
        BadValue("id_number", RecordFixture.stranger, .teacherUnknown),
        BadValue("id_number", RecordFixture.neighboursTeacher, .countyOutOfScope),
        BadValue("course_code", "", .valueMissing), BadValue("course_code", "C-X", .courseUnknown),
        BadValue("course_code", "C-2018", .courseYearMismatch), BadValue("course_code", "C-M1", .duplicateKey),
    ]

    @Test(arguments: badValues)
    func refusesABadRow(bad: BadValue) {
        var row = Self.other
        row[bad.column] = bad.value
        expectOnlyLine3Refused(parse([Self.good, row]), bad)
    }

    @Test func theHubWritesAnyCountysTeacher() {
        var row = Self.good
        row["id_number"] = RecordFixture.neighboursTeacher
        #expect(parse([row], context: RecordFixture.hub).records.first?.record.countyCode == "130104")
    }
}
