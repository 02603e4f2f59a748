import Testing
import TrainingDomain

@Suite struct SchoolCSVTests {
    static let header = "school_code,name,county_code,stages\n"

    func parse(_ rows: String, context: TestImportContext = TestImportContext()) -> ImportBatch<School> {
        CSVImport.parseSchools(csv: Self.header + rows, context: context)
    }

    @Test func sortsAndMergesStages() {
        let batch = parse("S1,一中,130102,4;3;4;;A;1;\n")
        #expect(batch.isClean)
        #expect(
            batch.records.first?.record.stages == [.preschool, .juniorSecondary, .seniorSecondary, .specialEducation])
    }

    @Test func requiresKnownStages() {
        let batch = parse("S1,一中,130102,3;9\nS2,二中,130102,;\n")
        #expect(batch.records.isEmpty)
        #expect(batch.issues.map(\.reason) == [.stageUnknown, .valueMissing])
        #expect(batch.issues.map(\.column) == ["stages", "stages"])
        #expect(batch.issues.first?.detail.contains("'9'") == true)
    }

    @Test(
        "county checks",
        arguments: [
            ("110105", ImportIssue.Reason.countyUnknown),
            ("139001", .countyUnknown),
            ("130100", .countyNotCountyLevel),
            ("130000", .countyNotCountyLevel),
            ("139900", .countyNotCountyLevel),
            ("", .valueMissing),
            ("130104", .countyOutOfScope),
        ])
    func countyChecks(county: String, reason: ImportIssue.Reason) {
        let batch = parse("S1,一中,\(county),3\n", context: TestImportContext(allowedCounty: "130102"))
        #expect(batch.records.isEmpty)
        #expect(batch.issues.map(\.reason) == [reason])
        #expect(batch.issues.first?.column == "county_code")
    }

    @Test func explainsRetiredCodesOfDingzhouAndXinji() {
        let issue = parse("S1,一中,139002,3\n").issues.first
        #expect(issue?.reason == .countyUnknown)
        #expect(issue?.detail.contains("130181") == true)
    }

    @Test func theHubMayWriteAnyCounty() {
        let batch = parse("S1,一中,130102,3\nS2,二中,131182,4\nS3,雄县一中,130638,4\n")
        #expect(batch.isClean)
        #expect(batch.records.map(\.record.countyCode) == ["130102", "131182", "130638"])
    }

    @Test func reportsARepeatedSchoolCodeOnTheLaterLine() {
        let batch = parse("S1,一中,130102,3\nS2,二中,130102,3\nS1,一中分校,130102,3\n")
        #expect(batch.records.map(\.line) == [2, 3])
        #expect(batch.issues.map(\.reason) == [.duplicateKey])
        #expect(batch.issues.first?.line == 4)
        #expect(batch.issues.first?.detail.contains("line 2") == true)
    }

    @Test func refusesMovingAKnownSchoolToAnotherCounty() {
        let context = TestImportContext(schools: ["S1": "130104", "S2": "130102"])
        let batch = parse("S1,一中,130102,3\nS2,二中,130102,3\n", context: context)
        #expect(batch.records.map(\.line) == [3])
        #expect(batch.issues.map(\.reason) == [.schoolCountyMismatch])
        #expect(batch.issues.first?.detail.contains("130104") == true)
    }

    @Test func checksTextValues() {
        let long = String(repeating: "校", count: 65)
        let batch = parse(",一中,130102,3\nS2,\(long),130102,3\nS3,\"三\t中\",130102,3\nS4,\(long.dropLast()),130102,3\n")
        #expect(batch.records.map(\.line) == [5])
        #expect(batch.issues.map(\.reason) == [.valueMissing, .valueTooLong, .valueControlCharacter])
        #expect(batch.issues.map(\.column) == ["school_code", "name", "name"])
    }
}
