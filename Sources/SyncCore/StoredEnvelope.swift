/// A set's envelope in the form a node stores and sends it: as it is, or zlib-deflated.
///
/// The envelope is what is signed and relayed verbatim; deflating it is only how its bytes are kept and carried
/// (docs/PROTOCOL.md, "Bundle format 2"). A night's sets were a third of the bytes the hub wrote to its WAL, and
/// deflated they take about a sixth of the room (docs/BENCHMARKS.md, "Fifth pass").
public struct StoredEnvelope: Sendable, Hashable {
    public enum Form: UInt8, Sendable {
        /// `bytes` is the envelope.
        case plain = 0
        /// `bytes` is the envelope as one complete zlib stream (RFC 1950).
        case deflated = 1
    }

    public let form: Form
    public let bytes: [UInt8]
    /// The envelope's own length (`bytes.count` when plain).
    public let size: Int

    public init(plain envelope: [UInt8]) {
        form = .plain
        bytes = envelope
        size = envelope.count
    }

    public init(deflated bytes: [UInt8], size: Int) {
        form = .deflated
        self.bytes = bytes
        self.size = size
    }

    /// The envelope, when it is stored plain.
    public var plain: [UInt8]? { form == .plain ? bytes : nil }

    /// The largest envelope a node accepts: the largest body and its framing.
    public static let maxSize = ChangeSet.maxBodyBytes + 68
}
