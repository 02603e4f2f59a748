import AssessmentPolicy
import Foundation
import Testing

/// One row of a boundary table: inputs, the instant of the run, and everything a teacher would see.
struct AssessCase: Sendable, CustomTestStringConvertible {
    let name: String
    var input = AssessmentInput()
    var asOf = Fixtures.official2019
    let status: AssessmentStatus
    /// Hours of mandatory, elective, IT and offline, then the total.
    let hours: [String]
    let score: String
    /// `code: message`, in order.
    let reasons: [String]

    var testDescription: String { name }
}

@Suite struct AssessmentPolicyAssessTests {
    typealias F = Fixtures
    static let deadline = "2020-01-01T00:00:00+08:00"

    static let cases: [AssessCase] = [
        AssessCase(
            name: "exactly 52 hours with every minimum met",
            input: .init(credits: F.fullYear(), homework: F.passedHomework),
            status: .qualified, hours: ["10", "22", "10", "10", "52"], score: "97", reasons: []),
        AssessCase(
            name: "51.9 hours after the deadline",
            input: .init(credits: F.fullYear(elective: 986), homework: F.passedHomework),
            status: .notQualified, hours: ["10", "21.9", "10", "10", "51.9"], score: "96.8",
            reasons: ["short.total: short of 0.1 hours in total (51.9 of 52)"]),
        AssessCase(
            name: "51.9 hours before the deadline",
            input: .init(credits: F.fullYear(elective: 986), homework: F.passedHomework), asOf: F.preview2019,
            status: .inProgress, hours: ["10", "21.9", "10", "10", "51.9"], score: "96.8",
            reasons: ["short.total: short of 0.1 hours in total (51.9 of 52)"]),
        AssessCase(
            name: "2,339 minutes are 51.9 hours, rounded down",
            input: .init(credits: F.fullYear(elective: 989), homework: F.passedHomework),
            status: .notQualified, hours: ["10", "21.9", "10", "10", "51.9"], score: "96.8",
            reasons: ["short.total: short of 0.1 hours in total (51.9 of 52)"]),
        AssessCase(
            name: "qualified before the deadline",
            input: .init(credits: F.fullYear(), homework: F.passedHomework), asOf: F.preview2019,
            status: .qualified, hours: ["10", "22", "10", "10", "52"], score: "97", reasons: []),
        AssessCase(
            name: "52 hours in total but 4.5 mandatory-topic hours short",
            input: .init(credits: F.fullYear(elective: 1192, mandatory: 248), homework: F.passedHomework),
            status: .notQualified, hours: ["5.5", "26.4", "10", "10", "52"], score: "96.8",
            reasons: ["short.mandatory: short of 4.5 mandatory-topic hours (5.5 of 10)"]),
        AssessCase(
            name: "a category 0.1 hours under its minimum",
            input: .init(credits: F.fullYear(elective: 994, mandatory: 446), homework: F.passedHomework),
            status: .notQualified, hours: ["9.9", "22", "10", "10", "52"], score: "96.8",
            reasons: ["short.mandatory: short of 0.1 mandatory-topic hours (9.9 of 10)"]),
        AssessCase(
            name: "two categories and the total short, in the policy's order",
            input: .init(
                credits: F.fullYear().filter { !["i1", "o2"].contains($0.recordID) }, homework: F.passedHomework),
            status: .notQualified, hours: ["10", "22", "0", "6", "38"], score: "74.6",
            reasons: [
                "short.total: short of 14 hours in total (38 of 52)",
                "short.it: short of 10 IT-ability hours (0 of 10)",
                "short.offline: short of 4 offline-research hours (6 of 10)",
            ]),
        AssessCase(
            name: "one homework assignment under the minimum score",
            input: .init(credits: F.fullYear(), homework: [F.homework("h1", "80"), F.homework("h2", "59.9")]),
            status: .notQualified, hours: ["10", "22", "10", "10", "52"], score: "93.9",
            reasons: ["short.homework: short of 1 homework assignment scoring at least 60 (1 of 2)"]),
        AssessCase(
            name: "a resubmitted assignment counts once, with its best score",
            input: .init(
                credits: F.fullYear(),
                homework: [F.homework("h1", "50"), F.homework("h1", "75"), F.homework("h1", "61")]),
            status: .notQualified, hours: ["10", "22", "10", "10", "52"], score: "87.5",
            reasons: ["short.homework: short of 1 homework assignment scoring at least 60 (1 of 2)"]),
        AssessCase(
            name: "a record at the deadline does not count; one a second before does",
            input: .init(
                credits: F.fullYear(elective: 945) + [
                    F.credit("late", "elective", 45, at: F.at(deadline)),
                    F.credit("last", "elective", 44, at: F.at("2019-12-31T23:59:59+08:00")),
                ],
                homework: F.passedHomework),
            status: .notQualified, hours: ["10", "21.9", "10", "10", "51.9"], score: "96.8",
            reasons: [
                "short.total: short of 0.1 hours in total (51.9 of 52)",
                "credit.after_deadline: 1 study record (45 minutes) recorded at or after the deadline \(deadline) "
                    + "did not count",
            ]),
        AssessCase(
            name: "records after the deadline do not count, even when the teacher would otherwise qualify",
            input: .init(credits: F.fullYear(at: F.at("2020-01-02T08:00:00+08:00")), homework: F.passedHomework),
            status: .notQualified, hours: ["0", "0", "0", "0", "0"], score: "17",
            reasons: [
                "short.total: short of 52 hours in total (0 of 52)",
                "short.mandatory: short of 10 mandatory-topic hours (0 of 10)",
                "short.elective: short of 16 elective hours (0 of 16)",
                "short.it: short of 10 IT-ability hours (0 of 10)",
                "short.offline: short of 10 offline-research hours (0 of 10)",
                "score.below_pass: score 17 is below the pass score 60",
                "credit.after_deadline: 8 study records (2340 minutes) recorded at or after the deadline \(deadline) "
                    + "did not count",
            ]),
        AssessCase(
            name: "records before the opening and homework after the deadline do not count",
            input: .init(
                credits: F.fullYear() + [F.credit("early", "elective", 45, at: F.at("2019-06-05T23:59:59+08:00"))],
                homework: F.passedHomework + [F.homework("h3", "100", at: F.at(deadline))]),
            status: .qualified, hours: ["10", "22", "10", "10", "52"], score: "97",
            reasons: [
                "credit.before_opening: 1 study record (45 minutes) recorded before the opening "
                    + "2019-06-06T00:00:00+08:00 did not count",
                "homework.after_deadline: 1 homework result submitted at or after the deadline \(deadline) "
                    + "did not count",
            ]),
        AssessCase(
            name: "a withdrawn record does not count",
            input: .init(
                credits: F.fullYear().map {
                    $0.recordID == "e3" ? F.credit("e3", "elective", 45, withdrawn: true) : $0
                },
                homework: F.passedHomework),
            status: .notQualified, hours: ["10", "21", "10", "10", "51"], score: "95.5",
            reasons: [
                "short.total: short of 1 hour in total (51 of 52)",
                "credit.withdrawn: 1 withdrawn study record (45 minutes) did not count",
            ]),
        AssessCase(
            name: "a withdrawal wins over another copy of the same record",
            input: .init(
                credits: F.fullYear() + [F.credit("e3", "elective", 45, withdrawn: true)], homework: F.passedHomework),
            status: .notQualified, hours: ["10", "21", "10", "10", "51"], score: "95.5",
            reasons: [
                "short.total: short of 1 hour in total (51 of 52)",
                "credit.duplicate: 1 repeated study record counted once",
                "credit.withdrawn: 1 withdrawn study record (45 minutes) did not count",
            ]),
        AssessCase(
            name: "a record given twice counts once",
            input: .init(credits: F.fullYear() + [F.credit("e3", "elective", 45)], homework: F.passedHomework),
            status: .qualified, hours: ["10", "22", "10", "10", "52"], score: "97",
            reasons: ["credit.duplicate: 1 repeated study record counted once"]),
        AssessCase(
            name: "offline research from the provider and an unknown category do not count",
            input: .init(
                credits: F.fullYear().filter { $0.recordID != "o2" } + [
                    F.credit("p1", "offline", 180, source: .provider), F.credit("x1", "sports", 60),
                    F.credit("z1", "elective", 0), F.credit("z2", "elective", 1441),
                ],
                homework: F.passedHomework),
            status: .notQualified, hours: ["10", "22", "10", "6", "48"], score: "89",
            reasons: [
                "short.total: short of 4 hours in total (48 of 52)",
                "short.offline: short of 4 offline-research hours (6 of 10)",
                "credit.unknown_category: 1 study record (60 minutes) in a category the policy does not name "
                    + "did not count",
                "credit.source_not_accepted: 1 study record (180 minutes) from a source its category does not "
                    + "accept did not count",
                "credit.invalid: 2 study records with minutes outside 1–1440 did not count",
            ]),
        AssessCase(
            name: "nothing recorded before the deadline", asOf: F.preview2019,
            status: .notStarted, hours: ["0", "0", "0", "0", "0"], score: "0",
            reasons: ["study.none: no study counted for 2019"]),
        AssessCase(
            name: "only withdrawn records before the deadline",
            input: .init(credits: [F.credit("m1", "mandatory", 90, withdrawn: true)]), asOf: F.preview2019,
            status: .notStarted, hours: ["0", "0", "0", "0", "0"], score: "0",
            reasons: [
                "study.none: no study counted for 2019",
                "credit.withdrawn: 1 withdrawn study record (90 minutes) did not count",
            ]),
        AssessCase(
            name: "nothing recorded after the deadline",
            status: .notQualified, hours: ["0", "0", "0", "0", "0"], score: "0",
            reasons: ["study.none: no study counted for 2019"]),
        AssessCase(
            name: "some study before the deadline",
            input: .init(credits: [F.credit("m1", "mandatory", 90)]), asOf: F.preview2019,
            status: .inProgress, hours: ["2", "0", "0", "0", "2"], score: "2.8",
            reasons: [
                "short.total: short of 50 hours in total (2 of 52)",
                "short.mandatory: short of 8 mandatory-topic hours (2 of 10)",
                "short.elective: short of 16 elective hours (0 of 16)",
                "short.it: short of 10 IT-ability hours (0 of 10)",
                "short.offline: short of 10 offline-research hours (0 of 10)",
                "short.homework: short of 2 homework assignments scoring at least 60 (0 of 2)",
                "score.below_pass: score 2.8 is below the pass score 60",
            ]),
        AssessCase(
            name: "exempt by a 国培计划 certificate of the same year",
            input: .init(exemptionClaims: [ExemptionClaim(kind: "guopei", year: 2019, evidence: "GP-2019-0001")]),
            status: .exempt, hours: ["0", "0", "0", "0", "0"], score: "0",
            reasons: ["exempt.certificate: exempt by a 国培计划 certificate of 2019"]),
        AssessCase(
            name: "exempt before the deadline, with study recorded too",
            input: .init(
                credits: [F.credit("m1", "mandatory", 90)],
                exemptionClaims: [ExemptionClaim(kind: "provincial", year: 2019, evidence: "HB-77")]),
            asOf: F.preview2019,
            status: .exempt, hours: ["2", "0", "0", "0", "2"], score: "2.8",
            reasons: ["exempt.certificate: exempt by a 省级培训项目 certificate of 2019"]),
        AssessCase(
            name: "a certificate of the previous year does not exempt",
            input: .init(exemptionClaims: [ExemptionClaim(kind: "provincial", year: 2018, evidence: "HB-12")]),
            status: .notQualified, hours: ["0", "0", "0", "0", "0"], score: "0",
            reasons: [
                "exempt.refused: a 省级培训项目 certificate of 2018 does not exempt from the 2019 training; "
                    + "it must be of 2019",
                "study.none: no study counted for 2019",
            ]),
        AssessCase(
            name: "a certificate without evidence, or of an unknown kind, does not exempt",
            input: .init(
                credits: F.fullYear(), homework: F.passedHomework,
                exemptionClaims: [
                    ExemptionClaim(kind: "guopei", year: 2019, evidence: " "),
                    ExemptionClaim(kind: "city", year: 2019, evidence: "SJZ-1"),
                ]),
            status: .qualified, hours: ["10", "22", "10", "10", "52"], score: "97",
            reasons: [
                "exempt.refused: a 国培计划 certificate claimed without evidence does not exempt",
                "exempt.refused: 1 certificate of a kind this policy does not name did not exempt",
            ]),
        AssessCase(
            name: "exempt by a manual decision",
            input: .init(manualExemption: ManualExemption(reason: "国培计划 certificate checked on paper by the county")),
            status: .exempt, hours: ["0", "0", "0", "0", "0"], score: "0",
            reasons: ["exempt.manual: exempt by manual decision: 国培计划 certificate checked on paper by the county"]),
        AssessCase(
            name: "a manual exemption without a reason does not exempt",
            input: .init(manualExemption: ManualExemption(reason: "")), asOf: F.preview2019,
            status: .notStarted, hours: ["0", "0", "0", "0", "0"], score: "0",
            reasons: [
                "exempt.refused: a manual exemption without a reason does not exempt",
                "study.none: no study counted for 2019",
            ]),
    ]

