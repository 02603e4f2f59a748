import Crypto

/// An offline bundle: a run of change-set envelopes in one file, carried on a USB stick.
///
/// Layout: `"TSBN" ‖ u16 format ‖ u32 count ‖ count × (u32 length ‖ envelope) ‖ SHA-256 of all before`.
/// The trailing checksum makes a damaged file fail as a whole before anything of it is applied; every
/// set inside is still verified on its own, exactly as if it had come over the network.
public enum BundleFile {
    /// The magic bytes: ASCII `TSBN`.
    public static let magic: [UInt8] = Array("TSBN".utf8)
    /// The bundle format this build writes and reads.
    public static let format: UInt16 = 1

    /// Encodes envelopes into a bundle.
    public static func encode(_ envelopes: [[UInt8]]) -> [UInt8] {
        var w = ByteWriter(capacity: envelopes.reduce(46) { $0 + $1.count + 4 })
        w.raw(magic)
        w.u16(format)
        w.u32(UInt32(envelopes.count))
        for e in envelopes {
            w.u32(UInt32(e.count))
            w.raw(e)
        }
        var bytes = w.bytes
        bytes.append(contentsOf: SHA256.hash(data: bytes))
        return bytes
    }

    /// Splits a bundle into its envelopes, after checking its checksum and framing.
    public static func decode(_ bytes: [UInt8]) throws(SyncError) -> [[UInt8]] {
        guard bytes.count >= 4 + 2 + 4 + 32 else { throw SyncError(.malformed, "bundle is truncated") }
        guard Array(bytes.prefix(4)) == magic else { throw SyncError(.malformed, "not a teachersync bundle") }
        let version = UInt16(bytes[4]) << 8 | UInt16(bytes[5])
        guard version == format else {
            throw SyncError(.unsupportedVersion, "bundle format \(version); this build reads format \(format)")
        }
        let content = bytes[..<(bytes.count - 32)]
        guard Array(SHA256.hash(data: content)) == Array(bytes.suffix(32)) else {
            throw SyncError(.malformed, "bundle checksum does not match: the file is damaged or truncated")
        }
        var r = ByteReader(bytes, offset: 6, end: bytes.count - 32)
        let count = Int(try r.u32())
        var out = [[UInt8]]()
        for _ in 0..<count {
            let n = Int(try r.u32())
            guard n <= ChangeSet.maxBodyBytes + 68 else { throw SyncError(.tooLarge, "set of \(n) bytes in bundle") }
            out.append(try r.raw(n))
        }
        guard r.remaining == 0 else { throw SyncError(.malformed, "bundle has \(r.remaining) stray bytes") }
        return out
    }
}
