import AssessmentPolicy
import Foundation
import Testing

/// SplitMix64: a small seeded generator, so that a failing run can be repeated from its printed seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct DeterminismTests {
    typealias F = Fixtures
    static let categories = ["mandatory", "elective", "it", "offline", "sports"]
    static let instants = [
        "2019-06-05T23:59:59+08:00", "2019-06-06T00:00:00+08:00", "2019-09-01T10:00:00+08:00",
        "2019-12-31T23:59:59+08:00", "2020-01-01T00:00:00+08:00", "2020-03-01T00:00:00+08:00",
    ].map(F.at)

    /// A random teacher-year: repeated record ids with differing content, withdrawals, late and early records,
    /// resubmitted homework, several provided scores and exemption claims.
    static func randomInput(_ generator: inout SeededGenerator) -> AssessmentInput {
        var input = AssessmentInput()
        for _ in 0..<Int.random(in: 0...60, using: &generator) {
            input.credits.append(
                StudyCredit(
                    recordID: "r\(Int.random(in: 0...40, using: &generator))",
                    category: categories.randomElement(using: &generator)!,
                    minutes: Int.random(in: -5...240, using: &generator),
                    recordedAt: instants.randomElement(using: &generator)!,
                    source: CreditSource.allCases.randomElement(using: &generator)!,
                    withdrawn: Int.random(in: 0..<8, using: &generator) == 0))
        }
        for _ in 0..<Int.random(in: 0...6, using: &generator) {
            input.homework.append(
                HomeworkResult(
                    assignmentID: "h\(Int.random(in: 0...3, using: &generator))",
                    score: Tenths(tenths: Int.random(in: -10...1010, using: &generator)),
                    submittedAt: instants.randomElement(using: &generator)!,
                    withdrawn: Int.random(in: 0..<6, using: &generator) == 0))
        }
        for _ in 0..<Int.random(in: 0...3, using: &generator) {
            input.exemptionClaims.append(
                ExemptionClaim(
                    kind: ["guopei", "provincial", "city"].randomElement(using: &generator)!,
                    year: Int.random(in: 2018...2019, using: &generator),
                    evidence: ["", "E-1", "E-2"].randomElement(using: &generator)!))
        }
        return input
    }

    static func shuffled(_ input: AssessmentInput, _ generator: inout SeededGenerator) -> AssessmentInput {
        var copy = input
        copy.credits.shuffle(using: &generator)
        copy.homework.shuffle(using: &generator)
        copy.providedScores.shuffle(using: &generator)
        copy.exemptionClaims.shuffle(using: &generator)
        return copy
    }

    @Test func shuffledInputsGiveTheIdenticalAssessment() {
        let seed = UInt64.random(in: 0...UInt64.max)
        var generator = SeededGenerator(seed: seed)
        let asOfs = [F.during2019, F.official2019]
        for round in 0..<300 {
            let input = Self.randomInput(&generator)
            let asOf = asOfs[round % 2]
            let expected = F.policy2019.assess(input, asOf: asOf)
            for _ in 0..<4 {
                let again = F.policy2019.assess(Self.shuffled(input, &generator), asOf: asOf)
                #expect(again == expected, "seed \(seed), round \(round)")
                #expect(again.canonicalText == expected.canonicalText, "seed \(seed), round \(round)")
            }
        }
    }

    @Test func shuffledMakeUpInputsGiveTheIdenticalAssessment() {
        let seed = UInt64.random(in: 0...UInt64.max)
        var generator = SeededGenerator(seed: seed)
        for round in 0..<100 {
            var input = Self.randomInput(&generator)
            input.makeUp = MakeUpEnrolment(year: 2018)
            let expected = F.policy2018.assess(input, asOf: F.official2019, makeUp: F.policy2019.makeUp)
            let again = F.policy2018.assess(
                Self.shuffled(input, &generator), asOf: F.official2019, makeUp: F.policy2019.makeUp)
            #expect(again == expected, "seed \(seed), round \(round)")
        }
    }

    @Test func aKnownInputGivesAKnownCanonicalText() {
        let input = AssessmentInput(
            credits: F.fullYear(elective: 1192, mandatory: 248) + [F.credit("w", "it", 30, withdrawn: true)],
            homework: F.passedHomework)
        #expect(
            F.policy2019.assess(input, asOf: F.official2019).canonicalText == """
                teachersync-assessment 1
                year 2019
                policy_version 1
                status not_qualified
                total 2340 52
                category mandatory 248 5.5 10
                category elective 1192 26.4 16
                category it 450 10 10
                category offline 450 10 10
                homework_passed 2
                component online_study 60 99.7
                component homework 20 85
                component offline_research 20 100
                score 96.8
                reason short.mandatory
                reason credit.withdrawn

                """)
    }

    @Test func theCanonicalTextIgnoresTheInstantOfAFinalRun() {
        let input = AssessmentInput(credits: F.fullYear(elective: 986), homework: F.passedHomework)
        let january = F.policy2019.assess(input, asOf: F.official2019)
        let june = F.policy2019.assess(input, asOf: F.at("2020-06-30T18:00:00+08:00"))
        #expect(january.canonicalText == june.canonicalText)
        #expect(F.policy2019.assess(input, asOf: F.preview2019).canonicalText != january.canonicalText)
    }
}
