import Testing
import TrainingDomain

@Suite struct TeachingStageTests {
    @Test func codesAreOneToEightThenAAndZ() {
        #expect(TeachingStage.allCases.map(\.rawValue) == ["1", "2", "3", "4", "5", "6", "7", "8", "A", "Z"])
    }

    @Test func namesFollowTheDomainCodeTable() {
        #expect(TeachingStage(rawValue: "1")?.name == "学前教育")
        #expect(TeachingStage(rawValue: "2")?.name == "小学")
        #expect(TeachingStage(rawValue: "3")?.name == "普通初中")
        #expect(TeachingStage(rawValue: "4")?.name == "普通高中")
        #expect(TeachingStage(rawValue: "5")?.name == "职业初中")
        #expect(TeachingStage(rawValue: "6")?.name == "职业高中")
        #expect(TeachingStage(rawValue: "A")?.name == "特殊教育")
        #expect(TeachingStage(rawValue: "Z")?.name == "其他")
    }

    @Test(arguments: ["0", "9", "a", "z", "B", "10", ""])
    func rejectsUnknownCodes(code: String) {
        #expect(TeachingStage(rawValue: code) == nil)
    }

    @Test func ordersByCode() {
        #expect(TeachingStage.allCases.sorted() == TeachingStage.allCases)
        #expect(TeachingStage.adultSeniorSecondary < .specialEducation)
        #expect(TeachingStage.specialEducation < .other)
    }
}
