/// One thing a teacher should know about their assessment, with a stable code for programs and a plain-words message
/// for people: `short.mandatory` "short of 4.5 mandatory-topic hours (5.5 of 10)".
///
/// Messages are English and carry the amounts; they may be reworded between releases, codes may not. Messages never
/// contain personal data or evidence (certificate numbers); they quote the policy's own names, labels and instants,
/// and a manual exemption's reason.
public struct Reason: Sendable, Hashable, CustomStringConvertible {
    /// A reason's stable, dotted code. docs/POLICY.md lists them all; the set may grow.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The code, for example `short.mandatory`.
        public let rawValue: String

        /// A code from its text.
        public init(_ rawValue: String) {
            self.rawValue = rawValue
        }

        /// The code.
        public var description: String {
            rawValue
        }

        /// Nothing counted in the year: no study record and no homework.
        public static let studyNone = Code("study.none")
        /// The total counted hours are below the policy's hours required.
        public static let shortTotal = Code("short.total")
        /// The counted hours of the category with code `category` are below its minimum: `short.mandatory`.
        public static func short(_ category: String) -> Code { Code("short.\(category)") }
        /// Fewer assignments passed than the policy requires.
        public static let shortHomework = Code("short.homework")
        /// No score was given for a provided component; it counted as 0.
        public static let scoreNotProvided = Code("score.not_provided")
        /// The score is below the pass score.
        public static let scoreBelowPass = Code("score.below_pass")
        /// Exempt by a certificate of an exempting kind and year.
        public static let exemptCertificate = Code("exempt.certificate")
        /// Exempt by a manual decision.
        public static let exemptManual = Code("exempt.manual")
        /// A claimed exemption was not accepted (kind, year, missing evidence or reason).
        public static let exemptRefused = Code("exempt.refused")
        /// The year reached the standard only with make-up study: it is qualified by the make-up.
        public static let makeUpQualified = Code("makeup.qualified")
        /// The make-up window is still open and the standard is not yet reached.
        public static let makeUpOpen = Code("makeup.open")
        /// The make-up window has closed without the standard being reached: the year stays not qualified.
        public static let makeUpFailed = Code("makeup.failed")
        /// The year was qualified without make-up study.
        public static let makeUpNotNeeded = Code("makeup.not_needed")
        /// A make-up enrolment was given, but no make-up of this year is open (or the enrolment is for another year).
        public static let makeUpNotApplicable = Code("makeup.not_applicable")
        /// Study records the same record id repeats were counted once.
        public static let creditDuplicate = Code("credit.duplicate")
        /// Withdrawn study records did not count.
        public static let creditWithdrawn = Code("credit.withdrawn")
        /// Study records in a category the policy does not name did not count.
        public static let creditUnknownCategory = Code("credit.unknown_category")
        /// Study records from a source their category does not accept did not count.
        public static let creditSourceNotAccepted = Code("credit.source_not_accepted")
        /// Study records with minutes outside 1–1440 did not count.
        public static let creditInvalid = Code("credit.invalid")
        /// Study records from before the policy opened did not count.
        public static let creditBeforeOpening = Code("credit.before_opening")
        /// Study records from the deadline on (and outside any open make-up window) did not count.
        public static let creditAfterDeadline = Code("credit.after_deadline")
        /// Withdrawn homework results did not count.
        public static let homeworkWithdrawn = Code("homework.withdrawn")
        /// Homework results with a score outside 0–100 did not count.
        public static let homeworkInvalid = Code("homework.invalid")
        /// Homework submitted before the policy opened did not count.
        public static let homeworkBeforeOpening = Code("homework.before_opening")
        /// Homework submitted from the deadline on (and outside any open make-up window) did not count.
        public static let homeworkAfterDeadline = Code("homework.after_deadline")
    }

    /// What kind of reason this is.
    public let code: Code
    /// The reason in plain English words with its amounts.
    public let message: String

    /// Creates a reason.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String {
        "\(code.rawValue): \(message)"
    }
}
