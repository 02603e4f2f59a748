/// A category of study hours the policy counts separately, with the minimum a teacher must reach in it: mandatory
/// topics, electives, information-technology ability, offline research.
public struct HourCategory: Sendable, Hashable {
    /// The code study credits name their category by, and the suffix of its shortfall reason (`short.mandatory`):
    /// lower-case ASCII letters, digits and `_`, starting with a letter; not `total` or `homework`.
    public let code: String
    /// The Chinese name, for reports: `必修专题`.
    public let name: String
    /// The English words reasons use before "hours": `mandatory-topic` gives "short of 4.5 mandatory-topic hours".
    public let label: String
    /// The hours a teacher must reach in this category; zero for none.
    public let minimumHours: Tenths
    /// The sources whose credits count in this category, for example only counties and schools for offline research;
    /// empty for any source.
    public let sources: [CreditSource]

    /// Creates a category; ``AssessmentPolicy`` checks it when the policy is built.
    public init(code: String, name: String, label: String, minimumHours: Tenths, sources: [CreditSource] = []) {
        self.code = code
        self.name = name
        self.label = label
        self.minimumHours = minimumHours
        self.sources = sources
    }

    /// Whether credits from `source` count in this category.
    public func accepts(_ source: CreditSource) -> Bool {
        sources.isEmpty || sources.contains(source)
    }
}

extension HourCategory: Codable {
    private static let fields: Set<String> = ["code", "name", "label", "minimum_hours", "sources"]

    /// Decodes the JSON object described in docs/POLICY.md, refusing unknown fields.
    public init(from decoder: any Decoder) throws {
        let reader = try FieldReader(decoder, fields: Self.fields)
        self.init(
            code: try reader.required("code"), name: try reader.required("name"), label: try reader.required("label"),
            minimumHours: try reader.required("minimum_hours"), sources: try reader.optional("sources") ?? [])
    }

    /// Encodes the JSON object described in docs/POLICY.md.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: FieldKey.self)
        try container.encode(code, forKey: "code")
        try container.encode(name, forKey: "name")
        try container.encode(label, forKey: "label")
        try container.encode(minimumHours, forKey: "minimum_hours")
        if !sources.isEmpty { try container.encode(sources, forKey: "sources") }
    }
}
