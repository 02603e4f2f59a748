import Foundation
import SQLiteReplica
import SyncCore
import Testing
import TrainingDomain

/// The policy engine over the replica's records (docs/POLICY.md, "Running it"): the county's preview and the
/// hub's official run agree, digest for digest, on the same inputs.
@Suite struct AssessmentRunTests {
    /// After the 2019 deadline (2020-01-01T00:00:00+08:00).
    static let afterDeadline = Date(timeIntervalSince1970: 1_577_894_400)
    /// Before it.
    static let duringTheYear = Date(timeIntervalSince1970: 1_572_566_400)

    static func attendance(activity: String, teacher: Int, minutes: Int64) -> LocalWrite {
        ReplicaFixture.row(
            "attendance", [.text("130102"), .text(activity), .text("1"), .text("ID\(teacher)")],
            [("minutes", .integer(minutes))])
    }

    /// Four teachers of county 130102: ID1 meets every requirement, ID2 is short of mandatory-topic hours, ID3
    /// claims a 2019 国培计划 certificate, ID4 has no records.
    static func province() throws -> ReplicaFixture {
        let f = try ReplicaFixture()
        try f.seedTrainingYear()
        let county = f.counties[0]
        try county.write((1...4).map { ReplicaFixture.teacher($0) })
        try county.write([
            ReplicaFixture.study("S1-M", teacher: 1, course: "M1", minutes: 500),
            ReplicaFixture.study("S1-E", teacher: 1, course: "E1", minutes: 800),
            ReplicaFixture.study("S1-I", teacher: 1, course: "I1", minutes: 500),
            ReplicaFixture.homework("H1-1", teacher: 1, assignment: "H1", score: 850),
            ReplicaFixture.homework("H1-2", teacher: 1, assignment: "H2", score: 900),
            ReplicaFixture.study("S2-M", teacher: 2, course: "M1", minutes: 200),
            ReplicaFixture.study("S2-E", teacher: 2, course: "E1", minutes: 1000),
            ReplicaFixture.study("S2-I", teacher: 2, course: "I1", minutes: 600),
            ReplicaFixture.homework("H2-1", teacher: 2, assignment: "H1", score: 850),
            ReplicaFixture.homework("H2-2", teacher: 2, assignment: "H2", score: 900),
            ReplicaFixture.row(
                "activities", [.text("130102"), .text("A-1012")],
                [
                    ("year", .integer(2019)), ("title", .text("县级线下研修")), ("course_code", .text("OFF1")),
                    ("school_code", .null), ("held_on", .text("2019-10-12")), ("minutes", .integer(600)),
                ]),
            Self.attendance(activity: "A-1012", teacher: 1, minutes: 600),
            Self.attendance(activity: "A-1012", teacher: 2, minutes: 600),
            ReplicaFixture.row(
                "exemptions", [.text("130102"), .integer(2019), .text("1"), .text("ID3"), .text("guopei")],
                [("certificate_year", .integer(2019)), ("evidence", .text("GP2019-0001"))]),
        ])
        try county.seal()
        #expect(try f.hub.receive(county.exportEnvelopes()).rejected.isEmpty)
        return f
    }

    static func status(_ run: AssessmentRun, _ teacher: Int) -> String? {
        run.records.first { $0.idNumber == "ID\(teacher)" }?.status
    }

    @Test("each teacher gets the status, hours and reasons the policy gives")
    func statusesAndReasons() throws {
        let f = try Self.province()
        let run = try f.counties[0].assess(year: 2019, county: nil, asOf: Self.afterDeadline)
        #expect(run.records.count == 4)
        #expect(Self.status(run, 1) == "qualified")
        #expect(Self.status(run, 2) == "not_qualified")
        #expect(Self.status(run, 3) == "exempt")
        #expect(Self.status(run, 4) == "not_qualified")
        let first = try #require(run.records.first { $0.idNumber == "ID1" })
        #expect(first.hours("mandatory") == 111)  // 500 minutes at 45 a credited hour, rounded down to tenths
        #expect(first.hours("offline") == 133)
        #expect(first.totalHours == 533)
        let second = try #require(run.records.first { $0.idNumber == "ID2" })
        #expect(second.reasonCodes == ["short.mandatory"])
        #expect(second.reasons.contains("short of 5.6 mandatory-topic hours"))
        #expect(run.records.first { $0.idNumber == "ID4" }?.reasonCodes.first == "study.none")
        let during = try f.counties[0].assess(year: 2019, county: nil, asOf: Self.duringTheYear)
        #expect(Self.status(during, 2) == "in_progress")
        #expect(Self.status(during, 4) == "not_started")
    }

