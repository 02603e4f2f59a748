import SyncCore
import Testing
import TrainingDomain

@Suite struct ExemptionCSVTests {
    static let columns = ["year", "id_type", "id_number", "kind", "certificate_year", "evidence"]
    static let good = [
        "year": "2019", "id_type": "1", "id_number": RecordFixture.teacher, "kind": "guopei",
        "certificate_year": "2019", "evidence": "国培证书 GP2019-0001",
    ]
    static let other = [
        "year": "2019", "id_type": "1", "id_number": RecordFixture.colleague, "kind": "manual",
        "certificate_year": "", "evidence": "援疆支教一年，县教育局批准",
    ]

    func parse(
        _ rows: [[String: String]], context: TestImportContext = RecordFixture.context
    )
        -> ImportBatch<Exemption>
    {
        CSVImport.parseExemptions(csv: RecordFixture.csv(Self.columns, rows), context: context)
    }

    @Test func readsClaimsAndAManualOneWithoutCertificateYear() {
        let batch = parse([Self.good, Self.other])
        #expect(batch.isClean)
        #expect(batch.records.map(\.record.kind) == [.guopei, .manual])
        #expect(batch.records.map(\.record.certificateYear) == [2019, 2019])
        let row = batch.records[0].record.syncedRow
        #expect(
            row.key == [.text("130102"), .integer(2019), .text("1"), .text(RecordFixture.teacher), .text("guopei")])
        #expect(row.fields.first { $0.name == "certificate_year" }?.value == .integer(2019))
    }

    static let badValues = [
        BadValue("year", "", .valueMissing), BadValue("id_number", RecordFixture.stranger, .teacherUnknown),
        BadValue("id_number", RecordFixture.neighboursTeacher, .countyOutOfScope),
        BadValue("kind", "", .valueMissing), BadValue("kind", "national", .exemptionKindUnknown),
        BadValue("kind", "provincial", .valueMissing, on: "certificate_year"),
        BadValue("certificate_year", "19", .yearInvalid), BadValue("evidence", "", .valueMissing),
        BadValue("evidence", String(repeating: "证", count: 201), .valueTooLong),
    ]

    @Test(arguments: badValues)
    func refusesABadRow(bad: BadValue) {
        var row = Self.other
        row[bad.column] = bad.value
        expectOnlyLine3Refused(parse([Self.good, row]), bad)
    }

    @Test func reportsARepeatedClaimOnTheKind() {
        var row = Self.good
        row["evidence"] = "另一份证书"
        let batch = parse([Self.good, row])
        #expect(batch.records.map(\.line) == [2])
        #expect(batch.issues.map(\.reason) == [.duplicateKey] && batch.issues.first?.column == "kind")
        #expect(batch.issues.first?.line == 3)
    }
}
