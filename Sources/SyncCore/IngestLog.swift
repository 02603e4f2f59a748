public import Crypto
public import Foundation

/// The tamper-evident log of every set a replica stored, in the order it stored them (docs/PROTOCOL.md,
/// "Receipts and the ingest log").
///
/// Entry `n` (from 1) is a set id; the log head after it is
/// `SHA-256("teachersync/ingest-log/v1\n" ‖ head(n−1) ‖ set id)`, with `head(0)` 32 zero bytes. The hub signs
/// the head of its log (``LogHead``) and, for every upload, a ``Receipt`` naming the position and head at
/// which it stored the uploaded stream's last set; a county that keeps its receipts can later fetch the log
/// after a receipt's position and check that the hub's current signed head extends it, so the hub cannot
/// drop or rewrite an acknowledged set without that check failing.
public enum IngestLog {
    /// The head of the empty log.
    public static let emptyHead = [UInt8](repeating: 0, count: 32)
    private static let prefix = Array("teachersync/ingest-log/v1\n".utf8)

    /// The head after appending `setID` to a log whose head is `previous`.
    public static func next(_ previous: [UInt8], _ setID: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: prefix)
        hasher.update(data: previous)
        hasher.update(data: setID)
        return Array(hasher.finalize())
    }

    /// Folds `setIDs` onto `head`.
    public static func fold<S: Sequence>(_ head: [UInt8], _ setIDs: S) -> [UInt8] where S.Element == [UInt8] {
        setIDs.reduce(head) { next($0, $1) }
    }
}

/// The hub's signed statement of its ingest log: its size and head at a time.
public struct LogHead: Sendable, Hashable, Codable {
    /// The hub that signs it.
    public let hub: OriginID
    /// Entries in the log.
    public let size: UInt64
    /// The head after the last entry (``IngestLog/emptyHead`` for an empty log), hex in JSON.
    public let head: [UInt8]
    /// When the hub signed it (milliseconds since the epoch).
    public let issuedAtMillis: Int64
    /// Ed25519 signature of ``signedBytes``, base64 in JSON.
    public let signature: [UInt8]

    enum CodingKeys: String, CodingKey {
        case hub, size, head, issuedAtMillis = "issued_at_millis", signature
    }

    public init(hub: OriginID, size: UInt64, head: [UInt8], issuedAtMillis: Int64, signature: [UInt8]) {
        (self.hub, self.size, self.head, self.issuedAtMillis, self.signature) =
            (hub, size, head, issuedAtMillis, signature)
    }

    /// Signs a log head with the hub's key.
    public static func sign(size: UInt64, head: [UInt8], issuedAtMillis: Int64, signer: SigningIdentity) -> LogHead {
        let bytes = signedBytes(hub: signer.origin, size: size, head: head, issuedAtMillis: issuedAtMillis)
        let signature = (try? signer.privateKey.signature(for: bytes)).map { Array($0) } ?? []
        return LogHead(hub: signer.origin, size: size, head: head, issuedAtMillis: issuedAtMillis, signature: signature)
    }

    /// Whether `key` (the hub's) signed exactly this head.
    public func isSigned(by key: Curve25519.Signing.PublicKey) -> Bool {
        OriginID(publicKey: key) == hub && head.count == 32
            && key.isValidSignature(
                signature, for: Self.signedBytes(hub: hub, size: size, head: head, issuedAtMillis: issuedAtMillis))
    }

    static func signedBytes(hub: OriginID, size: UInt64, head: [UInt8], issuedAtMillis: Int64) -> [UInt8] {
        var w = ByteWriter()
        w.raw(Array("teachersync/log-head/v1\n".utf8))
        w.raw(hub.bytes)
        w.u64(size)
        w.raw(head)
        w.i64(issuedAtMillis)
        return w.bytes
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        hub = try c.decode(OriginID.self, forKey: .hub)
        size = try c.decode(UInt64.self, forKey: .size)
        head = try ReceiptCoding.hex(c, .head)
        issuedAtMillis = try c.decode(Int64.self, forKey: .issuedAtMillis)
        signature = try ReceiptCoding.base64(c, .signature)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(hub, forKey: .hub)
        try c.encode(size, forKey: .size)
        try c.encode(Hex.encode(head), forKey: .head)
        try c.encode(issuedAtMillis, forKey: .issuedAtMillis)
        try c.encode(Data(signature).base64EncodedString(), forKey: .signature)
    }
}

/// The hub's signed acknowledgement that it durably holds a stream up to a sequence number: the set with id
/// `head` at `sequence`, stored at `position` of its ingest log, whose head went from `previousLogHead` to
/// `logHead`. Because the stream is hash-chained, it covers every earlier set of the stream too.
public struct Receipt: Sendable, Hashable, Codable {
    public let hub: OriginID
    public let stream: StreamID
    public let sequence: UInt64
    /// The id of the set at `sequence`.
    public let head: [UInt8]
    public let position: UInt64
    public let previousLogHead: [UInt8]
    public let logHead: [UInt8]
    public let issuedAtMillis: Int64
    public let signature: [UInt8]

