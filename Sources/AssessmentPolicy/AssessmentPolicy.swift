/// The province's assessment plan for one training year, as the hub publishes it: what a teacher must study, how the
/// score is made, when study stops counting, which certificates exempt and which earlier year may be made up.
///
/// A value of this type is always valid: it is built by its initialiser or parsed by ``PolicyDocument``, and both check
/// every rule in docs/POLICY.md, naming the offending field. The engine (``assess(_:asOf:makeUp:)``) relies on it.
public struct AssessmentPolicy: Sendable, Hashable {
    /// The version of the document format this release reads and writes (the document's `format` field).
    public static let format = 1

    /// The training year the policy assesses.
    public let year: Int
    /// The revision of this year's policy, from 1; the hub publishes a corrected policy under a higher version.
    public let version: Int
    /// Where the policy comes from, in words (the notice and the center's plan); not used in evaluation.
    public let basis: String
    /// The provincial hours a teacher must reach in total (52 in 2019).
    public let hoursRequired: Tenths
    /// The minutes of study one credited hour (学时) takes.
    public let minutesPerHour: Int
    /// How minutes become tenths of an hour.
    public let rounding: HourRounding
    /// The first instant at which study counts for the year.
    public let opens: OffsetInstant
    /// The first instant at which study no longer counts; once it has passed, results are final.
    public let deadline: OffsetInstant
    /// The hour categories, in the order reports and reasons list them.
    public let categories: [HourCategory]
    /// The score components, whose weights sum to 100.
    public let components: [ScoreComponent]
    /// The score out of 100 a teacher needs, with every hour and homework requirement met, to qualify.
    public let passScore: Tenths
    /// The homework a teacher must pass.
    public let homework: HomeworkRequirement
    /// The certificate kinds that exempt from the year's training.
    public let exemptions: [ExemptingCertificate]
    /// The make-up window this policy opens for an earlier year, if any.
    public let makeUp: MakeUpRule?

    /// Builds a policy, checking every rule of docs/POLICY.md.
    ///
    /// - Throws: ``PolicyError`` of kind ``PolicyError/Kind/invalidValue`` naming the first offending field by its
    ///   document path (`categories[1].minimum_hours`).
    public init(
        year: Int, version: Int, basis: String = "", hoursRequired: Tenths, minutesPerHour: Int,
        rounding: HourRounding, opens: OffsetInstant, deadline: OffsetInstant, categories: [HourCategory],
        components: [ScoreComponent], passScore: Tenths, homework: HomeworkRequirement,
        exemptions: [ExemptingCertificate] = [], makeUp: MakeUpRule? = nil
    ) throws(PolicyError) {
        self.year = year
        self.version = version
        self.basis = basis
        self.hoursRequired = hoursRequired
        self.minutesPerHour = minutesPerHour
        self.rounding = rounding
        self.opens = opens
        self.deadline = deadline
        self.categories = categories
        self.components = components
        self.passScore = passScore
        self.homework = homework
        self.exemptions = exemptions
        self.makeUp = makeUp
        try validate()
    }

    /// The category with code `code`, if the policy has one.
    public func category(_ code: String) -> HourCategory? {
        categories.first { $0.code == code }
    }
}