    @Test(arguments: cases)
    func boundary(_ row: AssessCase) {
        let assessment = Fixtures.policy2019.assess(row.input, asOf: row.asOf)
        #expect(assessment.status == row.status)
        #expect(assessment.categories.map(\.hours.description) + [assessment.totalHours.description] == row.hours)
        #expect(assessment.score.description == row.score)
        #expect(assessment.reasons.map(\.description) == row.reasons)
        #expect(assessment.year == 2019 && assessment.policyVersion == 1)
    }

    @Test func reportsMinutesScoresAndHomeworkBesideHours() {
        let assessment = Fixtures.policy2019.assess(
            .init(credits: Fixtures.fullYear(elective: 1192, mandatory: 248), homework: Fixtures.passedHomework),
            asOf: Fixtures.official2019)
        #expect(assessment.categories.map(\.minutes) == [248, 1192, 450, 450])
        #expect(assessment.categories.map(\.minimumHours) == [10, 16, 10, 10].map { Tenths(whole: $0) })
        #expect(assessment.totalMinutes == 2340)
        #expect(assessment.hours("mandatory") == Tenths("5.5"))
        #expect(assessment.hours("sports") == .zero)
        #expect(assessment.homeworkPassed == 2)
        #expect(assessment.components.map(\.code) == ["online_study", "homework", "offline_research"])
        #expect(assessment.components.map(\.score.description) == ["99.7", "85", "100"])
    }
}
