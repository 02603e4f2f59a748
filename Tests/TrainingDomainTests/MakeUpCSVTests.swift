import SyncCore
import Testing
import TrainingDomain

@Suite struct MakeUpCSVTests {
    static let columns = ["year", "id_type", "id_number", "enrolled_on"]
    static let good = ["year": "2018", "id_type": "1", "id_number": RecordFixture.teacher, "enrolled_on": "2019-06-20"]
    static let other = [
        "year": "2018", "id_type": "1", "id_number": RecordFixture.colleague, "enrolled_on": "2019-06-21",
    ]

    func parse(_ rows: [[String: String]], context: TestImportContext = RecordFixture.context) -> ImportBatch<MakeUp> {
        CSVImport.parseMakeUps(csv: RecordFixture.csv(Self.columns, rows), context: context)
    }

    @Test func readsEnrolments() {
        let batch = parse([Self.good, Self.other])
        #expect(batch.isClean)
        #expect(batch.records.map(\.record.year) == [2018, 2018])
        let row = batch.records[0].record.syncedRow
        #expect(row.table.name == "make_ups")
        #expect(row.key == [.text("130102"), .integer(2018), .text("1"), .text(RecordFixture.teacher)])
        #expect(row.fields == [.init("enrolled_on", .text("2019-06-20"))])
    }

    static let badValues = [
        BadValue("year", "2018x", .yearInvalid), BadValue("id_type", "", .valueMissing),
        BadValue("id_number", RecordFixture.stranger, .teacherUnknown),
        BadValue("id_number", RecordFixture.neighboursTeacher, .countyOutOfScope),
        BadValue("id_number", RecordFixture.teacher, .duplicateKey), BadValue("enrolled_on", "", .valueMissing),
        BadValue("enrolled_on", "20190621", .dateInvalid), BadValue("enrolled_on", "2019-13-01", .dateInvalid),
    ]

    @Test(arguments: badValues)
    func refusesABadRow(bad: BadValue) {
        var row = Self.other
        row[bad.column] = bad.value
        expectOnlyLine3Refused(parse([Self.good, row]), bad)
    }
}
