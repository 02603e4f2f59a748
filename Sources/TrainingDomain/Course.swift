/// A course of the catalogue: something a teacher may take in a year, the hour category it counts in and the teachers
/// it is meant for.
public struct Course: Sendable, Hashable {
    /// The course's code, unique in the province across years.
    public let courseCode: String
    /// The training year.
    public let year: Int
    /// The project (and so the provider) that offers it; `nil` for a course a county organises, such as offline
    /// research.
    public let projectCode: String?
    /// The course's name.
    public let name: String
    /// What the course is.
    public let kind: CourseKind
    /// The code of the assessment policy's hour category it counts in (`mandatory`, `elective`, `it`, `offline`…).
    public let category: String
    /// Its hours, in tenths of an hour.
    public let hours: Int
    /// The stages it is for, sorted; empty means all.
    public let stages: [TeachingStage]
    /// The subject it is for; `nil` means all.
    public let subject: SubjectCode?
    /// The development stage it is for; `nil` means all.
    public let devStage: DevelopmentStage?

    /// Creates a course; `stages` is sorted and deduplicated.
    public init(
        courseCode: String, year: Int, projectCode: String?, name: String, kind: CourseKind, category: String,
        hours: Int, stages: [TeachingStage], subject: SubjectCode?, devStage: DevelopmentStage?
    ) {
        self.courseCode = courseCode
        self.year = year
        self.projectCode = projectCode
        self.name = name
        self.kind = kind
        self.category = category
        self.hours = hours
        self.stages = Array(Set(stages)).sorted()
        self.subject = subject
        self.devStage = devStage
    }
}
