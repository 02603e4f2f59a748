/// What homework a teacher must pass: a number of distinct assignments, each scoring at least a minimum.
public struct HomeworkRequirement: Sendable, Hashable {
    /// How many distinct assignments must reach ``minimumScore``; zero for no homework requirement.
    public let count: Int
    /// The score out of 100 an assignment needs to count as passed.
    public let minimumScore: Tenths

    /// Creates a requirement; ``AssessmentPolicy`` checks it when the policy is built.
    public init(count: Int, minimumScore: Tenths) {
        self.count = count
        self.minimumScore = minimumScore
    }

    /// No homework required.
    public static let none = HomeworkRequirement(count: 0, minimumScore: .zero)
}

extension HomeworkRequirement: Codable {
    private static let fields: Set<String> = ["count", "minimum_score"]

    /// Decodes the JSON object described in docs/POLICY.md, refusing unknown fields.
    public init(from decoder: any Decoder) throws {
        let reader = try FieldReader(decoder, fields: Self.fields)
        self.init(count: try reader.integer("count"), minimumScore: try reader.required("minimum_score"))
    }

    /// Encodes the JSON object described in docs/POLICY.md.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: FieldKey.self)
        try container.encode(count, forKey: "count")
        try container.encode(minimumScore, forKey: "minimum_score")
    }
}