    enum CodingKeys: String, CodingKey {
        case hub, origin, scope, sequence, head, position, previousLogHead = "previous_log_head",
            logHead = "log_head", issuedAtMillis = "issued_at_millis", signature
    }

    public init(
        hub: OriginID, stream: StreamID, sequence: UInt64, head: [UInt8], position: UInt64,
        previousLogHead: [UInt8], logHead: [UInt8], issuedAtMillis: Int64, signature: [UInt8]
    ) {
        self.hub = hub
        self.stream = stream
        self.sequence = sequence
        self.head = head
        self.position = position
        self.previousLogHead = previousLogHead
        self.logHead = logHead
        self.issuedAtMillis = issuedAtMillis
        self.signature = signature
    }

    /// Signs a receipt with the hub's key.
    public static func sign(
        stream: StreamID, sequence: UInt64, head: [UInt8], position: UInt64, previousLogHead: [UInt8],
        logHead: [UInt8], issuedAtMillis: Int64, signer: SigningIdentity
    ) -> Receipt {
        let unsigned = Receipt(
            hub: signer.origin, stream: stream, sequence: sequence, head: head, position: position,
            previousLogHead: previousLogHead, logHead: logHead, issuedAtMillis: issuedAtMillis, signature: [])
        let signature = (try? signer.privateKey.signature(for: unsigned.signedBytes)).map { Array($0) } ?? []
        return Receipt(
            hub: signer.origin, stream: stream, sequence: sequence, head: head, position: position,
            previousLogHead: previousLogHead, logHead: logHead, issuedAtMillis: issuedAtMillis, signature: signature)
    }

    /// Whether `key` (the hub's) signed exactly this receipt, and its log entry is consistent: `logHead` is
    /// `previousLogHead` followed by `head`.
    public func isValid(signedBy key: Curve25519.Signing.PublicKey) -> Bool {
        OriginID(publicKey: key) == hub && head.count == 32 && previousLogHead.count == 32 && logHead.count == 32
            && IngestLog.next(previousLogHead, head) == logHead && key.isValidSignature(signature, for: signedBytes)
    }

    var signedBytes: [UInt8] {
        var w = ByteWriter()
        w.raw(Array("teachersync/receipt/v1\n".utf8))
        w.raw(hub.bytes)
        w.raw(stream.origin.bytes)
        w.string(stream.scope.wireValue)
        w.u64(sequence)
        w.raw(head)
        w.u64(position)
        w.raw(previousLogHead)
        w.raw(logHead)
        w.i64(issuedAtMillis)
        return w.bytes
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        hub = try c.decode(OriginID.self, forKey: .hub)
        let scopeText = try c.decode(String.self, forKey: .scope)
        guard let scope = Scope(wireValue: scopeText) else {
            throw DecodingError.dataCorruptedError(forKey: .scope, in: c, debugDescription: "not a scope")
        }
        stream = StreamID(origin: try c.decode(OriginID.self, forKey: .origin), scope: scope)
        sequence = try c.decode(UInt64.self, forKey: .sequence)
        head = try ReceiptCoding.hex(c, .head)
        position = try c.decode(UInt64.self, forKey: .position)
        previousLogHead = try ReceiptCoding.hex(c, .previousLogHead)
        logHead = try ReceiptCoding.hex(c, .logHead)
        issuedAtMillis = try c.decode(Int64.self, forKey: .issuedAtMillis)
        signature = try ReceiptCoding.base64(c, .signature)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(hub, forKey: .hub)
        try c.encode(stream.origin, forKey: .origin)
        try c.encode(stream.scope.wireValue, forKey: .scope)
        try c.encode(sequence, forKey: .sequence)
        try c.encode(Hex.encode(head), forKey: .head)
        try c.encode(position, forKey: .position)
        try c.encode(Hex.encode(previousLogHead), forKey: .previousLogHead)
        try c.encode(Hex.encode(logHead), forKey: .logHead)
        try c.encode(issuedAtMillis, forKey: .issuedAtMillis)
        try c.encode(Data(signature).base64EncodedString(), forKey: .signature)
    }
}

enum ReceiptCoding {
    static func hex<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K) throws -> [UInt8] {
        guard let bytes = Hex.decode(try c.decode(String.self, forKey: key)), bytes.count == 32 else {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "not 32 bytes of hex")
        }
        return bytes
    }

    static func base64<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K) throws -> [UInt8] {
        guard let data = Data(base64Encoded: try c.decode(String.self, forKey: key)), data.count == 64 else {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "not a base64 signature")
        }
        return Array(data)
    }
}
