import Crypto
import SyncCore

/// Parses base64 public keys for the replica (keeps the Crypto import out of callers).
enum Curve25519PublicKeyParser {
    static func parse(_ base64: String) -> (key: Curve25519.Signing.PublicKey, base64: String)? {
        guard let key = Curve25519.Signing.PublicKey.fromBase64(base64) else { return nil }
        return (key, key.rawRepresentation.base64EncodedString())
    }
}
