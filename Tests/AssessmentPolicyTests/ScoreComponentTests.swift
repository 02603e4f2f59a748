import AssessmentPolicy
import Foundation
import Testing

/// Scores: hours and homework measured from the records, provided scores taken as given, weights applied in tenths.
@Suite struct ScoreComponentTests {
    typealias F = Fixtures

    /// The 2019 policy with a provided component (online research, 10%) taken from online study's weight.
    static let withProvided = try! F.policy2019(replacing: [
        ("\"weight\": 60", "\"weight\": 50"),
        (
            "\"measure\": \"homework\" },",
            "\"measure\": \"homework\" },\n    { \"code\": \"online_research\", \"label\": \"online research\", "
                + "\"weight\": 10, \"measure\": \"provided\" },"
        ),
    ])

    @Test(
        arguments: [
            ([ProvidedScore(component: "online_research", score: Tenths(whole: 70))], "70", "94", []),
            (
                [
                    ProvidedScore(component: "online_research", score: Tenths("40.5")!),
                    ProvidedScore(component: "online_research", score: Tenths("88.8")!),
                    ProvidedScore(component: "online_research", score: Tenths(whole: 101)),
                    ProvidedScore(component: "homework", score: Tenths(whole: 100)),
                ], "88.8", "95.8", []
            ),
            (
                [], "0", "87",
                ["score.not_provided: no score for online research was provided; it counted as 0"]
            ),
        ] as [([ProvidedScore], String, String, [String])])
    func providedScores(given: [ProvidedScore], component: String, score: String, reasons: [String]) {
        let assessment = Self.withProvided.assess(
            .init(credits: F.fullYear(), homework: F.passedHomework, providedScores: given), asOf: F.official2019)
        #expect(
            assessment.components.map(\.code) == ["online_study", "homework", "online_research", "offline_research"])
        #expect(assessment.components[2].score.description == component)
        #expect(assessment.score.description == score)
        #expect(assessment.status == .qualified)
        #expect(assessment.reasons.map(\.description) == reasons)
    }

    @Test func aMissingProvidedScoreCanDecideTheResult() throws {
        let heavy = try F.policy2019(replacing: [
            ("\"weight\": 60", "\"weight\": 10"),
            (
                "\"measure\": \"homework\" },",
                "\"measure\": \"homework\" },\n    { \"code\": \"online_research\", \"label\": \"online research\", "
                    + "\"weight\": 50, \"measure\": \"provided\" },"
            ),
        ])
        let assessment = heavy.assess(.init(credits: F.fullYear(), homework: F.passedHomework), asOf: F.official2019)
        #expect(assessment.status == .notQualified)
        #expect(assessment.score == Tenths(whole: 47))
        #expect(
            assessment.reasons.map(\.description) == [
                "score.below_pass: score 47 is below the pass score 60",
                "score.not_provided: no score for online research was provided; it counted as 0",
            ])
    }

    @Test func homeworkScoresUseTheBestResultsAndCountMissingOnesAsZero() {
        let homework = [
            F.homework("h1", "100"), F.homework("h2", "59.5"), F.homework("h3", "61"), F.homework("h4", "200"),
        ]
        let assessment = F.policy2019.assess(.init(credits: F.fullYear(), homework: homework), asOf: F.official2019)
        #expect(assessment.homeworkPassed == 2)
        #expect(assessment.components[1].score == Tenths("80.5"))
        #expect(assessment.status == .qualified)
        #expect(
            assessment.reasons.map(\.description) == [
                "homework.invalid: 1 homework result with a score outside 0–100 did not count"
            ])
        let one = F.policy2019.assess(.init(homework: [F.homework("h1", "95")]), asOf: F.preview2019)
        #expect(one.components[1].score == Tenths("47.5"))
        #expect(one.status == .inProgress)
    }
}
