import SyncCore
import Testing
import TrainingDomain

@Suite struct AttendanceCSVTests {
    static let columns = ["activity_id", "id_type", "id_number", "minutes"]
    static let good = ["activity_id": "A1", "id_type": "1", "id_number": RecordFixture.teacher, "minutes": "120"]
    static let other = ["activity_id": "A1", "id_type": "1", "id_number": RecordFixture.colleague, "minutes": "60"]

    func parse(
        _ rows: [[String: String]], context: TestImportContext = RecordFixture.context
    )
        -> ImportBatch<Attendance>
    {
        CSVImport.parseAttendance(csv: RecordFixture.csv(Self.columns, rows), context: context)
    }

    @Test func readsAttendanceUpToTheActivitysMinutes() {
        let batch = parse([Self.good, Self.other])
        #expect(batch.isClean)
        #expect(batch.records.map(\.record.minutes) == [120, 60])
        let row = batch.records[0].record.syncedRow
        #expect(row.key == [.text("130102"), .text("A1"), .text("1"), .text(RecordFixture.teacher)])
        #expect(row.fields == [.init("minutes", .integer(120))])
    }

    static let badValues = [
        BadValue("activity_id", "", .valueMissing), BadValue("activity_id", "A7", .activityUnknown),
        BadValue("activity_id", "A9", .activityUnknown), BadValue("id_number", RecordFixture.stranger, .teacherUnknown),
        BadValue("id_number", RecordFixture.neighboursTeacher, .countyOutOfScope),
        BadValue("id_number", RecordFixture.teacher, .duplicateKey), BadValue("minutes", "0", .minutesOutOfRange),
        BadValue("minutes", "121", .minutesExceedActivity), BadValue("minutes", "两小时", .minutesInvalid),
    ]

    @Test(arguments: badValues)
    func refusesABadRow(bad: BadValue) {
        var row = Self.other
        row[bad.column] = bad.value
        expectOnlyLine3Refused(parse([Self.good, row]), bad)
    }

    @Test func theActivityMustBeInTheTeachersCounty() {
        var row = Self.other
        row["activity_id"] = "A9"
        row["id_number"] = RecordFixture.neighboursTeacher
        #expect(parse([row], context: RecordFixture.hub).records.first?.record.countyCode == "130104")
        row["activity_id"] = "A1"
        #expect(parse([row], context: RecordFixture.hub).issues.map(\.reason) == [.activityUnknown])
    }
}
