import Foundation
import Testing

@testable import TrainingDomain

@Suite struct ImportIssueTests {
    @Test func describesLineColumnReasonAndDetail() {
        let issue = ImportIssue(
            line: 7, column: "id_number", reason: .idNumberCheckCharacter, detail: "check character does not match")
        #expect(
            issue.description == "line 7, column id_number: id_number.check_character (check character does not match)")
        let fileIssue = ImportIssue(line: 3, column: nil, reason: .csvMalformed, detail: "x")
        #expect(fileIssue.description == "line 3: csv.malformed (x)")
    }

    @Test func reasonCodesAreUniqueAndDotted() {
        let codes = ImportIssue.Reason.all.map(\.code)
        #expect(Set(codes).count == codes.count)
        #expect(codes.allSatisfy { $0.allSatisfy { $0.isLowercase || $0 == "." || $0 == "_" || $0.isNumber } })
        #expect(ImportIssue.Reason.countyOutOfScope.description == "county.out_of_scope")
    }

    @Test(arguments: ["1", "Z", "13", "130102", "139001"])
    func quotesCodeShapedValues(value: String) {
        #expect(ImportIssue.quotable(value) == value)
    }

    @Test(arguments: [
        "张三", "LI", "Li", "ab", "1a", "123", "13010", "1301021", "E1234567", "130102198506121234", "", " 1",
    ])
    func withholdsEverythingElse(value: String) {
        #expect(ImportIssue.quotable(value) == nil)
        #expect(ImportIssue.quoted(value) == "the value")
    }

    @Test func everyReasonIsReachableThroughTheParsers() {
        let context = TestImportContext(
            allowedCounty: "130102", schools: ["S1": "130102", "S9": "130104"],
            teachers: ["1 130102198506121234": "130102", "1 130104199001010018": "130104"])
        let schoolHeader = "school_code,name,county_code,stages\n"
        let teacherHeader = "id_type,id_number,name,gender,school_code,county_code,stage,subject,dev_stage\n"
        let recordHeader = "record_id,id_type,id_number,activity_code,minutes,recorded_at,source\n"
        var issues: [ImportIssue] = []
        issues += CSVImport.parseSchools(csv: Data([0x53, 0xFF, 0x0A]), context: context).issues
        issues += CSVImport.parseSchools(csv: "school_code,name\n", context: context).issues
        issues += CSVImport.parseSchools(csv: "school_code,name,county_code,stages,name\n", context: context).issues
        issues += CSVImport.parseSchools(csv: schoolHeader + "S1,\"a\"b,130102,3\n", context: context).issues
        issues +=
            CSVImport.parseSchools(
                csv: schoolHeader + ",一中,139900,3\nS2,\(String(repeating: "长", count: 65)),130100,3\n"
                    + "S3,\"a\tb\",110105,9\nS4,四中,130104,3\nS9,九中,130102,3\nS5,五中,130102,3;4\nS5,五中,130102,3\n"
                    + "S6,六中,130102\n",
                context: context
            ).issues
        issues +=
            CSVImport.parseTeachers(
                csv: teacherHeader + "0,130102198506121234,张伟,M,S1,130102,3,14,key\n"
                    + "1,1301021985061212,张伟,M,S1,130102,3,14,key\n1,13010219850612123Y,张伟,M,S1,130102,3,14,key\n"
                    + "1,130102198506121235,张伟,M,S1,130102,3,14,key\n1,130102201902301231,张伟,M,S1,130102,3,14,key\n"
                    + "1,130102198506121234,张伟,F,S1,130102,3,14,key\n1,130102198506121234,张伟,?,S7,130102,0,00,none\n"
                    + "1,130102198506121234,张伟,M,S9,130102,3,14,key\n",
                context: context
            ).issues
        issues +=
            CSVImport.parseStudyRecords(
                csv: recordHeader + "R1,1,130682200012290440,C1,45,2019-09-01T20:15:00+08:00,provider\n"
                    + "R2,1,130104199001010018,C1,x,2019-09-01T20:15:00,app\n"
                    + "R3,1,130102198506121234,C1,0,2019-09-01T20:15:00+08:00,provider\n"
                    + "R3,1,130102198506121234,C1,45,2019-09-01T20:15:00+08:00,provider\n",
                context: context
            ).issues
        let reached = Set(issues.map(\.reason))
        // The record imports' reasons are reached in RecordReasonTests.
        let missing = ImportIssue.Reason.all.filter {
            !reached.contains($0) && !ImportIssue.Reason.records.contains($0)
        }
        #expect(missing.isEmpty, "never produced: \(missing.map(\.code))")
        #expect(reached.isSubset(of: Set(ImportIssue.Reason.all)))
    }
}
