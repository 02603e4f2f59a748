/// Reads what ``ByteWriter`` writes, strictly: any overrun or invalid UTF-8 throws `format.malformed`.
///
/// Every read checks its length against what is left before it touches a byte, so the reads themselves go
/// through the array's storage without further checks (decoding is the hub's hottest path; docs/BENCHMARKS.md).
public struct ByteReader {
    private let bytes: [UInt8]
    /// The offset of the next byte to read.
    public private(set) var offset: Int
    private let end: Int

    /// - Precondition: `offset` is not negative and `end` (by default the end of `bytes`) is within `bytes`.
    public init(_ bytes: [UInt8], offset: Int = 0, end: Int? = nil) {
        let end = end ?? bytes.count
        precondition(offset >= 0 && end <= bytes.count, "a reader reads within its bytes")
        self.bytes = bytes
        self.offset = offset
        self.end = end
    }

    /// Bytes left to read.
    public var remaining: Int { end - offset }

    public mutating func u8() throws(SyncError) -> UInt8 {
        guard offset < end else { throw truncated(1) }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func u16() throws(SyncError) -> UInt16 { UInt16(truncatingIfNeeded: try read(width: 2)) }
    public mutating func u32() throws(SyncError) -> UInt32 { UInt32(truncatingIfNeeded: try read(width: 4)) }
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
        try stringAndRange(limit: limit).text
    }

    /// Reads a string as ``string(limit:)`` does, with the offsets of its bytes (for ``precedes(_:_:)``).
    mutating func stringAndRange(limit: Int) throws(SyncError) -> (text: String, range: Range<Int>) {
        let n = Int(try u32())
        guard n <= limit else {
            throw SyncError(.malformed, "string of \(n) bytes at offset \(offset) exceeds \(limit)")
        }
        guard n <= remaining else { throw truncated(n) }
        let start = offset
        let text = bytes.withUnsafeBufferPointer { Self.text(UnsafeBufferPointer(rebasing: $0[start..<start + n])) }
        guard let text else {
            throw SyncError(.malformed, "invalid UTF-8 or U+0000 in a string at offset \(offset)")
        }
        offset += n
        return (text, start..<start + n)
    }

    /// Whether the bytes at `a` sort before the bytes at `b`, byte by byte (a prefix sorts first): the order of
    /// `String.utf8.lexicographicallyPrecedes`, without making strings. Both ranges were read by this reader.
    func precedes(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            for (x, y) in zip(buffer[a], buffer[b]) where x != y { return x < y }
            return a.count < b.count
        }
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

    /// The bytes as a string if they are valid UTF-8 without U+0000, else `nil`.
    static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var ascii = true
        for byte in bytes {
            if byte == 0 { return nil }
            if byte >= 0x80 { ascii = false }
        }
        // The concrete `String(decoding:)` over a buffer is the standard library's fast path; the generic
        // `String(validating:as:)` is not specialised here and cost a third of the hub's decoding.
        let text = String(decoding: bytes, as: UTF8.self)
        if ascii { return text }
        // Decoding replaces every invalid sequence with U+FFFD: the bytes come back unchanged only if valid.
        let unchanged = text.utf8.withContiguousStorageIfAvailable { $0.elementsEqual(bytes) }
        return unchanged ?? text.utf8.elementsEqual(bytes) ? text : nil
    }

    private mutating func read(width: Int) throws(SyncError) -> UInt64 {
        guard width <= remaining else { throw truncated(width) }
        let start = offset
        offset += width
        return bytes.withUnsafeBytes { raw in
            // One unaligned load per integer (big-endian on the wire).
            switch width {
            case 8: return UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: start, as: UInt64.self))
            case 4: return UInt64(UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: start, as: UInt32.self)))
            case 2: return UInt64(UInt16(bigEndian: raw.loadUnaligned(fromByteOffset: start, as: UInt16.self)))
            default:
                var v: UInt64 = 0
                for i in start..<start + width { v = v << 8 | UInt64(raw[i]) }
                return v
            }
        }
    }

    private func truncated(_ n: Int) -> SyncError {
        SyncError(.malformed, "truncated: needed \(n) bytes at offset \(offset), \(remaining) left")
    }
}
