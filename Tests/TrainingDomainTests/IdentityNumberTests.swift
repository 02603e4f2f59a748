import Foundation
import Testing
import TrainingDomain

@Suite struct IdentityNumberTests {
    let card = IdentityDocumentType.residentIdentityCard
    let now = TestImportContext.september2019

    @Test(
        "valid resident identity card numbers",
        arguments: [
            ("11010519491231002X", "11010519491231002X", Gender.female),
            ("11010519491231002x", "11010519491231002X", .female),
            (" 130102198506121234 ", "130102198506121234", .male),
            ("130104199001010018", "130104199001010018", .male),
            ("130682200012290440", "130682200012290440", .female),
            ("130638197802283579", "130638197802283579", .male),
            ("130102199602290382", "130102199602290382", .female),  // 1996-02-29
            ("130102200002291563", "130102200002291563", .female),  // 2000-02-29
            ("130102190001011236", "130102190001011236", .male),  // the earliest birth date
            ("130102201909011237", "130102201909011237", .male),  // born "today"
        ])
    func validCard(input: String, normalised: String, gender: Gender) throws {
        let number = try IdentityNumber(validating: input, type: card, asOf: now)
        #expect(number.value == normalised)
        #expect(number.impliedGender == gender)
        #expect(number.type == card)
    }

    @Test(
        "invalid resident identity card numbers",
        arguments: [
            ("130102198506121235", ImportIssue.Reason.idNumberCheckCharacter),
            ("11010519491231002Y", .idNumberFormat),
            ("110105194912310021", .idNumberCheckCharacter),
            ("13010219850612123", .idNumberLength),
            ("1301021985061212345", .idNumberLength),
            ("", .idNumberLength),
            ("13010219850612123A", .idNumberFormat),
            ("1301021985061212X4", .idNumberFormat),
            ("１３０１０２１９８５０６１２１２３４", .idNumberFormat),  // full-width digits
            ("130102190002291233", .idNumberBirthDate),  // 1900 is not a leap year
            ("130102189912311231", .idNumberBirthDate),  // before 1900
            ("130102201902301231", .idNumberBirthDate),  // 30 February
            ("130102000001011236", .idNumberBirthDate),  // year 0000
            ("130102201909021232", .idNumberBirthDate),  // tomorrow
            ("130102203001011236", .idNumberBirthDate),  // far future
        ])
    func invalidCard(input: String, reason: ImportIssue.Reason) {
        #expect {
            try IdentityNumber(validating: input, type: card, asOf: now)
        } throws: { error in
            (error as? IdentityNumber.ValidationError)?.reason == reason
        }
    }

    @Test func errorDetailNeverContainsTheNumber() {
        for input in ["130102198506121235", "130102201902301231", "1301021985061212X4", "13010219850612123"] {
            do {
                _ = try IdentityNumber(validating: input, type: card, asOf: now)
                Issue.record("\(input) should be invalid")
            } catch {
                #expect(!error.detail.contains(input))
                #expect(!error.detail.contains(String(input.prefix(10))))
            }
        }
    }

    @Test func todayIsTakenInChinaStandardTime() throws {
        // 2019-08-31T17:00:00Z is already 2019-09-01 01:00 in Beijing.
        let lateAugustUTC = Date(timeIntervalSince1970: 1_567_270_800)
        let bornOnFirstSeptember = "130102201909011237"
        #expect(throws: Never.self) {
            try IdentityNumber(validating: bornOnFirstSeptember, type: card, asOf: lateAugustUTC)
        }
        // 2019-08-31T15:59:59Z is 23:59:59 on 31 August in Beijing.
        let stillAugust = Date(timeIntervalSince1970: 1_567_267_199)
        #expect(throws: IdentityNumber.ValidationError.self) {
            try IdentityNumber(validating: bornOnFirstSeptember, type: card, asOf: stillAugust)
        }
    }

    @Test("genders follow the parity of the 17th digit", arguments: 0...9)
    func genderParity(digit: Int) throws {
        let number = TestIdentity.card("1301021985061212\(digit)")
        let parsed = try IdentityNumber(validating: number, type: card, asOf: now)
        #expect(parsed.impliedGender == (digit % 2 == 1 ? .male : .female))
    }

    @Test(
        "other document types",
        arguments: [
            ("2", "E12345678", "E12345678"),
            ("6", "h1234567", "H1234567"),
            ("9", " A ", "A"),
            ("8", String(repeating: "9", count: 32), String(repeating: "9", count: 32)),
        ])
    func otherDocument(type: String, input: String, normalised: String) throws {
        let type = try #require(IdentityDocumentType(code: type))
        let number = try IdentityNumber(validating: input, type: type, asOf: now)
        #expect(number.value == normalised)
        #expect(number.impliedGender == nil)
    }

    @Test(
        "invalid numbers of other document types",
        arguments: [
            ("", ImportIssue.Reason.idNumberLength),
            (String(repeating: "9", count: 33), .idNumberLength),
            ("E1234-678", .idNumberFormat),
            ("护照123", .idNumberFormat),
            ("A 1", .idNumberFormat),
        ])
    func invalidOtherDocument(input: String, reason: ImportIssue.Reason) {
        let passportLike = IdentityDocumentType(code: "2")!
        #expect {
            try IdentityNumber(validating: input, type: passportLike, asOf: now)
        } throws: { error in
            (error as? IdentityNumber.ValidationError)?.reason == reason
        }
    }

    @Test func aCardNumberIsNotCheckedLikeOtherDocuments() {
        // 18 digits that fail the card's check pass the looser rule of other types.
        #expect(throws: Never.self) {
            try IdentityNumber(validating: "130102198506121235", type: IdentityDocumentType(code: "3")!, asOf: now)
        }
    }
}
