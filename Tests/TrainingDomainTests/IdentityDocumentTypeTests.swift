import Testing
import TrainingDomain

@Suite struct IdentityDocumentTypeTests {
    @Test func acceptsCodesOneToNine() {
        #expect(IdentityDocumentType.all.map(\.code) == ["1", "2", "3", "4", "5", "6", "7", "8", "9"])
        for code in 1...9 {
            #expect(IdentityDocumentType(code: String(code))?.code == String(code))
        }
    }

    @Test(arguments: ["0", "10", "A", "Z", "", " 1", "１"])
    func rejectsOtherCodes(code: String) {
        #expect(IdentityDocumentType(code: code) == nil)
    }

    @Test func residentIdentityCardIsTypeOne() {
        #expect(IdentityDocumentType.residentIdentityCard.code == "1")
        #expect(IdentityDocumentType.residentIdentityCard.name == "居民身份证")
        #expect(IdentityDocumentType.residentIdentityCard.isResidentIdentityCard)
        #expect(!IdentityDocumentType(code: "2")!.isResidentIdentityCard)
    }
}
