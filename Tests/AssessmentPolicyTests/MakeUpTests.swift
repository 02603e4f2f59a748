import AssessmentPolicy
import Foundation
import Testing

/// Make-up (补修) of 2018 during 2019: the 2018 policy assesses 2018's records with the 2019 policy's make-up rule.
@Suite struct MakeUpTests {
    typealias F = Fixtures
    static let in2018 = F.at("2018-10-01T10:00:00+08:00")
    static let makeUpDeadline = "2020-01-01T00:00:00+08:00"

    /// 40 hours in 2018 (12 elective, 8 offline) and two passed assignments: 12 hours, 4 elective and 2 offline hours
    /// short.
    static let records2018 = [
        F.credit("a1", "mandatory", 450, at: in2018), F.credit("a2", "elective", 540, at: in2018),
        F.credit("a3", "it", 450, at: in2018), F.credit("a4", "offline", 360, at: in2018),
    ]
    static let homework2018 = [F.homework("h1", "80", at: in2018), F.homework("h2", "90", at: in2018)]
    /// 10 elective and 2 offline hours in the 2019 make-up window.
    static let makeUpRecords = [F.credit("b1", "elective", 450), F.credit("b2", "offline", 90)]
    static let enrolled = MakeUpEnrolment(year: 2018)

    static let cases: [AssessCase] = [
        AssessCase(
            name: "make-up reaching the standard makes 2018 qualified",
            input: .init(credits: records2018 + makeUpRecords, homework: homework2018, makeUp: enrolled),
            status: .qualified, hours: ["10", "22", "10", "10", "52"], score: "97",
            reasons: ["makeup.qualified: 2018 qualified by make-up study before \(makeUpDeadline)"]),
        AssessCase(
            name: "make-up homework counts too",
            input: .init(
                credits: records2018 + makeUpRecords, homework: [homework2018[0], F.homework("h2", "90")],
                makeUp: enrolled),
            status: .qualified, hours: ["10", "22", "10", "10", "52"], score: "97",
            reasons: ["makeup.qualified: 2018 qualified by make-up study before \(makeUpDeadline)"]),
        AssessCase(
            name: "make-up short of the standard leaves 2018 not qualified",
            input: .init(credits: records2018 + [makeUpRecords[0]], homework: homework2018, makeUp: enrolled),
            status: .notQualified, hours: ["10", "22", "10", "8", "50"], score: "93",
            reasons: [
                "short.total: short of 2 hours in total (50 of 52)",
                "short.offline: short of 2 offline-research hours (8 of 10)",
                "makeup.failed: make-up of 2018 closed at \(makeUpDeadline) without reaching the standard; "
                    + "2018 stays not qualified",
            ]),
        AssessCase(
            name: "make-up short of the standard while its window is open",
            input: .init(credits: records2018 + [makeUpRecords[0]], homework: homework2018, makeUp: enrolled),
            asOf: F.during2019,
            status: .inProgress, hours: ["10", "22", "10", "8", "50"], score: "93",
            reasons: [
                "short.total: short of 2 hours in total (50 of 52)",
                "short.offline: short of 2 offline-research hours (8 of 10)",
                "makeup.open: make-up of 2018 open until \(makeUpDeadline)",
            ]),
        AssessCase(
            name: "make-up study at the make-up deadline does not count",
            input: .init(
                credits: records2018 + [makeUpRecords[0], F.credit("b2", "offline", 90, at: F.at(makeUpDeadline))],
                homework: homework2018, makeUp: enrolled),
            status: .notQualified, hours: ["10", "22", "10", "8", "50"], score: "93",
            reasons: [
                "short.total: short of 2 hours in total (50 of 52)",
                "short.offline: short of 2 offline-research hours (8 of 10)",
                "makeup.failed: make-up of 2018 closed at \(makeUpDeadline) without reaching the standard; "
                    + "2018 stays not qualified",
                "credit.after_deadline: 1 study record (90 minutes) recorded at or after the deadline "
                    + "2019-01-01T00:00:00+08:00 and outside the make-up window did not count",
            ]),
        AssessCase(
            name: "without an enrolment, study after 2018's deadline does not count",
            input: .init(credits: records2018 + makeUpRecords, homework: homework2018),
            status: .notQualified, hours: ["10", "12", "10", "8", "40"], score: "78.6",
            reasons: [
                "short.total: short of 12 hours in total (40 of 52)",
                "short.elective: short of 4 elective hours (12 of 16)",
                "short.offline: short of 2 offline-research hours (8 of 10)",
                "credit.after_deadline: 2 study records (540 minutes) recorded at or after the deadline "
                    + "2019-01-01T00:00:00+08:00 did not count",
            ]),
        AssessCase(
            name: "an enrolment for another year is ignored",
            input: .init(
                credits: records2018 + makeUpRecords, homework: homework2018, makeUp: MakeUpEnrolment(year: 2017)),
            status: .notQualified, hours: ["10", "12", "10", "8", "40"], score: "78.6",
            reasons: [
                "short.total: short of 12 hours in total (40 of 52)",
                "short.elective: short of 4 elective hours (12 of 16)",
                "short.offline: short of 2 offline-research hours (8 of 10)",
                "makeup.not_applicable: the make-up enrolment is for 2017, not 2018; it was ignored",
                "credit.after_deadline: 2 study records (540 minutes) recorded at or after the deadline "
                    + "2019-01-01T00:00:00+08:00 did not count",
            ]),
        AssessCase(
            name: "2018 qualified without the make-up",
            input: .init(
                credits: records2018 + [
                    F.credit("a5", "elective", 450, at: in2018), F.credit("a6", "offline", 90, at: in2018),
                ] + makeUpRecords,
                homework: homework2018, makeUp: enrolled),
            status: .qualified, hours: ["10", "32", "10", "12", "64"], score: "97",
            reasons: ["makeup.not_needed: 2018 qualified without make-up study"]),
    ]

