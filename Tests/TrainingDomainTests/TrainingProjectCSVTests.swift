import SyncCore
import Testing
import TrainingDomain

@Suite struct TrainingProjectCSVTests {
    static let columns = ["project_code", "year", "name", "stages", "provider_code", "hours_required"]
    static let good = [
        "project_code": "PJ-A", "year": "2019", "name": "小学教师全员培训", "stages": "2", "provider_code": "P1",
        "hours_required": "52",
    ]
    static let other = [
        "project_code": "PJ-B", "year": "2019", "name": "初中教师全员培训", "stages": "3;5", "provider_code": "P1",
        "hours_required": "52.5",
    ]

    func parse(
        _ rows: [[String: String]], context: TestImportContext = RecordFixture.hub
    )
        -> ImportBatch<TrainingProject>
    {
        CSVImport.parseProjects(csv: RecordFixture.csv(Self.columns, rows), context: context)
    }

    @Test func readsProjectsWithHoursInTenths() {
        let batch = parse([Self.good, Self.other])
        #expect(batch.isClean)
        #expect(batch.records.map(\.record.hoursRequired) == [520, 525])
        #expect(batch.records[1].record.stages == [.juniorSecondary, .vocationalJuniorSecondary])
        let row = batch.records[1].record.syncedRow
        #expect(row.key == [.text("PJ-B")])
        #expect(row.fields.first { $0.name == "hours_required" }?.value == .integer(525))
        #expect(row.fields.first { $0.name == "year" }?.value == .integer(2019))
    }

    static let badValues = [
        BadValue("project_code", "PJ-A", .duplicateKey), BadValue("year", "", .valueMissing),
        BadValue("year", "19", .yearInvalid), BadValue("year", "2101", .yearInvalid),
        BadValue("year", "1999", .yearInvalid), BadValue("year", "2019.0", .yearInvalid),
        BadValue("stages", "", .valueMissing), BadValue("provider_code", "P9", .providerUnknown),
        BadValue("provider_code", "", .valueMissing), BadValue("hours_required", "", .valueMissing),
        BadValue("hours_required", "52.25", .hoursInvalid), BadValue("hours_required", ".5", .hoursInvalid),
        BadValue("hours_required", "5,2", .csvMalformed, on: nil), BadValue("hours_required", "-1", .hoursInvalid),
        BadValue("hours_required", "五十二", .hoursInvalid), BadValue("hours_required", "0", .hoursOutOfRange),
        BadValue("hours_required", "0.0", .hoursOutOfRange), BadValue("hours_required", "1000.1", .hoursOutOfRange),
    ]

    @Test(arguments: badValues)
    func refusesABadRow(bad: BadValue) {
        var row = Self.other
        row[bad.column] = bad.value
        let batch = parse([Self.good, row])
        if bad.reason == .csvMalformed {
            // An unquoted comma adds a field: the row is skipped as a whole.
            #expect(batch.records.map(\.line) == [2])
            #expect(batch.issues.map(\.reason) == [.csvMalformed] && batch.issues.first?.column == nil)
        } else {
            expectOnlyLine3Refused(batch, bad)
        }
    }

    @Test func theProviderMustBeInTheReplicaNotJustTheFile() {
        var context = RecordFixture.hub
        context.providers = []
        let batch = parse([Self.good], context: context)
        #expect(batch.issues.map(\.reason) == [.providerUnknown])
        #expect(batch.issues.first?.column == "provider_code")
    }

    @Test func aCountyNodeRefusesTheWholeFile() {
        let batch = parse([Self.good], context: RecordFixture.context)
        #expect(batch.records.isEmpty && batch.issues.map(\.reason) == [.tableNotWritable])
    }
}
