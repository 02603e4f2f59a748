/// The total order of writes: clock reading first, then author id to break ties.
public struct WriteStamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let hlc: HybridTimestamp
    public let origin: OriginID

    /// The stamp of baseline data shipped with the product: older than any write.
    public static let baseline = WriteStamp(hlc: .zero, origin: .baseline)

    public init(hlc: HybridTimestamp, origin: OriginID) {
        self.hlc = hlc
        self.origin = origin
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.hlc, lhs.origin) < (rhs.hlc, rhs.origin) }

    public var description: String { "\(hlc)@\(origin.hex.prefix(8))" }
}

/// A replica's knowledge of one row: its field values, the stamp of each, and its tombstone.
public struct RowState: Sendable, Hashable {
    /// Current value and stamp per value column present.
    public var fields: [String: StampedValue]
    /// The newest delete seen, if any.
    public var tombstone: WriteStamp?

    /// A value with the stamp of the write that set it.
    public struct StampedValue: Sendable, Hashable {
        public var value: Value
        public var stamp: WriteStamp
        public init(_ value: Value, _ stamp: WriteStamp) {
            self.value = value
            self.stamp = stamp
        }
    }

    public init(fields: [String: StampedValue] = [:], tombstone: WriteStamp? = nil) {
        self.fields = fields
        self.tombstone = tombstone
    }

    /// Whether the row is visible: some field was written after the newest delete.
    public var isLive: Bool { !fields.isEmpty }
}

/// A concurrent write to the same field by two origins with different values, recorded for administrators.
public struct FieldConflict: Sendable, Hashable {
    public let table: String
    public let key: [Value]
    public let field: String
    /// The write that now holds the field.
    public let winner: WriteStamp
    /// The write that lost.
    public let loser: WriteStamp
}
