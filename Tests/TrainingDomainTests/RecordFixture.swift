import Foundation
import Testing
import TrainingDomain

/// What the record-import tests share: a county node's context that knows a small catalogue, two counties' teachers,
/// an activity and two records, and a way to build files from rows given as column → value.
enum RecordFixture {
    /// The node's county (长安区) and a neighbour (桥西区).
    static let county = "130102"
    static let neighbour = "130104"
    /// A teacher of the county (primary, Chinese, key), another (primary, maths, new) and one of the neighbour.
    static let teacher = "130102198506121234"
    static let colleague = "11010519491231002X"
    static let neighboursTeacher = "130104199001010018"
    /// A valid card number of nobody the replica knows.
    static let stranger = "130682200012290440"

    static let profiles = [
        TeacherProfile(
            idType: .residentIdentityCard, idNumber: teacher, countyCode: county, schoolCode: "S1", stage: .primary,
            subject: SubjectCode(code: "13")!, devStage: .key),
        TeacherProfile(
            idType: .residentIdentityCard, idNumber: colleague, countyCode: county, schoolCode: "S1", stage: .primary,
            subject: SubjectCode(code: "14")!, devStage: .new),
        TeacherProfile(
            idType: .residentIdentityCard, idNumber: neighboursTeacher, countyCode: neighbour, schoolCode: "S9",
            stage: .primary, subject: SubjectCode(code: "13")!, devStage: .key),
    ]

    /// The county node's context.
    static let context = TestImportContext(
        allowedCounty: county, schools: ["S1": county, "S2": county, "S9": neighbour],
        teachers: Dictionary(uniqueKeysWithValues: profiles.map { ("1 " + $0.idNumber, $0.countyCode) }),
        providers: ["P1"], projects: ["PJ2019": 2019, "PJ2018": 2018],
        courses: ["C-M1": 2019, "C-E1": 2019, "C-OFF": 2019, "C-2018": 2018],
        activities: [
            "\(county) A1": ActivitySummary(year: 2019, minutes: 120),
            "\(neighbour) A9": ActivitySummary(year: 2019, minutes: 90),
        ],
        profiles: profiles, records: ["\(county) R1", "\(county) H1", "\(neighbour) R9"])

    /// The hub's context: the same replica, any county.
    static var hub: TestImportContext {
        var hub = context
        hub.allowedCounty = nil
        return hub
    }

    /// A file with the header `columns` and one line per row; a column a row does not name is empty.
    static func csv(_ columns: [String], _ rows: [[String: String]]) -> String {
        ([columns.joined(separator: ",")] + rows.map { row in columns.map { row[$0] ?? "" }.joined(separator: ",") })
            .joined(separator: "\n") + "\n"
    }
}

/// One bad value: the column changed, its new value, and the issue expected (on `issueColumn` when another column
/// gets it).
struct BadValue: Sendable, CustomTestStringConvertible {
    let column: String
    let value: String
    let reason: ImportIssue.Reason
    var issueColumn: String?

    init(_ column: String, _ value: String, _ reason: ImportIssue.Reason, on issueColumn: String? = nil) {
        self.column = column
        self.value = value
        self.reason = reason
        self.issueColumn = issueColumn
    }

    var testDescription: String { "\(column)=\(value.prefix(20)) → \(reason.code)" }
}

/// Checks a file whose line 2 is good and whose line 3 has exactly the bad value: one record (line 2), one issue on
/// line 3 with the expected column and reason, and no personal data in it.
func expectOnlyLine3Refused<Record>(
    _ batch: ImportBatch<Record>, _ bad: BadValue, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(batch.records.map(\.line) == [2], "\(batch.issues)", sourceLocation: sourceLocation)
    #expect(batch.issues.count == 1, "\(batch.issues)", sourceLocation: sourceLocation)
    guard let issue = batch.issues.first else { return }
    #expect(issue.line == 3, sourceLocation: sourceLocation)
    #expect(issue.column == (bad.issueColumn ?? bad.column), "\(issue)", sourceLocation: sourceLocation)
    #expect(issue.reason == bad.reason, "\(issue)", sourceLocation: sourceLocation)
    for secret in [RecordFixture.teacher, RecordFixture.colleague, RecordFixture.neighboursTeacher, "张伟"] {
        #expect(!issue.description.contains(secret), "\(issue)", sourceLocation: sourceLocation)
    }
}
