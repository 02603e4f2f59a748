/// A training project of one year: a stage group trained by one provider, with the hours a teacher must complete.
public struct TrainingProject: Sendable, Hashable {
    /// The project's code, unique in the province.
    public let projectCode: String
    /// The training year.
    public let year: Int
    /// The project's name.
    public let name: String
    /// The stages the project trains, sorted by code and without duplicates.
    public let stages: [TeachingStage]
    /// The provider that runs it.
    public let providerCode: String
    /// The hours a teacher must complete, in tenths of an hour.
    public let hoursRequired: Int

    /// Creates a project; `stages` is sorted and deduplicated.
    public init(
        projectCode: String, year: Int, name: String, stages: [TeachingStage], providerCode: String, hoursRequired: Int
    ) {
        self.projectCode = projectCode
        self.year = year
        self.name = name
        self.stages = Array(Set(stages)).sorted()
        self.providerCode = providerCode
        self.hoursRequired = hoursRequired
    }
}
