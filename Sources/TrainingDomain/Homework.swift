/// A homework submission of a project and its score: a fact, never edited (a wrong one is withdrawn).
public struct Homework: Sendable, Hashable {
    /// The teacher's county.
    public let countyCode: String
    /// The record's own id, unique across the province like a study record's.
    public let recordID: String
    /// The teacher's identity-document type.
    public let idType: IdentityDocumentType
    /// The teacher's normalised identity-document number.
    public let idNumber: String
    /// The training year.
    public let year: Int
    /// The project the homework belongs to.
    public let projectCode: String
    /// The assignment, as the provider numbers it.
    public let assignmentID: String
    /// The score in tenths of a point, 0 to 1000.
    public let score: Int
    /// When it was submitted.
    public let submittedAt: OffsetTimestamp

    /// Creates a homework result.
    public init(
        countyCode: String, recordID: String, idType: IdentityDocumentType, idNumber: String, year: Int,
        projectCode: String, assignmentID: String, score: Int, submittedAt: OffsetTimestamp
    ) {
        self.countyCode = countyCode
        self.recordID = recordID
        self.idType = idType
        self.idNumber = idNumber
        self.year = year
        self.projectCode = projectCode
        self.assignmentID = assignmentID
        self.score = score
        self.submittedAt = submittedAt
    }
}
