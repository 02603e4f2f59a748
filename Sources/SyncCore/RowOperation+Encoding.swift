extension RowOperation {
    /// Appends the operation's canonical encoding (see docs/PROTOCOL.md, "RowOperation").
    public func encode(into w: inout ByteWriter) {
        w.u8(kind.rawValue)
        w.u64(hlc.rawValue)
        w.string(table)
        w.u16(UInt16(key.count))
        for v in key { w.value(v) }
        w.u16(UInt16(fields.count))
        for f in fields {
            w.string(f.name)
            w.value(f.value)
        }
    }

    /// The canonical encoding alone.
    public var encoded: [UInt8] {
        var w = ByteWriter(capacity: 96)
        encode(into: &w)
        return w.bytes
    }

    /// Reads one operation strictly: unknown kinds, empty keys and unsorted or repeated field names are refused.
    public static func decode(from r: inout ByteReader, index: Int = 0) throws(SyncError) -> RowOperation {
        let at = r.offset
        guard let kind = Kind(rawValue: try r.u8()) else {
            throw SyncError(.malformed, "operation \(index + 1): unknown kind at offset \(at)")
        }
        let hlc = HybridTimestamp(rawValue: try r.u64())
        let table = try r.string(limit: 64)
        let keyCount = Int(try r.u16())
        guard keyCount >= 1 else { throw SyncError(.malformed, "operation \(index + 1): empty key") }
        var key = [Value]()
        key.reserveCapacity(keyCount)
        for _ in 0..<keyCount { key.append(try r.value()) }
        let fieldCount = Int(try r.u16())
        var fields = [Field]()
        fields.reserveCapacity(fieldCount)
        var lastName: Range<Int>? = nil
        for _ in 0..<fieldCount {
            let (name, range) = try r.stringAndRange(limit: 64)
            if let lastName, !r.precedes(lastName, range) {
                throw SyncError(.malformed, "operation \(index + 1): fields not in canonical order")
            }
            lastName = range
            fields.append(Field(name, try r.value()))
        }
        return RowOperation(kind: kind, hlc: hlc, table: table, key: key, canonicalFields: fields)
    }

    /// Decodes an operation from its encoding alone, refusing trailing bytes.
    public init(encoded bytes: [UInt8]) throws(SyncError) {
        var r = ByteReader(bytes)
        self = try RowOperation.decode(from: &r)
        guard r.remaining == 0 else { throw SyncError(.malformed, "trailing bytes after operation") }
    }
}
