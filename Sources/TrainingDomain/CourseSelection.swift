/// A course selection: a teacher takes a course of the catalogue in a year, chosen alone or through a cohort.
public struct CourseSelection: Sendable, Hashable {
    /// The teacher's county.
    public let countyCode: String
    /// The training year.
    public let year: Int
    /// The teacher's identity-document type.
    public let idType: IdentityDocumentType
    /// The teacher's normalised identity-document number.
    public let idNumber: String
    /// The course taken.
    public let courseCode: String
    /// The cohort that assigned it, or `nil` for a teacher's own choice.
    public let cohortCode: String?

    /// Creates a selection.
    public init(
        countyCode: String, year: Int, idType: IdentityDocumentType, idNumber: String, courseCode: String,
        cohortCode: String?
    ) {
        self.countyCode = countyCode
        self.year = year
        self.idType = idType
        self.idNumber = idNumber
        self.courseCode = courseCode
        self.cohortCode = cohortCode
    }
}
