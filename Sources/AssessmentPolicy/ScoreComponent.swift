/// One weighted part of a teacher's score (过程性测评: the providers score each content type, the plan weights them).
///
/// Every component scores 0 to 100 in tenths of a point; the score is the weighted sum (see ``AssessmentPolicy``).
public struct ScoreComponent: Sendable, Hashable {
    /// How a component's 0–100 score is found.
    public enum Measure: Sendable, Hashable {
        /// From credited hours: the hours counted in `categories`, as a share of `fullMarksHours`, capped at 100.
        case hours(categories: [String], fullMarksHours: Tenths)
        /// From homework: the mean of the best ``HomeworkRequirement/count`` assignment scores, a missing one counting
        /// as 0.
        case homework
        /// Given per teacher by the provider or the county (``ProvidedScore``), for content the records do not
        /// measure, such as participation in online research; 0 when none was given.
        case provided
    }

    /// The component's code: lower-case ASCII letters, digits and `_`, starting with a letter.
    public let code: String
    /// English words for reasons: `online research` gives "no score for online research was provided".
    public let label: String
    /// The weight in percent; the weights of a policy's components sum to 100.
    public let weight: Int
    /// How the component is scored.
    public let measure: Measure

    /// Creates a component; ``AssessmentPolicy`` checks it when the policy is built.
    public init(code: String, label: String, weight: Int, measure: Measure) {
        self.code = code
        self.label = label
        self.weight = weight
        self.measure = measure
    }
}

extension ScoreComponent: Codable {
    private static let fields: Set<String> = ["code", "label", "weight", "measure"]
    private static let hoursFields: Set<String> = ["categories", "full_marks_hours"]

    /// Decodes the JSON object described in docs/POLICY.md, refusing unknown fields and fields of another measure.
    public init(from decoder: any Decoder) throws {
        let reader = try FieldReader(decoder, fields: Self.fields.union(Self.hoursFields))
        let measureName: String = try reader.required("measure")
        let measure: Measure
        switch measureName {
        case "hours":
            measure = .hours(
                categories: try reader.required("categories"), fullMarksHours: try reader.required("full_marks_hours"))
        case "homework", "provided":
            if let field = Self.hoursFields.sorted().first(where: reader.has) {
                throw reader.error(.unknownField, field, "only a component measured in hours has this field")
            }
            measure = measureName == "homework" ? .homework : .provided
        default:
            throw reader.error(.invalidValue, "measure", "expected hours, homework or provided")
        }
        self.init(
            code: try reader.required("code"), label: try reader.required("label"),
            weight: try reader.integer("weight"),
            measure: measure)
    }

    /// Encodes the JSON object described in docs/POLICY.md.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: FieldKey.self)
        try container.encode(code, forKey: "code")
        try container.encode(label, forKey: "label")
        try container.encode(weight, forKey: "weight")
        switch measure {
        case .hours(let categories, let fullMarksHours):
            try container.encode("hours", forKey: "measure")
            try container.encode(categories, forKey: "categories")
            try container.encode(fullMarksHours, forKey: "full_marks_hours")
        case .homework:
            try container.encode("homework", forKey: "measure")
        case .provided:
            try container.encode("provided", forKey: "measure")
        }
    }
}
