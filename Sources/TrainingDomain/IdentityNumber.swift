public import Foundation

/// A validated, normalised identity-document number: with its ``IdentityDocumentType`` it is a teacher's key.
///
/// Rules by document type:
/// - **Resident identity card (type 1)**: exactly 18 characters; the first 17 are digits, the last is a digit or `X`
///   (a lowercase `x` is accepted and normalised to `X`); the last character is the ISO 7064 MOD 11-2 check character
///   of the first 17 (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, the weighted sum mod 11 indexes `"10X98765432"`);
///   characters 7–14 are a real birth date `YYYYMMDD` between 1900-01-01 and today (in China Standard Time); the
///   17th digit gives the gender, odd for male and even for female. The six-digit region prefix is not checked: people
///   born anywhere teach in Hebei, and retired region codes stay valid in old cards.
/// - **Other types (2–9)**: 1 to 32 ASCII letters and digits; letters are normalised to upper case.
///
/// Leading and trailing whitespace is removed before validation.
public struct IdentityNumber: Sendable, Hashable {
    /// Why a number failed validation. Its ``detail`` never contains the number.
    public struct ValidationError: Error, Sendable, Hashable {
        /// One of the `id_number.*` reasons of ``ImportIssue/Reason``.
        public let reason: ImportIssue.Reason
        /// A short English explanation, free of personal data.
        public let detail: String
    }

    /// The document type.
    public let type: IdentityDocumentType
    /// The normalised number: trimmed, and with an upper-case `X` or upper-case letters.
    public let value: String
    /// The gender encoded in a resident identity card number; `nil` for other document types.
    public let impliedGender: Gender?

    private static let weights: [Int] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    private static let checkCharacters: [UInt8] = Array("10X98765432".utf8)

    /// Validates `number` as a number of document type `type`, taking "today" (the latest possible birth date) at
    /// `referenceDate` in China Standard Time.
    ///
    /// - Throws: ``ValidationError`` with reason `id_number.length`, `id_number.format`, `id_number.check_character`
    ///   or `id_number.birth_date`.
    public init(
        validating number: String, type: IdentityDocumentType, asOf referenceDate: Date
    )
        throws(ValidationError)
    {
        try self.init(validating: number, type: type, latestBirthDate: CivilCalendar.chinaDateStamp(at: referenceDate))
    }

    /// Validates `number`; `latestBirthDate` is today as `YYYYMMDD`, computed once per import rather than per row.
    init(validating number: String, type: IdentityDocumentType, latestBirthDate: Int) throws(ValidationError) {
        let trimmed = number.trimmingWhitespace()
        self.type = type
        if type.isResidentIdentityCard {
            (value, impliedGender) = try Self.validateResidentCard(trimmed, latestBirthDate: latestBirthDate)
        } else {
            value = try Self.validateOtherDocument(trimmed)
            impliedGender = nil
        }
    }

    private static func validateResidentCard(
        _ number: String, latestBirthDate: Int
    ) throws(ValidationError)
        -> (String, Gender)
    {
        let bytes = Array(number.utf8)
        guard number.unicodeScalars.count == 18 else {
            throw ValidationError(reason: .idNumberLength, detail: "a resident identity card number has 18 characters")
        }
        guard bytes.count == 18, bytes[0..<17].allSatisfy(isDigit), isDigit(bytes[17]) || bytes[17] | 0x20 == 0x78
        else {
            throw ValidationError(
                reason: .idNumberFormat, detail: "expected 17 digits followed by a digit or X")
        }
        var sum = 0
        for index in 0..<17 {
            sum += Int(bytes[index] &- UInt8(ascii: "0")) * weights[index]
        }
        let expected = checkCharacters[sum % 11]
        let actual = bytes[17] == UInt8(ascii: "x") ? UInt8(ascii: "X") : bytes[17]
        guard actual == expected else {
            throw ValidationError(reason: .idNumberCheckCharacter, detail: "check character does not match")
        }
        func digits(_ range: Range<Int>) -> Int {
            range.reduce(0) { $0 * 10 + Int(bytes[$1] &- UInt8(ascii: "0")) }
        }
        let year = digits(6..<10)
        let month = digits(10..<12)
        let day = digits(12..<14)
        let birthDate = year * 10000 + month * 100 + day
        guard CivilCalendar.isValid(year: year, month: month, day: day), birthDate >= 1900_01_01,
            birthDate <= latestBirthDate
        else {
            throw ValidationError(
                reason: .idNumberBirthDate, detail: "birth date is not a real date between 1900-01-01 and today")
        }
        let gender: Gender = (bytes[16] - UInt8(ascii: "0")) % 2 == 1 ? .male : .female
        let normalised = bytes[17] == UInt8(ascii: "x") ? String(number.dropLast()) + "X" : number
        return (normalised, gender)
    }

    private static func validateOtherDocument(_ number: String) throws(ValidationError) -> String {
        let count = number.unicodeScalars.count
        guard (1...32).contains(count) else {
            throw ValidationError(reason: .idNumberLength, detail: "a document number has 1 to 32 characters")
        }
        guard number.utf8.count == count, number.utf8.allSatisfy({ isDigit($0) || isLetter($0) }) else {
            throw ValidationError(
                reason: .idNumberFormat, detail: "a document number has only ASCII letters and digits")
        }
        return number.uppercased()
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z")
    }
}
