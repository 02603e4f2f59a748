public import Foundation

/// A scored homework submission. An assignment may be submitted more than once; its best counted score is its result.
public struct HomeworkResult: Sendable, Hashable {
    /// The assignment's identifier.
    public let assignmentID: String
    /// The score out of 100; a score outside 0–100 does not count.
    public let score: Tenths
    /// When the submission was made; it counts only inside the policy's window (or an open make-up window).
    public let submittedAt: Date
    /// Whether the score was withdrawn (annulled); a withdrawn result does not count.
    public let withdrawn: Bool

    /// Creates a result.
    public init(assignmentID: String, score: Tenths, submittedAt: Date, withdrawn: Bool = false) {
        self.assignmentID = assignmentID
        self.score = score
        self.submittedAt = submittedAt
        self.withdrawn = withdrawn
    }
}
