/// Where a teacher stands in a training year.
public enum AssessmentStatus: String, Sendable, Hashable, CaseIterable {
    /// Nothing counted yet, and the deadline has not passed. Code `not_started`.
    case notStarted = "not_started"
    /// Something counted but not every requirement is met, and the deadline has not passed. Code `in_progress`.
    case inProgress = "in_progress"
    /// Every requirement is met (possibly before the deadline). Code `qualified`.
    case qualified
    /// The deadline has passed and some requirement is not met. Code `not_qualified`.
    case notQualified = "not_qualified"
    /// Exempt from the year's training by a certificate or a manual decision. Code `exempt`.
    case exempt
}
