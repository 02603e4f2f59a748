/// A teacher as registered by a county: keyed by identity-document type and number, and placed in a school, a
/// teaching stage, a subject and a professional development stage.
///
/// A teacher's name and identity number are personal data: never log them or put them in an error message.
public struct Teacher: Sendable, Hashable {
    /// The identity-document type.
    public let idType: IdentityDocumentType
    /// The normalised identity-document number (see ``IdentityNumber``).
    public let idNumber: String
    /// The name exactly as on the identity document.
    public let name: String
    /// The teacher's gender.
    public let gender: Gender
    /// The code of the teacher's school.
    public let schoolCode: String
    /// The GB/T 2260 code of the county-level unit the teacher is registered in (the school's county).
    public let countyCode: String
    /// The stage the teacher teaches at.
    public let stage: TeachingStage
    /// The subject the teacher teaches.
    public let subject: SubjectCode
    /// The teacher's professional development stage.
    public let devStage: DevelopmentStage

    /// Creates a teacher from its attributes.
    public init(
        idType: IdentityDocumentType, idNumber: String, name: String, gender: Gender, schoolCode: String,
        countyCode: String, stage: TeachingStage, subject: SubjectCode, devStage: DevelopmentStage
    ) {
        self.idType = idType
        self.idNumber = idNumber
        self.name = name
        self.gender = gender
        self.schoolCode = schoolCode
        self.countyCode = countyCode
        self.stage = stage
        self.subject = subject
        self.devStage = devStage
    }
}