    @Test("the hub's official run, received by the county, has the digest of the county's own preview")
    func previewEqualsOfficial() throws {
        let f = try Self.province()
        let county = f.counties[0]
        let published = try f.hub.publishAssessments(year: 2019, county: nil, asOf: Self.afterDeadline)
        #expect(published.written == 4)
        #expect(try county.receive(f.hub.exportEnvelopes()).rejected.isEmpty)
        let official = try county.officialAssessments(year: 2019, county: nil)
        let preview = try county.assess(year: 2019, county: nil, asOf: Self.afterDeadline)
        #expect(official.records.count == 4)
        #expect(official.digest == preview.digest)
        #expect(official.digest == published.run.digest)
        #expect(try county.digest(county: "130102") == f.hub.digest(county: "130102"))
        // Publishing again changes nothing; a withdrawal changes one teacher, and the preview sees it first.
        #expect(try f.hub.publishAssessments(year: 2019, county: nil, asOf: Self.afterDeadline).written == 0)
        try county.write([
            ReplicaFixture.row(
                "withdrawals", [.text("130102"), .text("S1-M")],
                [("reason", .text("duplicate upload")), ("withdrawn_at", .text("2019-12-01T09:00:00+08:00"))],
                kind: .insertFact)
        ])
        let changed = try county.assess(year: 2019, county: nil, asOf: Self.afterDeadline)
        #expect(Self.status(changed, 1) == "not_qualified")
        #expect(changed.digest != official.digest)
        try county.seal()
        _ = try f.hub.receive(county.exportEnvelopes())
        #expect(try f.hub.publishAssessments(year: 2019, county: nil, asOf: Self.afterDeadline).written == 1)
        _ = try county.receive(f.hub.exportEnvelopes())
        #expect(try county.officialAssessments(year: 2019, county: nil).digest == changed.digest)
    }

