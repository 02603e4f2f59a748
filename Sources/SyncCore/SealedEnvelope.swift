/// A set as its author stores it after sealing: the envelope and the fields kept beside it, without the decoded
/// operations (``ChangeSet/sealEncoded(stream:sequence:previous:operations:count:hlcRange:signer:)``).
public struct SealedEnvelope: Sendable, Hashable {
    public let format: UInt16
    public let stream: StreamID
    public let sequence: UInt64
    public let previous: [UInt8]
    public let hlcRange: ClosedRange<HybridTimestamp>
    public let operationCount: Int
    /// `u32 length ‖ body ‖ signature`, as every node stores and relays it.
    public let envelope: [UInt8]
    /// SHA-256 of the body.
    public let id: [UInt8]

    public var idHex: String { Hex.encode(id) }
}
