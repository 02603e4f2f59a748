/// Appends big-endian integers and length-prefixed strings: the building block of the wire format.
public struct ByteWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u16(_ v: UInt16) { append(UInt64(v), width: 2) }
    public mutating func u32(_ v: UInt32) { append(UInt64(v), width: 4) }
    public mutating func u64(_ v: UInt64) { append(v, width: 8) }
    public mutating func i64(_ v: Int64) { append(UInt64(bitPattern: v), width: 8) }
    public mutating func raw<C: Collection>(_ b: C) where C.Element == UInt8 { bytes.append(contentsOf: b) }

    /// A UTF-8 string prefixed with its byte length as u32.
    public mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { buf in
            u32(UInt32(buf.count))
            bytes.append(contentsOf: buf)
        }
    }

    /// A tagged value: 0 null; 1 then i64; 2 then string.
    public mutating func value(_ v: Value) {
        switch v {
        case .null: u8(0)
        case .integer(let i):
            u8(1)
            i64(i)
        case .text(let s):
            u8(2)
            string(s)
        }
    }

    private mutating func append(_ v: UInt64, width: Int) {
        var shift = (width - 1) * 8
        while shift >= 0 {
            bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(shift)))
            shift -= 8
        }
    }
}

/// Reads what ``ByteWriter`` writes, strictly: any overrun or invalid UTF-8 throws `format.malformed`.
public struct ByteReader {
    private let bytes: [UInt8]
    /// The offset of the next byte to read.
    public private(set) var offset: Int
    private let end: Int

    public init(_ bytes: [UInt8], offset: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.offset = offset
        self.end = end ?? bytes.count
    }

    /// Bytes left to read.
    public var remaining: Int { end - offset }

    public mutating func u8() throws(SyncError) -> UInt8 { UInt8(try read(width: 1)) }
    public mutating func u16() throws(SyncError) -> UInt16 { UInt16(try read(width: 2)) }
    public mutating func u32() throws(SyncError) -> UInt32 { UInt32(try read(width: 4)) }
    public mutating func u64() throws(SyncError) -> UInt64 { try read(width: 8) }
    public mutating func i64() throws(SyncError) -> Int64 { Int64(bitPattern: try read(width: 8)) }

    /// Reads `count` raw bytes.
    public mutating func raw(_ count: Int) throws(SyncError) -> [UInt8] {
        guard count >= 0, count <= remaining else { throw truncated(count) }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Reads a u32-length-prefixed UTF-8 string of at most `limit` bytes.
    public mutating func string(limit: Int = 1 << 20) throws(SyncError) -> String {
        let n = Int(try u32())
        guard n <= limit else {
            throw SyncError(.malformed, "string of \(n) bytes at offset \(offset) exceeds \(limit)")
        }
        guard n <= remaining else { throw truncated(n) }
        let slice = bytes[offset..<offset + n]
        guard !slice.contains(0), let s = String(validating: slice, as: UTF8.self) else {
            throw SyncError(.malformed, "invalid UTF-8 or U+0000 in a string at offset \(offset)")
        }
        offset += n
        return s
    }

    /// Reads a tagged value.
    public mutating func value() throws(SyncError) -> Value {
        let at = offset
        switch try u8() {
        case 0: return .null
        case 1: return .integer(try i64())
        case 2: return .text(try string())
        case let tag: throw SyncError(.malformed, "unknown value tag \(tag) at offset \(at)")
        }
    }

    private mutating func read(width: Int) throws(SyncError) -> UInt64 {
        guard width <= remaining else { throw truncated(width) }
        var v: UInt64 = 0
        for i in 0..<width { v = v << 8 | UInt64(bytes[offset + i]) }
        offset += width
        return v
    }

    private func truncated(_ n: Int) -> SyncError {
        SyncError(.malformed, "truncated: needed \(n) bytes at offset \(offset), \(remaining) left")
    }
}
