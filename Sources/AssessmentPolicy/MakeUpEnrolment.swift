/// A teacher's enrolment in the make-up (补修) of an earlier year they registered for but did not qualify in.
///
/// Whether the teacher may enrol (registered that year and not qualified) is decided where the enrolment is made;
/// the engine takes the enrolment as given.
public struct MakeUpEnrolment: Sendable, Hashable {
    /// The year being made up.
    public let year: Int

    /// Creates an enrolment.
    public init(year: Int) {
        self.year = year
    }
}
