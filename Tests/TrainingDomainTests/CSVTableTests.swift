import Foundation
import Testing
import TrainingDomain

/// File-level behaviour shared by every import, exercised through the school list (the simplest file).
@Suite struct CSVTableTests {
    let context = TestImportContext()

    func schools(_ csv: String) -> ImportBatch<School> {
        CSVImport.parseSchools(csv: csv, context: context)
    }

    @Test func readsAValidFile() {
        let batch = schools("school_code,name,county_code,stages\nS1,一中,130102,3;4\nS2,二小,130104,2\n")
        #expect(batch.isClean)
        #expect(batch.records.map(\.line) == [2, 3])
        #expect(batch.records.map(\.record.schoolCode) == ["S1", "S2"])
    }

    @Test func acceptsHeadersInAnyOrderAndIgnoresUnknownColumns() {
        let batch = schools("stages,remark,county_code,name,school_code\n3,新校,130102,一中,S1\n")
        #expect(batch.isClean)
        #expect(
            batch.records.first?.record
                == School(schoolCode: "S1", name: "一中", countyCode: "130102", stages: [.juniorSecondary]))
    }

    @Test func reportsEachMissingColumnOnLineOneAndReadsNothing() {
        let batch = schools("school_code,name\nS1,一中\n")
        #expect(batch.records.isEmpty)
        #expect(batch.issues.map(\.reason) == [.headerMissingColumn, .headerMissingColumn])
        #expect(batch.issues.map(\.column) == ["county_code", "stages"])
        #expect(batch.issues.allSatisfy { $0.line == 1 })
    }

    @Test func refusesARepeatedRequiredColumn() {
        let batch = schools("school_code,name,county_code,stages,name\nS1,一中,130102,3,一中\n")
        #expect(batch.records.isEmpty)
        #expect(batch.issues.map(\.reason) == [.headerDuplicateColumn])
        #expect(batch.issues.first?.column == "name")
    }

    @Test func reportsAnEmptyFile() {
        let batch = schools("")
        #expect(batch.records.isEmpty)
        #expect(batch.issues.count == 4)
        #expect(batch.issues.allSatisfy { $0.reason == .headerMissingColumn && $0.line == 1 })
    }

    @Test func toleratesAByteOrderMark() {
        let text = "\u{FEFF}school_code,name,county_code,stages\r\nS1,一中,130102,3\r\n"
        #expect(schools(text).records.count == 1)
        let data = Data([0xEF, 0xBB, 0xBF]) + Data("school_code,name,county_code,stages\nS1,一中,130102,3\n".utf8)
        let batch = CSVImport.parseSchools(csv: data, context: context)
        #expect(batch.isClean)
        #expect(batch.records.count == 1)
    }

    @Test func trimsValuesAndHeaders() {
        let batch = schools(" school_code , name,county_code,stages\n S1 ,\u{3000}一中\u{3000},\t130102 , 3 ; 4 \n")
        #expect(batch.isClean)
        #expect(
            batch.records.first?.record
                == School(
                    schoolCode: "S1", name: "一中", countyCode: "130102", stages: [.juniorSecondary, .seniorSecondary]))
    }

    @Test func countsPhysicalLinesAcrossLineEndingsBlankLinesAndQuotedLineBreaks() {
        let csv =
            "school_code,name,county_code,stages\r\n"  // line 1
            + "S1,一中,130102,3\r\n"  // line 2
            + "\r\n"  // line 3: blank, skipped
            + "S2,\"二\r\n小\",130102,2\n"  // lines 4–5: a quoted line break makes the name invalid
            + ",,,\r"  // line 6: empty fields only, skipped
            + "S3,\"三\"\"中\",130102,3\n"  // line 7
            + "S4,四中,999999,3"  // line 8, no final line break
        let batch = schools(csv)
        #expect(batch.records.map(\.line) == [2, 7])
        #expect(batch.records.last?.record.name == "三\"中")
        #expect(batch.issues.map(\.line) == [4, 8])
        #expect(batch.issues.map(\.reason) == [.valueControlCharacter, .countyUnknown])
    }

    @Test func skipsARowWithTheWrongNumberOfFields() {
        let batch = schools("school_code,name,county_code,stages\nS1,一中,130102\nS2,二中,130102,3,extra\nS3,三中,130102,3\n")
        #expect(batch.records.map(\.line) == [4])
        #expect(batch.issues.map(\.reason) == [.csvMalformed, .csvMalformed])
        #expect(batch.issues.map(\.line) == [2, 3])
    }

    @Test(
        "quoting errors refuse the whole file",
        arguments: [
            ("school_code,name,county_code,stages\nS1,一中,130102,3\nS2,\"二中\"x,130102,3\nS3,三中,130102,3\n", 3),
            ("school_code,name,county_code,stages\nS1,一中,130102,3\nS2,二\"中,130102,3\n", 3),
            ("school_code,name,county_code,stages\nS1,一中,130102,3\n\nS2,\"二中,130102,3\nS3,三中,130102,3\n", 4),
            ("school_code,name,county_code,stages\nS1, \"一中\",130102,3\n", 2),
        ])
    func quotingErrors(csv: String, line: Int) {
        let batch = schools(csv)
        #expect(batch.records.isEmpty)
        #expect(batch.issues.count == 1)
        #expect(batch.issues.first?.reason == .csvMalformed)
        #expect(batch.issues.first?.line == line)
    }

    @Test func refusesInvalidUTF8WithTheLineOfTheFirstBadByte() {
        var data = Data("school_code,name,county_code,stages\nS1,一中,130102,3\r\nS2,".utf8)
        data += Data([0xB6, 0xFE, 0xD6, 0xD0])  // 二中 in GBK
        data += Data(",130102,3\n".utf8)
        let batch = CSVImport.parseSchools(csv: data, context: context)
        #expect(batch.records.isEmpty)
        #expect(batch.issues.count == 1)
        #expect(batch.issues.first?.reason == .utf8Invalid)
        #expect(batch.issues.first?.line == 3)
        #expect(batch.issues.first?.column == nil)
    }
}
