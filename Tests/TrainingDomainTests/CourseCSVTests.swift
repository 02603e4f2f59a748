import SyncCore
import Testing
import TrainingDomain

@Suite struct CourseCSVTests {
    static let columns = [
        "course_code", "year", "project_code", "name", "kind", "category", "hours", "stages", "subject", "dev_stage",
    ]
    static let good = [
        "course_code": "C-1", "year": "2019", "project_code": "PJ2019", "name": "师德修养专题", "kind": "mandatory",
        "category": "mandatory", "hours": "10",
    ]
    static let other = [
        "course_code": "C-2", "year": "2019", "project_code": "", "name": "小学语文线下研修", "kind": "research",
        "category": "offline_research", "hours": "10.5", "stages": "2;1", "subject": "13", "dev_stage": "key",
    ]

    func parse(_ rows: [[String: String]], context: TestImportContext = RecordFixture.hub) -> ImportBatch<Course> {
        CSVImport.parseCourses(csv: RecordFixture.csv(Self.columns, rows), context: context)
    }

    @Test func readsCoursesWithEmptyMeaningAll() {
        let batch = parse([Self.good, Self.other])
        #expect(batch.isClean)
        let first = batch.records[0].record
        #expect(first.projectCode == "PJ2019" && first.kind == .mandatory && first.hours == 100)
        #expect(first.stages.isEmpty && first.subject == nil && first.devStage == nil)
        let second = batch.records[1].record
        #expect(second.projectCode == nil && second.kind == .research && second.category == "offline_research")
        #expect(second.hours == 105 && second.stages == [.preschool, .primary])
        #expect(second.subject?.code == "13" && second.devStage == .key)
        let row = second.syncedRow
        #expect(row.key == [.text("C-2")])
        #expect(row.fields.first { $0.name == "project_code" }?.value == .null)
        #expect(row.fields.first { $0.name == "stages" }?.value == .text("1;2"))
        #expect(first.syncedRow.fields.first { $0.name == "subject" }?.value == .text(""))
    }

    @Test(arguments: CourseKind.allCases)
    func acceptsEveryKind(kind: CourseKind) {
        var row = Self.good
        row["kind"] = kind.rawValue
        #expect(parse([row]).records.first?.record.kind == kind)
    }

    static let badValues = [
        BadValue("course_code", "C-1", .duplicateKey), BadValue("course_code", "C 2", .codeInvalid),
        BadValue("year", "2019年", .yearInvalid), BadValue("project_code", "PJX", .projectUnknown),
        BadValue("project_code", "PJ2018", .projectYearMismatch), BadValue("project_code", "PJ 1", .codeInvalid),
        BadValue("name", "", .valueMissing), BadValue("kind", "", .valueMissing),
        BadValue("kind", "core", .courseKindUnknown), BadValue("kind", "Mandatory", .courseKindUnknown),
        BadValue("category", "", .valueMissing), BadValue("category", "Offline", .categoryInvalid),
        BadValue("category", "线下", .categoryInvalid), BadValue("category", "off-line", .categoryInvalid),
        BadValue("category", String(repeating: "x", count: 33), .categoryInvalid),
        BadValue("hours", "x", .hoursInvalid), BadValue("hours", "0", .hoursOutOfRange),
        BadValue("stages", "0", .stageUnknown), BadValue("subject", "1", .subjectUnknown),
        BadValue("dev_stage", "expert", .devStageUnknown),
    ]

    @Test(arguments: badValues)
    func refusesABadRow(bad: BadValue) {
        var row = Self.other
        row[bad.column] = bad.value
        expectOnlyLine3Refused(parse([Self.good, row]), bad)
    }

    @Test func aCountyNodeRefusesTheWholeFile() {
        let batch = parse([Self.good], context: RecordFixture.context)
        #expect(batch.records.isEmpty && batch.issues.map(\.reason) == [.tableNotWritable])
    }
}
