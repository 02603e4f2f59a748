/// A cohort: one course list a county assigns to every teacher of a stage, subject and development stage.
public struct Cohort: Sendable, Hashable {
    /// The county that assigns it.
    public let countyCode: String
    /// The training year.
    public let year: Int
    /// The cohort's code, unique within the county and year.
    public let cohortCode: String
    /// The stage of its teachers.
    public let stage: TeachingStage
    /// The subject of its teachers; `nil` means all.
    public let subject: SubjectCode?
    /// The development stage of its teachers; `nil` means all.
    public let devStage: DevelopmentStage?
    /// The course codes assigned, in the file's order without repeats.
    public let courses: [String]

    /// Creates a cohort; repeated course codes are kept once, in first-seen order.
    public init(
        countyCode: String, year: Int, cohortCode: String, stage: TeachingStage, subject: SubjectCode?,
        devStage: DevelopmentStage?, courses: [String]
    ) {
        self.countyCode = countyCode
        self.year = year
        self.cohortCode = cohortCode
        self.stage = stage
        self.subject = subject
        self.devStage = devStage
        var seen: Set<String> = []
        self.courses = courses.filter { seen.insert($0).inserted }
    }

    /// Whether a teacher is a member: of the cohort's county and stage, and of its subject and development stage
    /// where it names them.
    public func includes(_ teacher: TeacherProfile) -> Bool {
        teacher.countyCode == countyCode && teacher.stage == stage && (subject.map { $0 == teacher.subject } ?? true)
            && (devStage.map { $0 == teacher.devStage } ?? true)
    }

    /// The selections the cohort assigns: each member takes each course, tagged with the cohort's code.
    public func selections(for teachers: [TeacherProfile]) -> [CourseSelection] {
        teachers.filter(includes).flatMap { teacher in
            courses.map { course in
                CourseSelection(
                    countyCode: countyCode, year: year, idType: teacher.idType, idNumber: teacher.idNumber,
                    courseCode: course, cohortCode: cohortCode)
            }
        }
    }
}
