/// What an attendance row is checked against: an offline research activity's training year and length.
public struct ActivitySummary: Sendable, Hashable {
    /// The training year the activity counts in.
    public let year: Int
    /// How long the activity lasted, in minutes; no one attends it longer.
    public let minutes: Int

    /// Creates a summary.
    public init(year: Int, minutes: Int) {
        self.year = year
        self.minutes = minutes
    }
}
