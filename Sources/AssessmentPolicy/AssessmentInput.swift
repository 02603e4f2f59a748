/// Everything the engine knows of one teacher in one training year. Order does not matter: the engine sorts.
///
/// The input names no teacher: the caller keys the ``Assessment`` it gets back, so that no identity number passes
/// through the engine.
public struct AssessmentInput: Sendable, Hashable {
    /// The study records of the year's training (for a make-up, of the year made up).
    public var credits: [StudyCredit]
    /// The homework submissions.
    public var homework: [HomeworkResult]
    /// The scores given for provided components.
    public var providedScores: [ProvidedScore]
    /// Certificates claimed to exempt.
    public var exemptionClaims: [ExemptionClaim]
    /// A manual exemption, if one was granted.
    public var manualExemption: ManualExemption?
    /// The teacher's make-up enrolment, when the year assessed is being made up.
    public var makeUp: MakeUpEnrolment?

    /// Creates an input; every part defaults to empty.
    public init(
        credits: [StudyCredit] = [], homework: [HomeworkResult] = [], providedScores: [ProvidedScore] = [],
        exemptionClaims: [ExemptionClaim] = [], manualExemption: ManualExemption? = nil, makeUp: MakeUpEnrolment? = nil
    ) {
        self.credits = credits
        self.homework = homework
        self.providedScores = providedScores
        self.exemptionClaims = exemptionClaims
        self.manualExemption = manualExemption
        self.makeUp = makeUp
    }
}
