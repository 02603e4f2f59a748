import AssessmentPolicy
import Testing

@Suite struct TenthsTests {
    @Test(
        arguments: [
            ("52", 520, "52"), ("51.9", 519, "51.9"), ("0.1", 1, "0.1"), ("0", 0, "0"), ("4.5", 45, "4.5"),
            ("-4.5", -45, "-4.5"), ("52.0", 520, "52"), ("007", 70, "7"),
        ])
    func parsesAndPrints(text: String, tenths: Int, printed: String) throws {
        let value = try #require(Tenths(text))
        #expect(value.tenths == tenths)
        #expect(value.description == printed)
    }

    @Test(arguments: ["", ".5", "5.", "4.55", "1e2", "+1", "-", "1.2.3", "٥", " 5", "1234567890"])
    func refusesOtherText(text: String) {
        #expect(Tenths(text) == nil)
    }

    @Test func arithmeticAndOrderAreExact() {
        #expect(Tenths(whole: 52) - Tenths(tenths: 1) == Tenths("51.9"))
        #expect(Tenths("0.1")! + Tenths("0.2")! == Tenths("0.3"))
        #expect(Tenths("51.9")! < Tenths(whole: 52))
        #expect(Tenths.zero.description == "0")
    }
}
