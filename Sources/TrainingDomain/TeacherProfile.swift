/// Where a registered teacher teaches: what cohort assignment and record imports need to know about a teacher, without
/// the name or gender.
///
/// The identity number is personal data: never log it or put it in an error message.
public struct TeacherProfile: Sendable, Hashable {
    /// The identity-document type.
    public let idType: IdentityDocumentType
    /// The normalised identity-document number.
    public let idNumber: String
    /// The county-level unit the teacher is registered in.
    public let countyCode: String
    /// The code of the teacher's school.
    public let schoolCode: String
    /// The stage the teacher teaches at.
    public let stage: TeachingStage
    /// The subject the teacher teaches.
    public let subject: SubjectCode
    /// The teacher's professional development stage.
    public let devStage: DevelopmentStage

    /// Creates a profile.
    public init(
        idType: IdentityDocumentType, idNumber: String, countyCode: String, schoolCode: String, stage: TeachingStage,
        subject: SubjectCode, devStage: DevelopmentStage
    ) {
        self.idType = idType
        self.idNumber = idNumber
        self.countyCode = countyCode
        self.schoolCode = schoolCode
        self.stage = stage
        self.subject = subject
        self.devStage = devStage
    }
}

extension Teacher {
    /// The teacher's profile.
    public var profile: TeacherProfile {
        TeacherProfile(
            idType: idType, idNumber: idNumber, countyCode: countyCode, schoolCode: schoolCode, stage: stage,
            subject: subject, devStage: devStage)
    }
}
