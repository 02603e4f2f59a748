extension AssessmentPolicy: Codable {
    private static let fields: Set<String> = [
        "format", "year", "version", "basis", "hours_required", "minutes_per_hour", "rounding", "opens", "deadline",
        "categories", "components", "pass_score", "homework", "exemptions", "make_up",
    ]

    /// Decodes and checks the document described in docs/POLICY.md. ``PolicyDocument/parse(_:)`` is the way in: it
    /// turns every failure into a ``PolicyError`` naming the field.
    public init(from decoder: any Decoder) throws {
        let reader = try FieldReader(decoder, fields: Self.fields)
        let format = try reader.integer("format")
        guard format == Self.format else {
            throw reader.error(.unsupportedFormat, "format", "this release reads format \(Self.format), not \(format)")
        }
        try self.init(
            year: try reader.integer("year"), version: try reader.integer("version"),
            basis: try reader.optional("basis") ?? "", hoursRequired: try reader.required("hours_required"),
            minutesPerHour: try reader.integer("minutes_per_hour"), rounding: try reader.required("rounding"),
            opens: try reader.required("opens"), deadline: try reader.required("deadline"),
            categories: try reader.required("categories"), components: try reader.required("components"),
            passScore: try reader.required("pass_score"), homework: try reader.optional("homework") ?? .none,
            exemptions: try reader.optional("exemptions") ?? [], makeUp: try reader.optional("make_up"))
    }

    /// Encodes the document described in docs/POLICY.md.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: FieldKey.self)
        try container.encode(Self.format, forKey: "format")
        try container.encode(year, forKey: "year")
        try container.encode(version, forKey: "version")
        if !basis.isEmpty { try container.encode(basis, forKey: "basis") }
        try container.encode(hoursRequired, forKey: "hours_required")
        try container.encode(minutesPerHour, forKey: "minutes_per_hour")
        try container.encode(rounding, forKey: "rounding")
        try container.encode(opens, forKey: "opens")
        try container.encode(deadline, forKey: "deadline")
        try container.encode(categories, forKey: "categories")
        try container.encode(components, forKey: "components")
        try container.encode(passScore, forKey: "pass_score")
        try container.encode(homework, forKey: "homework")
        try container.encode(exemptions, forKey: "exemptions")
        try container.encodeIfPresent(makeUp, forKey: "make_up")
    }
}
