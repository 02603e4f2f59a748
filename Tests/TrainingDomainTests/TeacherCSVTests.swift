import Foundation
import Testing
import TrainingDomain

@Suite struct TeacherCSVTests {
    static let header = "id_type,id_number,name,gender,school_code,county_code,stage,subject,dev_stage\n"
    static let context = TestImportContext(schools: ["S1": "130102", "S2": "130102", "S9": "130104"])

    func parse(_ rows: String, context: TestImportContext = Self.context) -> ImportBatch<Teacher> {
        CSVImport.parseTeachers(csv: Self.header + rows, context: context)
    }

    @Test func readsValidTeachers() {
        let batch = parse(
            "1,130102198506121234,张伟,M,S1,130102,3,14,key\n"
                + "1,11010519491231002x,李娜,F,S2,130102,2,13,master\n"
                + "2,e1234567,王芳,F,S1,130102,A,99,new\n")
        #expect(batch.isClean)
        #expect(
            batch.records.first?.record
                == Teacher(
                    idType: .residentIdentityCard, idNumber: "130102198506121234", name: "张伟", gender: .male,
                    schoolCode: "S1", countyCode: "130102", stage: .juniorSecondary, subject: SubjectCode(code: "14")!,
                    devStage: .key))
        #expect(batch.records.map(\.record.idNumber) == ["130102198506121234", "11010519491231002X", "E1234567"])
        #expect(batch.records.map(\.line) == [2, 3, 4])
    }

    @Test func requiresTheGenderOfTheIdentityCard() {
        let batch = parse(
            "1,130102198506121234,张伟,F,S1,130102,3,14,key\n1,11010519491231002X,李娜,M,S1,130102,3,14,key\n")
        #expect(batch.records.isEmpty)
        #expect(batch.issues.map(\.reason) == [.genderMismatch, .genderMismatch])
        #expect(batch.issues.map(\.column) == ["gender", "gender"])
    }

    @Test func otherDocumentsHaveNoGenderToAgreeWith() {
        #expect(parse("3,12345678,张伟,F,S1,130102,3,14,key\n").isClean)
    }

    @Test func collectsEveryIssueOfARowInColumnOrder() {
        let batch = parse("0,130102198506121234,,X,S7,999999,9,28,expert\n")
        #expect(batch.records.isEmpty)
        #expect(
            batch.issues.map(\.reason) == [
                .idTypeUnknown, .valueMissing, .genderUnknown, .schoolUnknown, .countyUnknown, .stageUnknown,
                .subjectUnknown, .devStageUnknown,
            ])
        #expect(
            batch.issues.map(\.column) == [
                "id_type", "name", "gender", "school_code", "county_code", "stage", "subject", "dev_stage",
            ])
        #expect(batch.issues.allSatisfy { $0.line == 2 })
    }

    @Test func collectsIssuesOfEveryRow() {
        let batch = parse(
            "1,130102198506121235,张伟,M,S1,130102,3,14,key\n"
                + "1,130102198506121234,张伟,M,S1,130102,3,14,key\n"
                + "1,130104199001010018,赵强,M,S1,130102,3,15,young\n"
                + "1,130682200012290440,孙丽,F,S1,130102,3,14,legend\n")
        #expect(batch.records.map(\.line) == [3, 4])
        #expect(batch.issues.map(\.line) == [2, 5])
        #expect(batch.issues.map(\.reason) == [.idNumberCheckCharacter, .devStageUnknown])
    }

    @Test func requiresAKnownSchoolInTheRowsCounty() {
        let batch = parse(
            "1,130102198506121234,张伟,M,S7,130102,3,14,key\n1,130104199001010018,赵强,M,S9,130102,3,14,key\n")
        #expect(batch.records.isEmpty)
        #expect(batch.issues.map(\.reason) == [.schoolUnknown, .schoolCountyMismatch])
        #expect(batch.issues.map(\.column) == ["school_code", "school_code"])
        #expect(batch.issues.last?.detail.contains("130104") == true)
    }

    @Test func refusesTeachersOfAnotherCounty() {
        var context = Self.context
        context.allowedCounty = "130104"
        let batch = parse(
            "1,130104199001010018,赵强,M,S9,130104,3,14,key\n1,130102198506121234,张伟,M,S1,130102,3,14,key\n",
            context: context)
        #expect(batch.records.map(\.line) == [2])
        #expect(batch.issues.map(\.reason) == [.countyOutOfScope])
        #expect(batch.issues.first?.line == 3)
    }

    @Test func reportsARepeatedIdentityOnTheLaterLineAfterNormalising() {
        let batch = parse(
            "1,11010519491231002X,李娜,F,S1,130102,3,14,key\n"
                + "2,11010519491231002X,李娜,F,S1,130102,3,14,key\n"  // same number, other type: another key
                + "1,11010519491231002x,李娜,F,S2,130102,2,13,key\n")
        #expect(batch.records.map(\.line) == [2, 3])
        #expect(batch.issues.map(\.reason) == [.duplicateKey])
        #expect(batch.issues.first?.line == 4)
        #expect(batch.issues.first?.column == "id_number")
    }

    @Test func issuesNeverContainIdentityNumbersOrNames() {
        let people = [
            ("130102198506121235", "张伟"), ("130102201902301231", "欧阳娜娜"), ("E1234567", "JOHN"),
            ("130104199001010018", "Li"), ("11010519491231002X", "李娜"),
        ]
        // Each person is written correctly, then with their data pushed into the wrong columns.
        var rows = ""
        for (number, name) in people {
            rows += "1,\(number),\(name),M,S1,130102,3,14,key\n"
            rows += "\(name),\(number),\(name),\(number),\(number),\(number),\(name),\(number),\(name)\n"
            rows += "1,\(name),\(number),\(name),\(name),\(name),\(number),\(name),\(number)\n"
            rows += "9,\(number)\(number),\(name),F,\(name),\(number),\(name),\(name),\(name)\n"
        }
        let batch = parse(rows + rows)
        #expect(batch.issues.count > 40)
        for issue in batch.issues {
            for (number, name) in people {
                #expect(!issue.description.contains(number), "\(issue.reason)")
                #expect(!issue.description.contains(number.lowercased()), "\(issue.reason)")
                if number.count == 18 {
                    #expect(!issue.description.contains(String(number.dropFirst(6).prefix(8))), "\(issue.reason)")
                }
                #expect(!issue.description.contains(name), "\(issue.reason)")
            }
        }
    }

    /// A county-sized file parses whole, with every line numbered. (Its speed is a figure of
    /// `teachersync-bench`, docs/BENCHMARKS.md, not a test.)
    @Test func parsesOneHundredThousandRows() throws {
        var csv = Self.header
        csv.reserveCapacity(100_000 * 64)
        var schools: [String: String] = [:]
        for index in 0..<100_000 {
            let number = TestIdentity.card(index: index)
            let gender = Int(String(Array(number)[16]))! % 2 == 1 ? "M" : "F"
            let school = "S\(index % 400)"
            schools[school] = "130102"
            csv += "1,\(number),教师\(index),\(gender),\(school),130102,\(index % 6 + 1),14,key\n"
        }
        let context = TestImportContext(allowedCounty: "130102", schools: schools)
        let data = Data(csv.utf8)
        let batch = CSVImport.parseTeachers(csv: data, context: context)
        #expect(batch.issues.isEmpty)
        #expect(batch.records.count == 100_000)
        #expect(batch.records.last?.line == 100_001)
    }
}
