/// What a course of the catalogue is (`kind` column of the course file); the hour category it counts in is separate.
public enum CourseKind: String, Sendable, Hashable, CaseIterable {
    /// A mandatory topic (必修专题), code `mandatory`.
    case mandatory
    /// An elective by stage, subject and level (选修课程), code `elective`.
    case elective
    /// The IT-ability course (信息技术应用能力提升), code `it`.
    case it
    /// The class-teacher course (班主任), code `class_teacher`.
    case classTeacher = "class_teacher"
    /// The school-management course (校长、学校管理), code `school_management`.
    case schoolManagement = "school_management"
    /// Offline or school-based research (线下研修、校本研修), code `research`.
    case research
}
