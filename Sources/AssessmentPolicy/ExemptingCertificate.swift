/// A kind of training certificate that exempts its holder from the year's remote training (notice, part 8: a
/// certificate of the national programme 国培计划 or of a provincial programme the department organised or recognised,
/// earned in the same year).
public struct ExemptingCertificate: Sendable, Hashable {
    /// The code exemption claims name the kind by: lower-case ASCII letters, digits and `_` (`guopei`, `provincial`).
    public let kind: String
    /// The Chinese name, which reasons quote: `国培计划`.
    public let name: String
    /// The year a certificate must have been earned in to exempt.
    public let certificateYear: Int

    /// Creates an exempting kind; ``AssessmentPolicy`` checks it when the policy is built.
    public init(kind: String, name: String, certificateYear: Int) {
        self.kind = kind
        self.name = name
        self.certificateYear = certificateYear
    }
}

extension ExemptingCertificate: Codable {
    private static let fields: Set<String> = ["kind", "name", "certificate_year"]

    /// Decodes the JSON object described in docs/POLICY.md, refusing unknown fields.
    public init(from decoder: any Decoder) throws {
        let reader = try FieldReader(decoder, fields: Self.fields)
        self.init(
            kind: try reader.required("kind"), name: try reader.required("name"),
            certificateYear: try reader.integer("certificate_year"))
    }

    /// Encodes the JSON object described in docs/POLICY.md.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: FieldKey.self)
        try container.encode(kind, forKey: "kind")
        try container.encode(name, forKey: "name")
        try container.encode(certificateYear, forKey: "certificate_year")
    }
}
