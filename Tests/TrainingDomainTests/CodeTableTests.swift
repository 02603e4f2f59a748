import Testing
import TrainingDomain

/// The small code tables whose codes are written in CSV files and stored in the replica: changing one breaks data.
@Suite struct CodeTableTests {
    @Test func genderCodes() {
        #expect(Gender.allCases.map(\.rawValue) == ["M", "F"])
        #expect(Gender(rawValue: "m") == nil)
    }

    @Test func developmentStageCodes() {
        #expect(DevelopmentStage.allCases.map(\.rawValue) == ["new", "young", "key", "leader", "master"])
        #expect(DevelopmentStage.key.name == "骨干教师")
    }

    @Test func studySourceCodes() {
        #expect(StudySource.allCases.map(\.rawValue) == ["provider", "county", "school"])
    }
}
