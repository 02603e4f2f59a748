import SyncCore
import Testing
import TrainingDomain

@Suite struct TrainingContactCSVTests {
    static let columns = ["unit_code", "duty", "name", "phone", "email"]
    static let good = [
        "unit_code": "130100", "duty": "培训负责人", "name": "王老师", "phone": "0311-86000000",
        "email": "peixun@example.cn",
    ]
    static let other = [
        "unit_code": "130102", "duty": "培训负责人", "name": "李老师", "phone": "+86 311 8600 0001", "email": "",
    ]

    func parse(
        _ rows: [[String: String]], context: TestImportContext = RecordFixture.hub
    )
        -> ImportBatch<TrainingContact>
    {
        CSVImport.parseContacts(csv: RecordFixture.csv(Self.columns, rows), context: context)
    }

    @Test func readsContactsOfCitiesAndCounties() {
        let batch = parse([Self.good, Self.other])
        #expect(batch.isClean)
        #expect(batch.records.map(\.record.unitCode) == ["130100", "130102"])
        #expect(batch.records.map(\.record.email) == ["peixun@example.cn", nil])
        let row = batch.records[1].record.syncedRow
        #expect(row.key == [.text("130102"), .text("培训负责人")])
        #expect(row.fields.first { $0.name == "email" }?.value == .null)
    }

    static let badValues = [
        BadValue("unit_code", "", .valueMissing), BadValue("unit_code", "999999", .unitUnknown),
        BadValue("unit_code", "130000", .unitNotCityOrCounty),
        BadValue("unit_code", "130100", .duplicateKey, on: "duty"),
        BadValue("duty", "", .valueMissing), BadValue("name", "", .valueMissing), BadValue("phone", "", .valueMissing),
        BadValue("phone", "1234", .phoneInvalid), BadValue("phone", "0311-8600x000", .phoneInvalid),
        BadValue("phone", "0311 8600 0000 0000 00", .phoneInvalid), BadValue("email", "a@b@c", .emailInvalid),
        BadValue("email", "example.cn", .emailInvalid), BadValue("email", "@example.cn", .emailInvalid),
        BadValue("email", "a b@example.cn", .emailInvalid),
    ]

    @Test(arguments: badValues)
    func refusesABadRow(bad: BadValue) {
        var row = Self.other
        row[bad.column] = bad.value
        expectOnlyLine3Refused(parse([Self.good, row]), bad)
    }

    @Test func aCountyNodeRefusesTheWholeFile() {
        let batch = parse([Self.other], context: RecordFixture.context)
        #expect(batch.records.isEmpty && batch.issues.map(\.reason) == [.tableNotWritable])
    }
}
