/// A hybrid logical clock reading: 48 bits of wall-clock milliseconds and a 16-bit logical counter.
///
/// Packed into one `UInt64` so that integer order is causal order, and so it encodes in 8 bytes.
public struct HybridTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The packed value: `physicalMillis << 16 | logical`.
    public let rawValue: UInt64

    /// The zero timestamp, older than any real reading (used for baseline data shipped with the product).
    public static let zero = HybridTimestamp(rawValue: 0)

    /// The largest wall-clock value representable (year 10889).
    public static let maxPhysical: UInt64 = (1 << 48) - 1

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Creates a timestamp from its parts. `physicalMillis` is clamped to 48 bits.
    public init(physicalMillis: UInt64, logical: UInt16) {
        self.rawValue = (min(physicalMillis, Self.maxPhysical) << 16) | UInt64(logical)
    }

    /// Wall-clock milliseconds since the Unix epoch.
    public var physicalMillis: UInt64 { rawValue >> 16 }
    /// The logical counter that orders readings within one millisecond.
    public var logical: UInt16 { UInt16(truncatingIfNeeded: rawValue) }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "\(physicalMillis).\(logical)" }
}
