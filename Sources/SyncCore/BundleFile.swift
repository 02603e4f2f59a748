import Crypto

/// A bundle: a run of change-set envelopes, in a file carried on a USB stick or in the body of an upload or a page.
///
/// Format 1: `"TSBN" ‖ u16 1 ‖ u32 count ‖ count × (u32 length ‖ envelope) ‖ SHA-256 of all before`.
/// Format 2 carries each envelope in its stored form (``StoredEnvelope``), deflated one by one:
/// `"TSBN" ‖ u16 2 ‖ u32 count ‖ count × (u8 form ‖ u32 size ‖ u32 length ‖ bytes) ‖ SHA-256 of all before`,
/// where `form` is 0 (the bytes are the envelope; `size` equals `length`) or 1 (the bytes are the envelope as one
/// zlib stream; `size` is the envelope's length). Protocol 3 sends format 2 (docs/PROTOCOL.md); files are written
/// in format 1 so that every release can read them.
///
/// The trailing checksum makes a damaged file fail as a whole before anything of it is applied; every
/// set inside is still verified on its own, exactly as if it had come over the network.
public enum BundleFile {
    /// The magic bytes: ASCII `TSBN`.
    public static let magic: [UInt8] = Array("TSBN".utf8)
    /// The bundle format of files and of protocol 1 and 2 bodies.
    public static let format: UInt16 = 1
    /// The bundle format of stored forms (protocol 3 bodies).
    public static let storedFormat: UInt16 = 2

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

    /// Encodes stored forms into a bundle of format 2.
    public static func encode(stored envelopes: [StoredEnvelope]) -> [UInt8] {
        var w = ByteWriter(capacity: envelopes.reduce(46) { $0 + $1.bytes.count + 9 })
        w.raw(magic)
        w.u16(storedFormat)
        w.u32(UInt32(envelopes.count))
        for e in envelopes {
            w.u8(e.form.rawValue)
            w.u32(UInt32(e.size))
            w.u32(UInt32(e.bytes.count))
            w.raw(e.bytes)
        }
        var bytes = w.bytes
        bytes.append(contentsOf: SHA256.hash(data: bytes))
        return bytes
    }

    /// Splits a bundle of format 1 into its envelopes, after checking its checksum and framing.
    public static func decode(_ bytes: [UInt8]) throws(SyncError) -> [[UInt8]] {
        try entries(bytes, formats: format...format).map { $0.bytes }
    }

    /// Splits a bundle of one of `formats` into its envelopes' stored forms, after checking its checksum and framing.
    /// A format 1 bundle gives plain forms. Nothing is inflated here: a deflated form's size is only checked against
    /// the largest envelope.
    public static func entries(
        _ bytes: [UInt8], formats: ClosedRange<UInt16> = format...storedFormat
    ) throws(SyncError) -> [StoredEnvelope] {
        guard bytes.count >= 4 + 2 + 4 + 32 else { throw SyncError(.malformed, "bundle is truncated") }
        guard Array(bytes.prefix(4)) == magic else { throw SyncError(.malformed, "not a teachersync bundle") }
        let version = UInt16(bytes[4]) << 8 | UInt16(bytes[5])
        guard formats.contains(version) else {
            let readable = formats.count == 1 ? "format \(formats.lowerBound)" : "formats \(formats)"
            throw SyncError(.unsupportedVersion, "bundle format \(version); this build reads \(readable) here")
        }
        let content = bytes[..<(bytes.count - 32)]
        guard Array(SHA256.hash(data: content)) == Array(bytes.suffix(32)) else {
            throw SyncError(.malformed, "bundle checksum does not match: the file is damaged or truncated")
        }
        var r = ByteReader(bytes, offset: 6, end: bytes.count - 32)
        let count = Int(try r.u32())
        var out = [StoredEnvelope]()
        for index in 0..<count {
            if version == format {
                let n = Int(try r.u32())
                guard n <= StoredEnvelope.maxSize else { throw SyncError(.tooLarge, "set of \(n) bytes in bundle") }
                out.append(StoredEnvelope(plain: try r.raw(n)))
                continue
            }
            let form = try r.u8()
            let size = Int(try r.u32())
            let n = Int(try r.u32())
            guard size <= StoredEnvelope.maxSize else {
                throw SyncError(.tooLarge, "set \(index + 1) of the bundle: \(size) bytes")
            }
            switch StoredEnvelope.Form(rawValue: form) {
            case .plain?:
                guard n == size else {
                    throw SyncError(
                        .malformed, "set \(index + 1) of the bundle: plain, \(n) bytes for a size of \(size)")
                }
                out.append(StoredEnvelope(plain: try r.raw(n)))
            case .deflated?:
                guard n <= size + size / 1000 + 64 else {
                    throw SyncError(
                        .malformed, "set \(index + 1) of the bundle: \(n) deflated bytes for a size of \(size)")
                }
                out.append(StoredEnvelope(deflated: try r.raw(n), size: size))
            case nil:
                throw SyncError(.malformed, "set \(index + 1) of the bundle: unknown form \(form)")
            }
        }
        guard r.remaining == 0 else { throw SyncError(.malformed, "bundle has \(r.remaining) stray bytes") }
        return out
    }
}
