import Crypto

/// The short code printed under a certificate's QR symbol, for a person to type: 12 characters of Crockford
/// base32 (60 bits of SHA-256 of the hub's signature), shown in groups of 4, `7K2M-Q9TD-X4BW`.
///
/// A code is a lookup key, not a proof: it is checked against a replica that holds the certificate. Reading
/// is forgiving as Crockford intends: case, hyphens and spaces do not matter, `O` reads as `0`, `I` and `L` as `1`.
public struct VerificationCode: Sendable, Hashable, CustomStringConvertible {
    /// The 12 characters, without separators.
    public let value: String

    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    /// The number of characters.
    public static let length = 12

    /// Derives the code of a signature.
    public init(signature: [UInt8]) {
        let digest = Array(SHA256.hash(data: signature))
        var bits: UInt64 = 0
        for byte in digest.prefix(8) { bits = bits << 8 | UInt64(byte) }
        bits >>= 4  // the top 60 bits
        var chars = [Character]()
        for i in stride(from: Self.length - 1, through: 0, by: -1) {
            chars.append(Self.alphabet[Int((bits >> UInt64(5 * i)) & 31)])
        }
        value = String(chars)
    }

    /// Reads a typed code; `nil` unless it is 12 Crockford characters once separators are dropped.
    public init?(text: String) {
        var chars = [Character]()
        for c in text.uppercased() {
            switch c {
            case "-", " ", "\t", "\n", "\r": continue
            case "O": chars.append("0")
            case "I", "L": chars.append("1")
            default:
                guard Self.alphabet.contains(c) else { return nil }
                chars.append(c)
            }
        }
        guard chars.count == Self.length else { return nil }
        value = String(chars)
    }

    /// The code in groups of 4: `7K2M-Q9TD-X4BW`.
    public var description: String {
        let c = Array(value)
        return stride(from: 0, to: c.count, by: 4).map { String(c[$0..<min($0 + 4, c.count)]) }.joined(separator: "-")
    }
}
