import AssessmentPolicy
import Foundation
import Testing

@Suite struct HourRoundingTests {
    typealias F = Fixtures

    /// Minutes at 45 an hour, and the hours each rule gives.
    @Test(
        arguments: [
            (0, "0", "0"), (4, "0", "0.1"), (5, "0.1", "0.1"), (2335, "51.8", "51.9"), (2336, "51.9", "51.9"),
            (2337, "51.9", "51.9"), (2338, "51.9", "52"), (2339, "51.9", "52"), (2340, "52", "52"),
        ])
    func roundsOnceToATenth(minutes: Int, down: String, nearest: String) throws {
        let policies = try [
            F.policy2019,
            F.policy2019(replacing: [("\"rounding\": \"down\"", "\"rounding\": \"nearest\"")]),
        ]
        // Records of at most 1,000 minutes (a record holds at most a day's 1,440).
        let credits = stride(from: 0, to: minutes, by: 1000).map {
            F.credit("e\($0)", "elective", min(1000, minutes - $0))
        }
        let hours = policies.map { $0.assess(.init(credits: credits), asOf: F.official2019).totalHours.description }
        #expect(hours == [down, nearest])
    }

    @Test func nearestRoundingMovesTheBoundary() throws {
        let nearest = try F.policy2019(replacing: [("\"rounding\": \"down\"", "\"rounding\": \"nearest\"")])
        let at2338 = nearest.assess(
            .init(credits: F.fullYear(elective: 988), homework: F.passedHomework), asOf: F.official2019)
        #expect(at2338.status == .qualified)
        #expect(at2338.totalHours == Tenths(whole: 52) && at2338.hours("elective") == Tenths(whole: 22))
        let at2337 = nearest.assess(
            .init(credits: F.fullYear(elective: 987), homework: F.passedHomework), asOf: F.official2019)
        #expect(at2337.status == .notQualified)
        #expect(at2337.reasons.map(\.description) == ["short.total: short of 0.1 hours in total (51.9 of 52)"])
    }

    @Test func theTotalIsRoundedFromAllMinutesNotSummedFromRoundedCategories() {
        // 452 + 1004 + 452 + 432 = 2,340 minutes: 52 hours, though the categories show 10 + 22.3 + 10 + 9.6 = 51.9.
        let credits = [
            F.credit("m", "mandatory", 452), F.credit("e", "elective", 1004), F.credit("i", "it", 452),
            F.credit("o", "offline", 432),
        ]
        let assessment = F.policy2019.assess(.init(credits: credits), asOf: F.official2019)
        #expect(assessment.categories.map(\.hours.description) == ["10", "22.3", "10", "9.6"])
        #expect(assessment.totalHours == Tenths(whole: 52))
        #expect(assessment.reasons.map(\.code.rawValue) == ["short.offline", "short.homework"])
    }
}
