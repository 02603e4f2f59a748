/// A score out of 100 given per teacher for a ``ScoreComponent`` measured as ``ScoreComponent/Measure/provided``
/// (the provider's mark for online research, for example).
public struct ProvidedScore: Sendable, Hashable {
    /// The code of the component scored.
    public let component: String
    /// The score out of 100; a score outside 0–100 is not used. If several are given, the highest is used.
    public let score: Tenths

    /// Creates a score.
    public init(component: String, score: Tenths) {
        self.component = component
        self.score = score
    }
}
