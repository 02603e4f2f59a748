public import Crypto
import Foundation

/// A bundle file encrypted to one node (HPKE, RFC 9180: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
/// ChaCha20-Poly1305), so that a lost USB stick discloses nothing (docs/PROTOCOL.md, section 21).
///
/// Layout: `"TSBE" ‖ u16 version (1) ‖ recipient key id (8) ‖ u16 n ‖ encapsulated key (n) ‖ ciphertext`.
/// The ciphertext is the whole plain bundle file; everything before it is authenticated as associated data.
/// The change sets inside keep their signatures, which are checked after decryption as for any bundle.
public enum SealedBundle {
    public static let magic: [UInt8] = Array("TSBE".utf8)
    public static let version: UInt16 = 1
    static let info = Data("teachersync/bundle/v1".utf8)
    static let suite = HPKE.Ciphersuite.Curve25519_SHA256_ChachaPoly

    /// Whether `bytes` is an encrypted bundle (by its magic).
    public static func isSealed(_ bytes: [UInt8]) -> Bool { bytes.starts(with: magic) }

    /// The 8-byte id of a recipient key, in the file so that the wrong node can say whose bundle it is.
    public static func keyID(_ key: Curve25519.KeyAgreement.PublicKey) -> [UInt8] {
        Array(SHA256.hash(data: Array("teachersync/bundle-key/v1".utf8) + Array(key.rawRepresentation)).prefix(8))
    }

    /// Encrypts a plain bundle file to `recipient`.
    public static func seal(
        _ plain: [UInt8], to recipient: Curve25519.KeyAgreement.PublicKey
    ) throws(SyncError)
        -> [UInt8]
    {
        do {
            var sender = try HPKE.Sender(recipientKey: recipient, ciphersuite: suite, info: info)
            var header = ByteWriter()
            header.raw(magic)
            header.u16(version)
            header.raw(keyID(recipient))
            header.u16(UInt16(sender.encapsulatedKey.count))
            header.raw(Array(sender.encapsulatedKey))
            let ciphertext = try sender.seal(plain, authenticating: header.bytes)
            return header.bytes + Array(ciphertext)
        } catch {
            throw SyncError(.storeFailure, "cannot encrypt the bundle: \(error)")
        }
    }

    /// Decrypts a sealed bundle with this node's key. Refuses one sealed to another key with
    /// `bundle.wrong_recipient` and a damaged or altered one with `bundle.decryption_failed`.
    public static func open(
        _ bytes: [UInt8], with key: Curve25519.KeyAgreement.PrivateKey
    ) throws(SyncError)
        -> [UInt8]
    {
        var r = ByteReader(bytes)
        guard (try? r.raw(4)) == magic else { throw SyncError(.malformed, "not an encrypted bundle") }
        let v = try r.u16()
        guard v == version else {
            throw SyncError(.unsupportedVersion, "encrypted bundle version \(v); this build reads \(version)")
        }
        let recipient = try r.raw(8)
        let mine = keyID(key.publicKey)
        guard recipient == mine else {
            throw SyncError(
                .wrongRecipient,
                "the bundle is encrypted for the node with key id \(Hex.encode(recipient)); this node's is "
                    + Hex.encode(mine))
        }
        let n = Int(try r.u16())
        let encapsulated = try r.raw(n)
        let headerLength = bytes.count - r.remaining
        let ciphertext = try r.raw(r.remaining)
        do {
            var recipientContext = try HPKE.Recipient(
                privateKey: key, ciphersuite: suite, info: info, encapsulatedKey: Data(encapsulated))
            return Array(try recipientContext.open(ciphertext, authenticating: Array(bytes.prefix(headerLength))))
        } catch {
            throw SyncError(.decryptionFailed, "the encrypted bundle is damaged or was altered: nothing was applied")
        }
    }
}

extension SigningIdentity {
    /// The node's bundle-encryption key (X25519), derived from its signing key's seed, so there is no second
    /// key file to keep.
    public var encryptionKey: Curve25519.KeyAgreement.PrivateKey {
        let derived = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: seed), info: Data("teachersync/bundle-encryption/v1".utf8),
            outputByteCount: 32)
        let raw = derived.withUnsafeBytes { Data($0) }
        // Any 32 bytes are a valid X25519 private key (clamped when used).
        return try! Curve25519.KeyAgreement.PrivateKey(rawRepresentation: raw)
    }
}

extension Curve25519.KeyAgreement.PublicKey {
    /// Parses a key from standard base64 of its 32 raw bytes.
    public static func fromBase64(_ text: String) -> Curve25519.KeyAgreement.PublicKey? {
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32
        else { return nil }
        return try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: data)
    }
}
