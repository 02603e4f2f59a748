public import Crypto
import Foundation

/// A signed certificate as it travels in the QR symbol: `tscert1.` + base64url(payload) + `.` +
/// base64url(Ed25519 signature), about 200 ASCII characters.
///
/// Anyone holding the province's public key can check a token offline; whether the certificate was revoked
/// later is known only to a replica that holds it (docs/CERTIFICATES.md).
public struct CertificateToken: Sendable, Hashable {
    /// What the certificate says.
    public let payload: CertificatePayload
    /// The hub's Ed25519 signature over ``CertificatePayload/canonicalBytes``.
    public let signature: [UInt8]

    /// Pairs a payload with its signature (as stored in a `certificates` row).
    public init(payload: CertificatePayload, signature: [UInt8]) {
        self.payload = payload
        self.signature = signature
    }

    /// Signs a payload with the hub's key; the payload's ``CertificatePayload/keyID`` must be that key's.
    public static func sign(
        _ payload: CertificatePayload, with key: Curve25519.Signing.PrivateKey
    ) throws(CertificateError) -> CertificateToken {
        guard payload.keyID == CertificateKeys.id(of: key.publicKey) else {
            throw CertificateError(.unknownKey, "the payload names another key than the one signing it")
        }
        do {
            return CertificateToken(payload: payload, signature: Array(try key.signature(for: payload.canonicalBytes)))
        } catch {
            throw CertificateError(.badSignature, "signing failed")
        }
    }

    /// The compact text form.
    public var text: String {
        "\(CertificatePayload.formatTag).\(Base64URL.encode(payload.canonicalBytes)).\(Base64URL.encode(signature))"
    }

    /// The short verification code printed under the QR symbol.
    public var code: VerificationCode { VerificationCode(signature: signature) }

    /// The signature as stored in the `certificates` table (base64url).
    public var signatureText: String { Base64URL.encode(signature) }

    /// Decodes a stored signature (base64url of 64 bytes).
    public static func signature(fromText text: String) -> [UInt8]? {
        guard let bytes = Base64URL.decode(text), bytes.count == 64 else { return nil }
        return bytes
    }

    /// Whether a text looks like a token (rather than a verification code).
    public static func looksLikeToken(_ text: String) -> Bool {
        text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased().hasPrefix(CertificatePayload.formatTag + ".")
    }

    /// Parses the text form; surrounding white space is ignored.
    ///
    /// - Throws: ``CertificateError`` `certificate.malformed` naming the part that is wrong.
    public init(text raw: String) throws(CertificateError) {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == CertificatePayload.formatTag else {
            throw .malformed("not a certificate token (\(CertificatePayload.formatTag).PAYLOAD.SIGNATURE)")
        }
        guard let payloadBytes = Base64URL.decode(parts[1]) else {
            throw .malformed("the token's payload is not base64url")
        }
        guard let signature = Base64URL.decode(parts[2]), signature.count == 64 else {
            throw .malformed("the token's signature is not 64 bytes of base64url")
        }
        self.init(payload: try CertificatePayload(canonical: payloadBytes), signature: signature)
    }

    /// Checks the signature against the province's keys (the current one, and earlier ones whose certificates
    /// still stand) and returns the key that signed it.
    ///
    /// - Throws: ``CertificateError`` `certificate.unknown_key` when no key given has the token's key id (a
    ///   certificate signed by someone else, or checked against the wrong key), `certificate.bad_signature` when
    ///   the key matches but the signature does not (the payload or the signature was altered).
    @discardableResult
    public func verify(
        against keys: [Curve25519.Signing.PublicKey]
    ) throws(CertificateError) -> Curve25519.Signing.PublicKey {
        let candidates = keys.filter { CertificateKeys.id(of: $0) == payload.keyID }
        guard !candidates.isEmpty else {
            throw CertificateError(.unknownKey, "the certificate was not signed by the province's key")
        }
        for key in candidates where key.isValidSignature(signature, for: payload.canonicalBytes) { return key }
        throw CertificateError(.badSignature, "the signature does not match the certificate's contents")
    }
}

/// The ids certificates name their signing key by.
public enum CertificateKeys {
    /// The first 8 hex digits of the key's origin id (SHA-256 of the raw public key).
    public static func id(of key: Curve25519.Signing.PublicKey) -> String {
        SHA256.hash(data: key.rawRepresentation).prefix(4).map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }
}
