/// A school or kindergarten: it belongs to one county-level unit and teaches at one or more stages.
public struct School: Sendable, Hashable {
    /// The school's code (学校标识码 or the province's own code), unique in the province.
    public let schoolCode: String
    /// The school's name.
    public let name: String
    /// The GB/T 2260 code of the county-level unit the school belongs to.
    public let countyCode: String
    /// The stages the school teaches, sorted by code and without duplicates.
    public let stages: [TeachingStage]

    /// Creates a school; `stages` is sorted and deduplicated.
    public init(schoolCode: String, name: String, countyCode: String, stages: [TeachingStage]) {
        self.schoolCode = schoolCode
        self.name = name
        self.countyCode = countyCode
        self.stages = Array(Set(stages)).sorted()
    }
}
