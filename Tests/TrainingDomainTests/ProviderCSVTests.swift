import Foundation
import SyncCore
import Testing
import TrainingDomain

@Suite struct ProviderCSVTests {
    static let columns = ["provider_code", "name", "stages"]
    static let good = ["provider_code": "P1", "name": "中国教师研修网", "stages": "3;2;2"]
    static let other = ["provider_code": "P2", "name": "奥鹏教师教育网", "stages": "4"]

    func parse(_ rows: [[String: String]], context: TestImportContext = RecordFixture.hub) -> ImportBatch<Provider> {
        CSVImport.parseProviders(csv: RecordFixture.csv(Self.columns, rows), context: context)
    }

    @Test func readsProviders() {
        let batch = parse([Self.good, Self.other])
        #expect(batch.isClean)
        #expect(
            batch.records.map(\.record) == [
                Provider(providerCode: "P1", name: "中国教师研修网", stages: [.primary, .juniorSecondary]),
                Provider(providerCode: "P2", name: "奥鹏教师教育网", stages: [.seniorSecondary]),
            ])
        let row = batch.records[0].record.syncedRow
        #expect(row.table.name == "providers" && row.key == [.text("P1")])
        #expect(row.fields == [.init("name", .text("中国教师研修网")), .init("stages", .text("2;3"))])
    }

    static let badValues = [
        BadValue("provider_code", "", .valueMissing), BadValue("provider_code", "P 2", .codeInvalid),
        BadValue("provider_code", "P;2", .codeInvalid), BadValue("provider_code", "P1", .duplicateKey),
        BadValue("name", "", .valueMissing), BadValue("name", String(repeating: "网", count: 65), .valueTooLong),
        BadValue("name", "a\tb", .valueControlCharacter), BadValue("stages", "", .valueMissing),
        BadValue("stages", ";", .valueMissing), BadValue("stages", "4;9", .stageUnknown),
    ]

    @Test(arguments: badValues)
    func refusesABadRow(bad: BadValue) {
        var row = Self.other
        row[bad.column] = bad.value
        expectOnlyLine3Refused(parse([Self.good, row]), bad)
    }

    @Test func aCountyNodeRefusesTheWholeFileUpFront() {
        let batch = parse([Self.good, Self.other], context: RecordFixture.context)
        #expect(batch.records.isEmpty)
        #expect(batch.issues.map(\.reason) == [.tableNotWritable])
        #expect(batch.issues.first?.line == 1 && batch.issues.first?.column == nil)
        #expect(batch.issues.first?.detail.contains("130102") == true)
        // Before the file is even decoded.
        let bytes = CSVImport.parseProviders(csv: Data([0x50, 0xFF, 0x0A]), context: RecordFixture.context)
        #expect(bytes.issues.map(\.reason) == [.tableNotWritable])
    }
}
