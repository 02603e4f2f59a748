/// Who produced a study record (`source` column).
///
/// The codes are this project's own; each names one of the writers the notice describes.
public enum StudySource: String, Sendable, Hashable, CaseIterable {
    /// The training provider's online platform: online study time, online research, code `provider`.
    case provider
    /// The county teacher-development center: online and offline research it organised, code `county`.
    case county
    /// A school: school-based research and attendance its principal entered through the county node, code `school`.
    case school
}