    @Test(arguments: cases)
    func makeUp(_ row: AssessCase) {
        let assessment = Fixtures.policy2018.assess(row.input, asOf: row.asOf, makeUp: Fixtures.policy2019.makeUp)
        #expect(assessment.status == row.status)
        #expect(assessment.categories.map(\.hours.description) + [assessment.totalHours.description] == row.hours)
        #expect(assessment.score.description == row.score)
        #expect(assessment.reasons.map(\.description) == row.reasons)
        #expect(assessment.year == 2018)
    }

    @Test func anEnrolmentWithoutARuleIsIgnored() {
        let input = AssessmentInput(
            credits: Self.records2018 + Self.makeUpRecords, homework: Self.homework2018,
            makeUp: Self.enrolled)
        let assessment = Fixtures.policy2018.assess(input, asOf: Fixtures.official2019)
        #expect(assessment.status == .notQualified)
        #expect(assessment.totalHours == Tenths(whole: 40))
        #expect(
            assessment.reasons.map(\.code.rawValue)
                == ["short.total", "short.elective", "short.offline", "makeup.not_applicable", "credit.after_deadline"])
        #expect(
            assessment.reasons[3].message
                == "no make-up of 2018 is open under the rule given; the enrolment was ignored")
    }

    @Test func aRuleForAnotherYearDoesNotApply() {
        let input = AssessmentInput(
            credits: Fixtures.fullYear(), homework: Fixtures.passedHomework, makeUp: Self.enrolled)
        // The 2019 policy with its own rule: the rule credits 2018, the year assessed is 2019.
        let assessment = Fixtures.policy2019.assess(
            input, asOf: Fixtures.official2019, makeUp: Fixtures.policy2019.makeUp)
        #expect(assessment.status == .qualified)
        #expect(
            assessment.reasons.map(\.description)
                == ["makeup.not_applicable: the make-up enrolment is for 2018, not 2019; it was ignored"])
    }
}
