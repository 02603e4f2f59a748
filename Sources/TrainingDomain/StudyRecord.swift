/// One immutable fact of study: a teacher spent some minutes on an activity (a course, an online or offline research
/// session, school-based research). Records are only ever added, never edited.
public struct StudyRecord: Sendable, Hashable {
    /// The record's own identifier, unique across the province (the writer's id for it).
    public let recordID: String
    /// The identity-document type of the teacher who studied.
    public let idType: IdentityDocumentType
    /// The normalised identity-document number of the teacher who studied.
    public let idNumber: String
    /// The county-level unit of the teacher, taken from the teacher's registration rather than from the file.
    public let countyCode: String
    /// The code of the course or activity studied.
    public let activityCode: String
    /// The minutes of study, 1 to 1440.
    public let minutes: Int
    /// When the study took place, with the writer's UTC offset.
    public let recordedAt: OffsetTimestamp
    /// Who produced the record.
    public let source: StudySource

    /// Creates a study record from its attributes.
    public init(
        recordID: String, idType: IdentityDocumentType, idNumber: String, countyCode: String, activityCode: String,
        minutes: Int, recordedAt: OffsetTimestamp, source: StudySource
    ) {
        self.recordID = recordID
        self.idType = idType
        self.idNumber = idNumber
        self.countyCode = countyCode
        self.activityCode = activityCode
        self.minutes = minutes
        self.recordedAt = recordedAt
        self.source = source
    }
}
