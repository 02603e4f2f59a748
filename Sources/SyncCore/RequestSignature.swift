public import Crypto
import Foundation

/// Signs and checks HTTP requests between a node and the hub with the node's own Ed25519 key.
///
/// The signed message is `teachersync/request/v1 ‖ LF ‖ METHOD ‖ LF ‖ path-with-query ‖ LF ‖ timestamp
/// (milliseconds, decimal) ‖ LF ‖ nonce ‖ LF ‖ hex SHA-256 of the body`. The receiver refuses unknown or
/// revoked keys, timestamps outside its skew window and nonces it has seen within that window
/// (docs/PROTOCOL.md, "Request authentication").
public struct RequestSignature: Sendable, Hashable {
    /// Header names carrying the signature.
    public enum Header {
        public static let origin = "TS-Origin"
        public static let timestamp = "TS-Timestamp"
        public static let nonce = "TS-Nonce"
        public static let signature = "TS-Signature"
    }

    public let origin: OriginID
    public let timestampMillis: Int64
    /// 16 random bytes as hex.
    public let nonce: String
    /// The Ed25519 signature, 64 bytes.
    public let signature: [UInt8]

    /// The domain-separation prefix.
    public static let prefix = "teachersync/request/v1"

    /// The exact bytes signed.
    public static func message(
        method: String, path: String, timestampMillis: Int64, nonce: String, body: [UInt8]
    )
        -> [UInt8]
    {
        let digest = Hex.encode(SHA256.hash(data: body))
        return Array("\(prefix)\n\(method.uppercased())\n\(path)\n\(timestampMillis)\n\(nonce)\n\(digest)".utf8)
    }

    /// Signs a request.
    public static func sign(
        method: String, path: String, body: [UInt8], signer: SigningIdentity, nowMillis: Int64
    ) -> RequestSignature {
        var rng = SystemRandomNumberGenerator()
        let nonce = Hex.encode((0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) })
        let msg = message(method: method, path: path, timestampMillis: nowMillis, nonce: nonce, body: body)
        // Signing with a valid key cannot fail.
        let sig = (try? signer.privateKey.signature(for: msg)).map { Array($0) } ?? []
        return RequestSignature(origin: signer.origin, timestampMillis: nowMillis, nonce: nonce, signature: sig)
    }

    public init(origin: OriginID, timestampMillis: Int64, nonce: String, signature: [UInt8]) {
        self.origin = origin
        self.timestampMillis = timestampMillis
        self.nonce = nonce
        self.signature = signature
    }

    /// The header fields to send.
    public var headers: [(String, String)] {
        [
            (Header.origin, origin.hex), (Header.timestamp, String(timestampMillis)), (Header.nonce, nonce),
            (Header.signature, Data(signature).base64EncodedString()),
        ]
    }

    /// Reads the signature from header values; `auth.missing` when one is absent or malformed.
    public init(header: (String) -> String?) throws(SyncError) {
        guard let o = header(Header.origin), let origin = OriginID(hex: o),
            let t = header(Header.timestamp), let ts = Int64(t),
            let nonce = header(Header.nonce), nonce.utf8.count == 32, Hex.decode(nonce) != nil,
            let s = header(Header.signature), let sig = Data(base64Encoded: s), sig.count == 64
        else {
            throw SyncError(.authMissing, "the request is not signed (TS-Origin, TS-Timestamp, TS-Nonce, TS-Signature)")
        }
        self.init(origin: origin, timestampMillis: ts, nonce: nonce, signature: Array(sig))
    }

    /// Checks the timestamp and the signature against the author's key. Nonce reuse is checked by the caller,
    /// which keeps the nonces it has seen for ``maxSkewMillis``.
    public func verify(
        method: String, path: String, body: [UInt8], key: Curve25519.Signing.PublicKey, nowMillis: Int64,
        maxSkewMillis: Int64
    ) throws(SyncError) {
        guard abs(nowMillis - timestampMillis) <= maxSkewMillis else {
            throw SyncError(.authStale, "request timestamp is \(abs(nowMillis - timestampMillis)) ms off")
        }
        guard OriginID(publicKey: key) == origin,
            key.isValidSignature(
                signature,
                for: Self.message(
                    method: method, path: path, timestampMillis: timestampMillis, nonce: nonce, body: body))
        else { throw SyncError(.authBadSignature, "request signature does not verify") }
    }
}
