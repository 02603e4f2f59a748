import Crypto
import SyncCore

/// Parses a base64 public key given on the command line.
enum Curve25519PublicKeyText {
    static func parse(_ text: String) -> Curve25519.Signing.PublicKey? { .fromBase64(text) }
}
