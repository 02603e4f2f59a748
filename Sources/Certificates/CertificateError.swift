public import SyncCore

/// Why a certificate, a token or a code was refused, or could not be made or printed.
///
/// A struct over a private code so that adding a case never breaks callers. Messages name the field or the
/// check that failed, never a name or an identity number.
public struct CertificateError: Error, Sendable, Hashable, CustomStringConvertible {
    enum Code: Sendable, Hashable {
        case malformed, badSignature, unknownKey, unknownCertificate, revoked, mismatch, qrFailed
    }

    let code: Code
    /// A one-line explanation, safe to log.
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The stable reason code (docs/CERTIFICATES.md, "Verifying").
    public var reason: ReasonCode {
        switch code {
        case .malformed: return .certificateMalformed
        case .badSignature: return .certificateBadSignature
        case .unknownKey: return .certificateUnknownKey
        case .unknownCertificate: return .certificateUnknown
        case .revoked: return .certificateRevoked
        case .mismatch: return .certificateMismatch
        case .qrFailed: return .certificateQRFailed
        }
    }

    /// The text is neither a certificate token nor a verification code, or a field is out of form.
    public static func malformed(_ detail: String) -> Self { .init(.malformed, detail) }
    /// A certificate the replica does not hold.
    public static func unknownCertificate(_ detail: String) -> Self { .init(.unknownCertificate, detail) }
    /// A certificate the hub revoked.
    public static func revoked(_ detail: String) -> Self { .init(.revoked, detail) }
    /// A token whose signature is right but which differs from the certificate the replica holds, or a held
    /// certificate that no longer matches the teacher's record.
    public static func mismatch(_ detail: String) -> Self { .init(.mismatch, detail) }

    public var description: String { "\(reason): \(message)" }
}

extension ReasonCode {
    /// The text is not a certificate token or verification code, or a field of its payload is out of form.
    public static let certificateMalformed: ReasonCode = "certificate.malformed"
    /// The signature does not verify against the key the token names: the payload or the signature was altered.
    public static let certificateBadSignature: ReasonCode = "certificate.bad_signature"
    /// The token names a signing key that is not the province's (or not one this node trusts).
    public static let certificateUnknownKey: ReasonCode = "certificate.unknown_key"
    /// No certificate with this code or serial is held by this node.
    public static let certificateUnknown: ReasonCode = "certificate.unknown"
    /// The hub revoked the certificate.
    public static let certificateRevoked: ReasonCode = "certificate.revoked"
    /// The token or the held certificate does not match the record it should match.
    public static let certificateMismatch: ReasonCode = "certificate.mismatch"
    /// The QR symbol could not be made (the text is too long for any QR version).
    public static let certificateQRFailed: ReasonCode = "certificate.qr_failed"
}
