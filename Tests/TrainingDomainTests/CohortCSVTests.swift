import SyncCore
import Testing
import TrainingDomain

@Suite struct CohortCSVTests {
    static let columns = ["cohort_code", "year", "county_code", "stage", "subject", "dev_stage", "courses"]
    static let good = [
        "cohort_code": "K1", "year": "2019", "county_code": "130102", "stage": "2", "subject": "13",
        "dev_stage": "key", "courses": "C-M1;C-E1;C-M1",
    ]
    static let other = [
        "cohort_code": "K2", "year": "2019", "county_code": "130102", "stage": "2", "subject": "", "dev_stage": "",
        "courses": "C-M1",
    ]

    func parse(_ rows: [[String: String]], context: TestImportContext = RecordFixture.context) -> ImportBatch<Cohort> {
        CSVImport.parseCohorts(csv: RecordFixture.csv(Self.columns, rows), context: context)
    }

    @Test func readsCohorts() {
        let batch = parse([Self.good, Self.other])
        #expect(batch.isClean)
        let first = batch.records[0].record
        #expect(first.courses == ["C-M1", "C-E1"])
        #expect(first.subject?.code == "13" && first.devStage == .key)
        #expect(batch.records[1].record.subject == nil && batch.records[1].record.devStage == nil)
        let row = first.syncedRow
        #expect(row.key == [.text("130102"), .integer(2019), .text("K1")])
        #expect(row.fields.first { $0.name == "courses" }?.value == .text("C-M1;C-E1"))
        #expect(batch.records[1].record.syncedRow.fields.first { $0.name == "subject" }?.value == .text(""))
    }

    @Test func assignsTheCoursesToTheMatchingTeachersOfItsCountyOnly() {
        let batch = parse([Self.good, Self.other])
        let teachers = RecordFixture.profiles
        // K1: primary Chinese key teachers of 130102 → one teacher, two courses.
        let k1 = batch.records[0].record.selections(for: teachers)
        #expect(k1.map(\.idNumber) == [RecordFixture.teacher, RecordFixture.teacher])
        #expect(k1.map(\.courseCode) == ["C-M1", "C-E1"])
        #expect(k1.allSatisfy { $0.cohortCode == "K1" && $0.countyCode == "130102" && $0.year == 2019 })
        // K2: every primary teacher of 130102, whatever the subject and stage of development; not the neighbour's.
        let k2 = batch.records[1].record.selections(for: teachers)
        #expect(k2.map(\.idNumber) == [RecordFixture.teacher, RecordFixture.colleague])
        let row = k2[0].syncedRow
        #expect(row.table.name == "selections")
        #expect(
            row.key == [.text("130102"), .integer(2019), .text("1"), .text(RecordFixture.teacher), .text("C-M1")])
        #expect(row.fields == [.init("cohort_code", .text("K2"))])
    }

    static let badValues = [
        BadValue("cohort_code", "K1", .duplicateKey), BadValue("cohort_code", "K 2", .codeInvalid),
        BadValue("year", "1999", .yearInvalid), BadValue("county_code", "", .valueMissing),
        BadValue("county_code", "130104", .countyOutOfScope), BadValue("county_code", "130100", .countyNotCountyLevel),
        BadValue("county_code", "139001", .countyUnknown), BadValue("stage", "", .valueMissing),
        BadValue("stage", "2;3", .stageUnknown), BadValue("subject", "1", .subjectUnknown),
        BadValue("dev_stage", "expert", .devStageUnknown), BadValue("courses", "", .valueMissing),
        BadValue("courses", ";", .valueMissing), BadValue("courses", "C-M1;C-X", .courseUnknown),
        BadValue("courses", "C-2018", .courseYearMismatch),
    ]

    @Test(arguments: badValues)
    func refusesABadRow(bad: BadValue) {
        var row = Self.other
        row[bad.column] = bad.value
        expectOnlyLine3Refused(parse([Self.good, row]), bad)
    }

    @Test func reportsEachBadCourseOfTheListByPosition() {
        var row = Self.other
        row["courses"] = "C-X;C-M1;C-2018"
        let batch = parse([row])
        #expect(batch.issues.map(\.reason) == [.courseUnknown, .courseYearMismatch])
        #expect(batch.issues.map(\.detail).allSatisfy { !$0.contains("C-") })
        #expect(batch.issues[0].detail.contains("course 1") && batch.issues[1].detail.contains("course 3"))
    }

    @Test func theHubWritesAnyCounty() {
        var row = Self.other
        row["county_code"] = "130104"
        #expect(parse([row], context: RecordFixture.hub).records.first?.record.countyCode == "130104")
    }
}
