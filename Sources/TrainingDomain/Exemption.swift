/// An exemption claim: a teacher's certificate of another programme with its evidence, or a manual exemption with its
/// reason. Whether it exempts is the assessment policy's decision.
public struct Exemption: Sendable, Hashable {
    /// The teacher's county.
    public let countyCode: String
    /// The training year the claim is for.
    public let year: Int
    /// The teacher's identity-document type.
    public let idType: IdentityDocumentType
    /// The teacher's normalised identity-document number.
    public let idNumber: String
    /// What is claimed.
    public let kind: ExemptionKind
    /// The year of the certificate (for a manual exemption, the year it applies to).
    public let certificateYear: Int
    /// The certificate's evidence (its number or where it is filed), or a manual exemption's reason.
    public let evidence: String

    /// Creates a claim.
    public init(
        countyCode: String, year: Int, idType: IdentityDocumentType, idNumber: String, kind: ExemptionKind,
        certificateYear: Int, evidence: String
    ) {
        self.countyCode = countyCode
        self.year = year
        self.idType = idType
        self.idNumber = idNumber
        self.kind = kind
        self.certificateYear = certificateYear
        self.evidence = evidence
    }
}
