import SyncCore
import Testing
import TrainingDomain

@Suite struct WithdrawalCSVTests {
    static let columns = ["county_code", "record_id", "reason", "withdrawn_at"]
    static let good = [
        "county_code": "130102", "record_id": "R1", "reason": "重复记录", "withdrawn_at": "2019-10-05T09:00:00+08:00",
    ]
    static let other = [
        "county_code": "130102", "record_id": "H1", "reason": "成绩录入错误", "withdrawn_at": "2019-10-06T09:00:00+08:00",
    ]

    func parse(
        _ rows: [[String: String]], context: TestImportContext = RecordFixture.context
    )
        -> ImportBatch<Withdrawal>
    {
        CSVImport.parseWithdrawals(csv: RecordFixture.csv(Self.columns, rows), context: context)
    }

    @Test func readsWithdrawalsOfStudyRecordsAndHomework() {
        let batch = parse([Self.good, Self.other])
        #expect(batch.isClean)
        #expect(batch.records.map(\.record.recordID) == ["R1", "H1"])
        let row = batch.records[0].record.syncedRow
        #expect(row.table.kind == .fact && row.key == [.text("130102"), .text("R1")])
        #expect(row.fields.first { $0.name == "withdrawn_at" }?.value == .text("2019-10-05T09:00:00+08:00"))
    }

    static let badValues = [
        BadValue("county_code", "130104", .countyOutOfScope), BadValue("county_code", "", .valueMissing),
        BadValue("record_id", "", .valueMissing), BadValue("record_id", "R9", .recordUnknown),
        BadValue("record_id", "R1", .duplicateKey), BadValue("reason", "", .valueMissing),
        BadValue("reason", String(repeating: "误", count: 201), .valueTooLong),
        BadValue("withdrawn_at", "yesterday", .timeInvalid),
    ]

    @Test(arguments: badValues)
    func refusesABadRow(bad: BadValue) {
        var row = Self.other
        row[bad.column] = bad.value
        expectOnlyLine3Refused(parse([Self.good, row]), bad)
    }

    @Test func theHubWithdrawsInAnyCounty() {
        var row = Self.good
        row["county_code"] = "130104"
        row["record_id"] = "R9"
        #expect(parse([row], context: RecordFixture.hub).records.first?.record.countyCode == "130104")
    }
}
