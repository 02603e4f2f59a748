public import SyncCore

/// Deterministic keys for tests and protocol test vectors. Never use them for real data.
public enum KeyFixtures {
    /// A signing identity whose 32-byte seed is `byte` repeated.
    public static func identity(_ byte: UInt8) -> SigningIdentity {
        // A 32-byte seed always makes a valid Ed25519 key.
        try! SigningIdentity(seed: [UInt8](repeating: byte, count: 32))
    }

    /// The seed of the protocol test vectors: bytes 0, 1, 2, … 31.
    public static let vectorSeed: [UInt8] = Array(0..<32)

    /// The signing identity of the protocol test vectors (docs/PROTOCOL.md).
    public static var vectorIdentity: SigningIdentity { try! SigningIdentity(seed: vectorSeed) }
}
