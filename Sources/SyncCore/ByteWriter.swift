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

    /// The low `width` bytes of `v`, most significant first.
    private mutating func append(_ v: UInt64, width: Int) {
        withUnsafeBytes(of: v.bigEndian) {
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[(8 - width)...]))
        }
    }
}
