/// A make-up (补修) window a year's policy opens for an earlier year (notice, part 6): a teacher registered in that
/// year but not qualified may complete its training in the window; reaching that year's standard makes that year
/// qualified, otherwise it stays not qualified.
public struct MakeUpRule: Sendable, Hashable {
    /// The year the make-up credits (2018 in the 2019 policy).
    public let creditsYear: Int
    /// The first instant at which make-up study counts.
    public let opens: OffsetInstant
    /// The first instant at which make-up study no longer counts; once it has passed, the credited year's result is
    /// final.
    public let deadline: OffsetInstant

    /// Creates a rule; ``AssessmentPolicy`` checks it when the policy is built.
    public init(creditsYear: Int, opens: OffsetInstant, deadline: OffsetInstant) {
        self.creditsYear = creditsYear
        self.opens = opens
        self.deadline = deadline
    }
}

extension MakeUpRule: Codable {
    private static let fields: Set<String> = ["credits_year", "opens", "deadline"]

    /// Decodes the JSON object described in docs/POLICY.md, refusing unknown fields.
    public init(from decoder: any Decoder) throws {
        let reader = try FieldReader(decoder, fields: Self.fields)
        self.init(
            creditsYear: try reader.integer("credits_year"), opens: try reader.required("opens"),
            deadline: try reader.required("deadline"))
    }

    /// Encodes the JSON object described in docs/POLICY.md.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: FieldKey.self)
        try container.encode(creditsYear, forKey: "credits_year")
        try container.encode(opens, forKey: "opens")
        try container.encode(deadline, forKey: "deadline")
    }
}
