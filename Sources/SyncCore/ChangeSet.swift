public import Crypto
import Foundation

/// A signed, hash-chained batch of one stream's operations: the unit of sync.
///
/// A set is immutable. Its ``id`` is the SHA-256 of its canonical body bytes; its signature covers the
/// id; its ``previous`` names the id of the stream's set before it. Nodes store and relay the exact
/// ``envelope`` bytes they received, so anyone can verify any set back to its author.
public struct ChangeSet: Sendable, Hashable {
    /// The format versions this build can read and write.
    public static let supportedFormats: ClosedRange<UInt16> = 1...1
    /// The format this build writes.
    public static let currentFormat: UInt16 = 1
    /// The all-zero hash named as ``previous`` by a stream's first set.
    public static let genesis = [UInt8](repeating: 0, count: 32)

    /// The format version of the body encoding.
    public let format: UInt16
    /// The stream: author and scope.
    public let stream: StreamID
    /// The set's number within its stream, from 1.
    public let sequence: UInt64
    /// The id of the stream's previous set (``genesis`` for sequence 1).
    public let previous: [UInt8]
    /// The smallest and largest clock reading of the operations.
    public let hlcRange: ClosedRange<HybridTimestamp>
    /// The operations, in the order the author made them.
    public let operations: [RowOperation]
    /// The canonical body bytes (what the id hashes).
    public let body: [UInt8]
    /// The Ed25519 signature over ``signatureInput``.
    public let signature: [UInt8]

    /// SHA-256 of ``body``, computed once.
    public let id: [UInt8]
    /// The id as lowercase hex.
    public var idHex: String { Hex.encode(id) }

    /// The envelope as one zlib stream, when the set arrived deflated (``StoredEnvelope``): kept so that the store
    /// holds it as it came instead of deflating it again. Not part of the set: equality and hashing leave it out.
    public var deflatedEnvelope: [UInt8]?

    /// The bytes as stored and relayed: `u32 body length ‖ body ‖ 64-byte signature`.
    public var envelope: [UInt8] {
        var w = ByteWriter(capacity: body.count + 68)
        w.u32(UInt32(body.count))
        w.raw(body)
        w.raw(signature)
        return w.bytes
    }

    /// The domain-separation prefix of the signed message.
    public static let signaturePrefix = Array("teachersync/changeset/v1".utf8)

    /// What the author signs: ``signaturePrefix`` followed by the 32-byte set id.
    public static func signatureInput(id: [UInt8]) -> [UInt8] { signaturePrefix + id }

    /// Checks the signature against the author's public key.
    public func verifySignature(with key: Curve25519.Signing.PublicKey) throws(SyncError) {
        guard OriginID(publicKey: key) == stream.origin else {
            throw SyncError(.badSignature, "key does not belong to origin \(stream.origin)")
        }
        guard key.isValidSignature(signature, for: Self.signatureInput(id: id)) else {
            throw SyncError(.badSignature, "signature does not verify for set \(idHex.prefix(16))")
        }
    }

    init(
        format: UInt16, stream: StreamID, sequence: UInt64, previous: [UInt8],
        hlcRange: ClosedRange<HybridTimestamp>, operations: [RowOperation], body: [UInt8], signature: [UInt8],
        id: [UInt8]? = nil
    ) {
        self.format = format
        self.stream = stream
        self.sequence = sequence
        self.previous = previous
        self.hlcRange = hlcRange
        self.operations = operations
        self.body = body
        self.signature = signature
        // The sealer has just hashed the body; everyone else hashes it here.
        self.id = id ?? Array(SHA256.hash(data: body))
    }

    public static func == (a: ChangeSet, b: ChangeSet) -> Bool {
        a.id == b.id && a.signature == b.signature && a.format == b.format && a.stream == b.stream
            && a.sequence == b.sequence && a.previous == b.previous && a.hlcRange == b.hlcRange
            && a.operations == b.operations && a.body == b.body
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(signature)
    }
}
