/// A make-up (补修) enrolment: a teacher makes up an earlier training year they did not qualify in.
public struct MakeUp: Sendable, Hashable {
    /// The teacher's county.
    public let countyCode: String
    /// The year being made up.
    public let year: Int
    /// The teacher's identity-document type.
    public let idType: IdentityDocumentType
    /// The teacher's normalised identity-document number.
    public let idNumber: String
    /// The day of enrolment, `YYYY-MM-DD`.
    public let enrolledOn: String

    /// Creates an enrolment.
    public init(countyCode: String, year: Int, idType: IdentityDocumentType, idNumber: String, enrolledOn: String) {
        self.countyCode = countyCode
        self.year = year
        self.idType = idType
        self.idNumber = idNumber
        self.enrolledOn = enrolledOn
    }
}
