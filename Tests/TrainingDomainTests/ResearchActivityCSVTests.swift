import SyncCore
import Testing
import TrainingDomain

@Suite struct ResearchActivityCSVTests {
    static let columns = [
        "activity_id", "year", "county_code", "title", "course_code", "school_code", "held_on", "minutes",
    ]
    static let good = [
        "activity_id": "A2", "year": "2019", "county_code": "130102", "title": "小学语文主题教研", "course_code": "C-OFF",
        "school_code": "S1", "held_on": "2019-10-12", "minutes": "120",
    ]
    static let other = [
        "activity_id": "A3", "year": "2019", "county_code": "130102", "title": "县级线下研修", "course_code": "C-OFF",
        "school_code": "", "held_on": "2019-11-02", "minutes": "90",
    ]

    func parse(
        _ rows: [[String: String]], context: TestImportContext = RecordFixture.context
    )
        -> ImportBatch<ResearchActivity>
    {
        CSVImport.parseActivities(csv: RecordFixture.csv(Self.columns, rows), context: context)
    }

    @Test func readsActivities() {
        let batch = parse([Self.good, Self.other])
        #expect(batch.isClean)
        #expect(batch.records.map(\.record.schoolCode) == ["S1", nil])
        #expect(batch.records.map(\.record.minutes) == [120, 90])
        let row = batch.records[1].record.syncedRow
        #expect(row.key == [.text("130102"), .text("A3")])
        #expect(row.fields.first { $0.name == "school_code" }?.value == .null)
        #expect(row.fields.first { $0.name == "held_on" }?.value == .text("2019-11-02"))
    }

    static let badValues = [
        BadValue("activity_id", "A2", .duplicateKey), BadValue("activity_id", "A;3", .codeInvalid),
        BadValue("year", "20190", .yearInvalid), BadValue("county_code", "130104", .countyOutOfScope),
        BadValue("title", "", .valueMissing), BadValue("title", String(repeating: "研", count: 201), .valueTooLong),
        BadValue("course_code", "C-X", .courseUnknown), BadValue("course_code", "C-2018", .courseYearMismatch),
        BadValue("school_code", "S7", .schoolUnknown), BadValue("school_code", "S9", .schoolCountyMismatch),
        BadValue("held_on", "", .valueMissing), BadValue("held_on", "2019-02-29", .dateInvalid),
        BadValue("held_on", "2019/11/02", .dateInvalid), BadValue("held_on", "2019-11-2", .dateInvalid),
        BadValue("held_on", "1999-11-02", .dateInvalid), BadValue("minutes", "", .valueMissing),
        BadValue("minutes", "0", .minutesOutOfRange), BadValue("minutes", "1441", .minutesOutOfRange),
        BadValue("minutes", "1.5", .minutesInvalid),
    ]

    @Test(arguments: badValues)
    func refusesABadRow(bad: BadValue) {
        var row = Self.other
        row[bad.column] = bad.value
        expectOnlyLine3Refused(parse([Self.good, row]), bad)
    }
}
