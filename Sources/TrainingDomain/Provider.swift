/// A training provider: an online platform the province contracts for one or more teaching stages.
public struct Provider: Sendable, Hashable {
    /// The provider's code, unique in the province.
    public let providerCode: String
    /// The provider's name.
    public let name: String
    /// The stages it trains, sorted by code and without duplicates.
    public let stages: [TeachingStage]

    /// Creates a provider; `stages` is sorted and deduplicated.
    public init(providerCode: String, name: String, stages: [TeachingStage]) {
        self.providerCode = providerCode
        self.name = name
        self.stages = Array(Set(stages)).sorted()
    }
}
