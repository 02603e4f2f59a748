/// A teacher's attendance at a research activity of the teacher's county, and for how long.
public struct Attendance: Sendable, Hashable {
    /// The county of the teacher and the activity.
    public let countyCode: String
    /// The activity attended.
    public let activityID: String
    /// The teacher's identity-document type.
    public let idType: IdentityDocumentType
    /// The teacher's normalised identity-document number.
    public let idNumber: String
    /// Minutes attended, 1 to the activity's minutes.
    public let minutes: Int

    /// Creates an attendance.
    public init(countyCode: String, activityID: String, idType: IdentityDocumentType, idNumber: String, minutes: Int) {
        self.countyCode = countyCode
        self.activityID = activityID
        self.idType = idType
        self.idNumber = idNumber
        self.minutes = minutes
    }
}