    @Test("a make-up of 2018 that meets the standard turns 2018 qualified; one that does not leaves it not qualified")
    func makeUp() throws {
        let f = try Self.province()
        // 2018's policy: the same standard, a year earlier; 2019's make-up window credits 2018.
        let document = ReplicaFixture.policyDocument.replacingOccurrences(of: "\"year\": 2019", with: "\"year\": 2018")
            .replacingOccurrences(
                of: "2019-06-06T00:00:00+08:00\",\n  \"deadline\": \"2020",
                with: "2018-06-06T00:00:00+08:00\",\n  \"deadline\": \"2019"
            )
            .replacingOccurrences(of: "\"certificate_year\": 2019", with: "\"certificate_year\": 2018")
            .replacingOccurrences(
                of:
                    ",\n  \"make_up\": { \"credits_year\": 2018, \"opens\": \"2019-06-06T00:00:00+08:00\", \"deadline\": \"2020-01-01T00:00:00+08:00\" }",
                with: "")
        try f.hub.publishPolicy(year: 2018, version: 1, document: document)
        let courses = [
            ("M18", "mandatory", 500), ("E18", "elective", 800), ("I18", "it", 500), ("O18", "offline", 600),
        ]
        try f.hub.write(
            courses.map { ReplicaFixture.course($0.0, project: nil, kind: "mandatory", category: $0.1, hours: 100) }
                .map { w in
                    var w = w
                    w.fields = w.fields.map { $0.name == "year" ? .init("year", .integer(2018)) : $0 }
                    return w
                })
        try f.hub.seal()
        let county = f.counties[0]
        _ = try county.receive(f.hub.exportEnvelopes())
        var writes = [LocalWrite]()
        for teacher in [5, 6] {
            writes.append(ReplicaFixture.teacher(teacher))
            writes.append(
                ReplicaFixture.row(
                    "make_ups", [.text("130102"), .integer(2018), .text("1"), .text("ID\(teacher)")],
                    [("enrolled_on", .text("2019-07-01"))]))
            for (course, _, minutes) in courses {
                // Teacher 6 studies too little of each course to reach the standard.
                writes.append(
                    ReplicaFixture.study(
                        "MU\(teacher)-\(course)", teacher: teacher, course: course,
                        minutes: Int64(teacher == 5 ? minutes : minutes / 4),
                        source: course == "O18" ? "county" : "provider", at: "2019-09-15T10:00:00+08:00"))
            }
            for n in 1...2 {
                writes.append(
                    ReplicaFixture.row(
                        "homework", [.text("130102"), .text("MU\(teacher)-H\(n)")],
                        [
                            ("id_type", .text("1")), ("id_number", .text("ID\(teacher)")), ("year", .integer(2018)),
                            ("project_code", .text("PJ-PRI")), ("assignment_id", .text("H\(n)")),
                            ("score", .integer(800)), ("submitted_at", .text("2019-09-20T10:00:00+08:00")),
                        ], kind: .insertFact))
            }
        }
        try county.write(writes)
        let run = try county.assess(year: 2018, county: nil, asOf: Self.afterDeadline)
        #expect(Self.status(run, 5) == "qualified", "\(run.records.first { $0.idNumber == "ID5" }?.reasons ?? "")")
        #expect(run.records.first { $0.idNumber == "ID5" }?.reasonCodes.contains("makeup.qualified") == true)
        #expect(Self.status(run, 6) == "not_qualified")
        #expect(run.records.first { $0.idNumber == "ID6" }?.reasonCodes.contains("makeup.failed") == true)
    }

    @Test("rows written only in part (visible with one column) give no credit and break nothing")
    func partialRows() throws {
        let f = try Self.province()
        let county = f.counties[0]
        let before = try county.assess(year: 2019, county: nil, asOf: Self.afterDeadline)
        try county.write([
            ReplicaFixture.row("activities", [.text("130102"), .text("A-PART")], [("year", .integer(2019))]),
            Self.attendance(activity: "A-PART", teacher: 4, minutes: 600),
            ReplicaFixture.row(
                "exemptions", [.text("130102"), .integer(2019), .text("1"), .text("ID4"), .text("guopei")],
                [("certificate_year", .integer(2019))]),
            ReplicaFixture.row("teachers", [.text("130102"), .text("1"), .text("ID8")], [("name", .text("王五"))]),
        ])
        let after = try county.assess(year: 2019, county: nil, asOf: Self.afterDeadline)
        #expect(Self.status(after, 4) == "not_qualified")
        #expect(after.records.count == before.records.count + 1)
        for kind in ReportGrouping.allCases {
            _ = try county.completionReport(year: 2019, by: kind, county: nil, asOf: Self.afterDeadline)
        }
        _ = try county.atRiskReport(year: 2019, county: nil, asOf: Self.duringTheYear)
        // A study record whose id looks like an attendance credit's does not displace the attendance.
        try county.write([
            ReplicaFixture.study("activity:A-1012", teacher: 1, course: "OFF1", minutes: 5, source: "county")
        ])
        let first = try county.assess(year: 2019, county: nil, asOf: Self.afterDeadline).records.first {
            $0.idNumber == "ID1"
        }
        #expect(first?.hours("offline") == 134)
    }

    @Test("assessing a year with no published policy names what is missing")
    func noPolicy() throws {
        let f = try ReplicaFixture()
        #expect(throws: ReplicaError.self) {
            try f.counties[0].assess(year: 2019, county: nil, asOf: Self.afterDeadline)
        }
        #expect(throws: ReplicaError.self) {
            try f.counties[0].publishAssessments(year: 2019, county: nil, asOf: Date())
        }
    }
}
