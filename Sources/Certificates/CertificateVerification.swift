public import Crypto
public import SyncCore

/// What checking a certificate found: the verdict, why, and whose certificate it is.
///
/// Checking a token needs only the province's public key; knowing whether the certificate was revoked
/// needs a replica that holds it (the hub holds all, a county its own county's).
public struct CertificateVerification: Sendable, Hashable {
    /// The outcome.
    public enum Verdict: String, Sendable, Hashable {
        /// The hub signed it and, where revocation could be checked, has not revoked it.
        case genuine
        /// The hub signed it and later revoked it.
        case revoked
        /// No certificate with this code or serial is known here.
        case unknown
        /// Not what the hub signed: altered, signed by another key, or not a certificate at all.
        case tampered
    }

    public let verdict: Verdict
    /// Why, for every verdict but ``Verdict/genuine``.
    public let reason: ReasonCode?
    /// A sentence naming the check that decided, with no personal data.
    public let detail: String
    /// What the certificate says (for a genuine or revoked certificate, and a tampered one that matched a
    /// held record).
    public let payload: CertificatePayload?
    /// The verification code.
    public let code: VerificationCode?
    /// Whether revocation was checked: `false` when only a public key was at hand, or the node does not hold the
    /// certificate's county.
    public let revocationChecked: Bool
    /// For a revoked certificate: when (`issued_at` form) and why.
    public let revokedAt: String?
    public let revokeReason: String?

    public init(
        verdict: Verdict, reason: ReasonCode?, detail: String, payload: CertificatePayload? = nil,
        code: VerificationCode? = nil, revocationChecked: Bool, revokedAt: String? = nil, revokeReason: String? = nil
    ) {
        self.verdict = verdict
        self.reason = reason
        self.detail = detail
        self.payload = payload
        self.code = code
        self.revocationChecked = revocationChecked
        self.revokedAt = revokedAt
        self.revokeReason = revokeReason
    }

    /// A refusal for an error.
    public static func rejected(_ error: CertificateError, verdict: Verdict = .tampered) -> Self {
        .init(verdict: verdict, reason: error.reason, detail: error.message, revocationChecked: false)
    }

    /// Checks a token with the province's public keys alone: genuine or tampered, never revoked (that is not
    /// knowable offline), and a verification code cannot be checked this way at all.
    public static func offline(text: String, keys: [Curve25519.Signing.PublicKey]) -> Self {
        guard CertificateToken.looksLikeToken(text) else {
            return .rejected(
                .malformed(
                    VerificationCode(text: text) == nil
                        ? "not a certificate token or verification code"
                        : "a verification code is checked against a replica that holds the certificate (--data)"))
        }
        do {
            let token = try CertificateToken(text: text)
            try token.verify(against: keys)
            return .init(
                verdict: .genuine, reason: nil, detail: "the province's key signed this certificate",
                payload: token.payload, code: token.code, revocationChecked: false)
        } catch {
            return .rejected(error)
        }
    }
}
