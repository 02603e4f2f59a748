import Testing
import TrainingDomain

@Suite struct SubjectCodeTests {
    @Test func tableIsTwoDigitUniqueAndInCodeOrder() {
        let codes = SubjectCode.all.map(\.code)
        #expect(codes.allSatisfy { $0.count == 2 && $0.allSatisfy(\.isNumber) })
        #expect(Set(codes).count == codes.count)
        #expect(codes == codes.sorted())
        #expect(SubjectCode.all.allSatisfy { !$0.name.isEmpty })
    }

    @Test(
        "codes named in the domain description",
        arguments: [("13", "语文"), ("14", "数学"), ("16", "物理"), ("61", "信息技术"), ("41", "英语"), ("99", "其他")])
    func knownCode(code: String, name: String) {
        #expect(SubjectCode(code: code)?.name == name)
    }

    @Test(arguments: ["00", "10", "28", "50", "60", "98", "100", "1", "1３", " 13", ""])
    func rejectsCodesOutsideTheTable(code: String) {
        #expect(SubjectCode(code: code) == nil)
    }

    @Test func foreignLanguagesAreTheFortiesOnly() {
        let languages = SubjectCode.all.filter(\.isForeignLanguage).map(\.code)
        #expect(languages.allSatisfy { $0 >= "40" && $0 <= "49" })
        #expect(languages.contains("40") && languages.contains("41"))
        #expect(SubjectCode(code: "13")?.isForeignLanguage == false)
    }
}
