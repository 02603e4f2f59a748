/// The engine's answer for one teacher and year: status, hours per category, score and the reasons in plain words.
///
/// Equal inputs under an equal policy at an equal `asOf` always give an equal assessment, and ``canonicalText`` gives
/// the same bytes on every machine, so the hub's official result and a county's preview can be compared by digest.
public struct Assessment: Sendable, Hashable {
    /// The counted hours of one category.
    public struct CategoryHours: Sendable, Hashable {
        /// The category's code.
        public let code: String
        /// The counted minutes.
        public let minutes: Int
        /// The counted minutes in hours, rounded by the policy's rule.
        public let hours: Tenths
        /// The category's minimum.
        public let minimumHours: Tenths
    }

    /// The score of one component.
    public struct ComponentScore: Sendable, Hashable {
        /// The component's code.
        public let code: String
        /// The component's weight in percent.
        public let weight: Int
        /// The component's score out of 100, in tenths (rounded down).
        public let score: Tenths
    }

    /// The training year assessed.
    public let year: Int
    /// The version of the policy that assessed it.
    public let policyVersion: Int
    /// Where the teacher stands.
    public let status: AssessmentStatus
    /// Hours per category, in the policy's order.
    public let categories: [CategoryHours]
    /// All counted minutes.
    public let totalMinutes: Int
    /// All counted minutes in hours, rounded once by the policy's rule (not the sum of the rounded category hours,
    /// which would lose up to a tenth per category).
    public let totalHours: Tenths
    /// How many distinct assignments reached the homework minimum score.
    public let homeworkPassed: Int
    /// Score per component, in the policy's order.
    public let components: [ComponentScore]
    /// The weighted score out of 100, in tenths (rounded down).
    public let score: Tenths
    /// Why the status is what it is, and what did not count, in the order docs/POLICY.md gives.
    public let reasons: [Reason]

    /// The hours of the category with code `code`; zero if the policy has no such category.
    public func hours(_ code: String) -> Tenths {
        categories.first { $0.code == code }?.hours ?? .zero
    }
}
