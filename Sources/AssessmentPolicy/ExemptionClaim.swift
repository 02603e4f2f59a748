/// A teacher's claim to be exempt from the year's training because of a certificate from another programme.
public struct ExemptionClaim: Sendable, Hashable {
    /// The certificate kind (``ExemptingCertificate/kind``): `guopei`, `provincial`.
    public let kind: String
    /// The year the certificate was earned.
    public let year: Int
    /// What proves it, such as the certificate number; a claim without evidence does not exempt. Never part of a
    /// reason's message.
    public let evidence: String

    /// Creates a claim.
    public init(kind: String, year: Int, evidence: String) {
        self.kind = kind
        self.year = year
        self.evidence = evidence
    }
}
