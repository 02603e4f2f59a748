import SyncCore
import Testing
import TrainingDomain

@Suite struct HomeworkCSVTests {
    static let columns = [
        "record_id", "id_type", "id_number", "year", "project_code", "assignment_id", "score", "submitted_at",
    ]
    static let good = [
        "record_id": "H2", "id_type": "1", "id_number": RecordFixture.teacher, "year": "2019",
        "project_code": "PJ2019", "assignment_id": "HW1", "score": "87.5", "submitted_at": "2019-10-01T20:00:00+08:00",
    ]
    static let other = [
        "record_id": "H3", "id_type": "1", "id_number": RecordFixture.colleague, "year": "2019",
        "project_code": "PJ2019", "assignment_id": "HW1", "score": "100", "submitted_at": "2019-10-02T08:00:00Z",
    ]

    func parse(
        _ rows: [[String: String]], context: TestImportContext = RecordFixture.context
    )
        -> ImportBatch<Homework>
    {
        CSVImport.parseHomework(csv: RecordFixture.csv(Self.columns, rows), context: context)
    }

    @Test func readsScoresInTenths() {
        let batch = parse([Self.good, Self.other])
        #expect(batch.isClean)
        #expect(batch.records.map(\.record.score) == [875, 1000])
        #expect(batch.records[1].record.submittedAt.text == "2019-10-02T08:00:00+00:00")
        let row = batch.records[0].record.syncedRow
        #expect(row.table.kind == .fact && row.key == [.text("130102"), .text("H2")])
        #expect(row.fields.first { $0.name == "score" }?.value == .integer(875))
    }

    static let badValues = [
        BadValue("record_id", "", .valueMissing), BadValue("record_id", "H2", .duplicateKey),
        BadValue("id_number", RecordFixture.stranger, .teacherUnknown), BadValue("year", "2O19", .yearInvalid),
        BadValue("project_code", "PJ9", .projectUnknown), BadValue("project_code", "PJ2018", .projectYearMismatch),
        BadValue("assignment_id", "", .valueMissing), BadValue("score", "", .valueMissing),
        BadValue("score", "87.55", .scoreInvalid), BadValue("score", "-1", .scoreInvalid),
        BadValue("score", "100.1", .scoreOutOfRange), BadValue("score", "101", .scoreOutOfRange),
        BadValue("submitted_at", "2019-10-01 20:00", .timeInvalid),
        BadValue("submitted_at", "2019-10-01T20:00:00", .timeInvalid),
    ]

    @Test(arguments: badValues)
    func refusesABadRow(bad: BadValue) {
        var row = Self.other
        row[bad.column] = bad.value
        expectOnlyLine3Refused(parse([Self.good, row]), bad)
    }

    @Test func zeroIsAScore() {
        var row = Self.good
        row["score"] = "0"
        #expect(parse([row]).records.first?.record.score == 0)
    }
}
