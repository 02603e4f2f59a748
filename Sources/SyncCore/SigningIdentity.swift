public import Crypto
import Foundation

/// A node's own Ed25519 key pair, with the origin id derived from it.
public struct SigningIdentity: Sendable {
    /// The private key; never logged, never printed.
    public let privateKey: Curve25519.Signing.PrivateKey
    /// The origin id derived from the public key.
    public let origin: OriginID

    /// Wraps an existing private key.
    public init(privateKey: Curve25519.Signing.PrivateKey) {
        self.privateKey = privateKey
        self.origin = OriginID(publicKey: privateKey.publicKey)
    }

    /// Generates a fresh key from the system's secure random source.
    public static func generate() -> SigningIdentity { SigningIdentity(privateKey: .init()) }

    /// Recreates a key from its 32-byte seed (the raw private key representation).
    public init(seed: [UInt8]) throws(SyncError) {
        do {
            self.init(privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: seed))
        } catch {
            throw SyncError(.malformed, "a private key seed must be 32 bytes")
        }
    }

    /// The public key.
    public var publicKey: Curve25519.Signing.PublicKey { privateKey.publicKey }

    /// The public key as standard base64 of its 32 raw bytes.
    public var publicKeyBase64: String { publicKey.rawRepresentation.base64EncodedString() }

    /// The 32-byte seed, for writing the key file.
    public var seed: [UInt8] { Array(privateKey.rawRepresentation) }
}

extension Curve25519.Signing.PublicKey {
    /// Parses a public key from standard base64 of its 32 raw bytes.
    public static func fromBase64(_ text: String) -> Curve25519.Signing.PublicKey? {
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
            data.count == 32
        else { return nil }
        return try? Curve25519.Signing.PublicKey(rawRepresentation: data)
    }
}
