/// An offline or school-based research activity a county (or one of its schools) organises: a session teachers
/// attend, counted under a course of the catalogue.
public struct ResearchActivity: Sendable, Hashable {
    /// The county that organises it.
    public let countyCode: String
    /// The activity's id, unique within the county.
    public let activityID: String
    /// The training year.
    public let year: Int
    /// The activity's title.
    public let title: String
    /// The course it counts under.
    public let courseCode: String
    /// The school that holds it, or `nil` for the county's own.
    public let schoolCode: String?
    /// The day it is held, `YYYY-MM-DD`.
    public let heldOn: String
    /// How long it lasts, 1 to 1440 minutes.
    public let minutes: Int

    /// Creates an activity.
    public init(
        countyCode: String, activityID: String, year: Int, title: String, courseCode: String, schoolCode: String?,
        heldOn: String, minutes: Int
    ) {
        self.countyCode = countyCode
        self.activityID = activityID
        self.year = year
        self.title = title
        self.courseCode = courseCode
        self.schoolCode = schoolCode
        self.heldOn = heldOn
        self.minutes = minutes
    }
}
