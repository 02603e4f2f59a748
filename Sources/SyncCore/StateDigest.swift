import Crypto

/// A hash over the canonical content of a scope: equal on two replicas that hold the same data, whatever
/// order it arrived in.
///
/// Only visible rows and their current values count; clock readings, authors and tombstones do not.
/// Tables are walked in catalog order, rows in the byte order of their encoded keys, values in declared
/// column order (absent fields as null). See docs/PROTOCOL.md, "State digest".
public struct StateDigest: Sendable {
    private var hasher = SHA256()
    private var pending: [(key: [UInt8], row: [UInt8])] = []
    private var table: TableSchema?

    /// The domain-separation prefix hashed first.
    public static let prefix = Array("teachersync/digest/v1".utf8)

    public init() { hasher.update(data: Self.prefix) }

    /// Starts a table; rows added until the next call belong to it.
    public mutating func beginTable(_ schema: TableSchema) {
        flush()
        table = schema
        var w = ByteWriter()
        w.string(schema.name)
        hasher.update(data: w.bytes)
    }

    /// Adds one visible row: its key values and its value columns in declared order.
    public mutating func addRow(key: [Value], values: [Value]) {
        var k = ByteWriter()
        for v in key { k.value(v) }
        var r = ByteWriter()
        r.u8(1)
        r.raw(k.bytes)
        for v in values { r.value(v) }
        pending.append((k.bytes, r.bytes))
    }

    /// The digest as 64 lowercase hex digits.
    public mutating func finish() -> String {
        flush()
        return Hex.encode(hasher.finalize())
    }

    private mutating func flush() {
        guard table != nil else { return }
        pending.sort { $0.key.lexicographicallyPrecedes($1.key) }
        for p in pending { hasher.update(data: p.row) }
        hasher.update(data: [0])
        pending.removeAll(keepingCapacity: true)
        table = nil
    }
}
