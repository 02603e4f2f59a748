import CompressNIO
import NIOCore
public import SyncCore

/// zlib (RFC 1950) at its fastest level, for the envelopes a replica stores (``StoredEnvelope``) and the bodies
/// that travel whole-deflated (protocol 2).
///
/// Level 1, because change sets repeat their table and field names in every operation: it already shrinks them
/// about sixfold, and zlib's default (6) took about three times as long for a few percent less (docs/BENCHMARKS.md,
/// "Third pass").
public enum Deflate {
    public static func compress(_ bytes: [UInt8]) throws(SyncError) -> [UInt8] {
        var input = ByteBuffer(bytes: bytes)
        do {
            let output = try input.compress(with: .zlib(configuration: .init(compressionLevel: .fastestCompression)))
            return Array(output.readableBytesView)
        } catch {
            throw SyncError(.malformed, "cannot compress: \(error)")
        }
    }

    /// Decompresses a zlib stream of unknown length, refusing more than `limit` bytes of output (a decompression
    /// bomb) with `format.too_large` and anything that is not a complete zlib stream with `format.malformed`.
    public static func decompress(_ bytes: [UInt8], limit: Int) throws(SyncError) -> [UInt8] {
        var input = ByteBuffer(bytes: bytes)
        do {
            let output = try input.decompress(with: .zlib(), maxSize: limit)
            return Array(output.readableBytesView)
        } catch {
            if (error as? CompressNIOError) == .bufferOverflow {
                throw SyncError(.tooLarge, "it decompresses to more than \(limit) bytes")
            }
            throw SyncError(.malformed, "it is not a valid deflate (zlib) stream")
        }
    }

    /// Decompresses a zlib stream that must give exactly `size` bytes, no more and no less, with no bytes after it.
    /// What it gives is an envelope, verified on its own (its id and signature), so zlib's own checksum adds nothing.
    public static func decompress(_ bytes: [UInt8], size: Int) throws(SyncError) -> [UInt8] {
        var input = ByteBuffer(bytes: bytes)
        // One byte more than expected, so that a stream longer than `size` shows as an overflow.
        var output = ByteBufferAllocator().buffer(capacity: size + 1)
        do {
            try input.decompress(to: &output, with: .zlib)
        } catch {
            if (error as? CompressNIOError) == .bufferOverflow {
                throw SyncError(.malformed, "it decompresses to more than its stated \(size) bytes")
            }
            throw SyncError(.malformed, "it is not a valid deflate (zlib) stream")
        }
        guard output.readableBytes == size else {
            throw SyncError(.malformed, "it decompresses to \(output.readableBytes) bytes, not its stated \(size)")
        }
        guard input.readableBytes == 0 else {
            throw SyncError(.malformed, "\(input.readableBytes) bytes follow its deflate (zlib) stream")
        }
        return Array(output.readableBytesView)
    }
}

extension Deflate {
    /// The first `count` bytes a zlib stream inflates to (all of them, if fewer), inflating no more than that.
    static func prefix(_ bytes: [UInt8], count: Int) throws(SyncError) -> [UInt8] {
        var input = ByteBuffer(bytes: bytes)
        var output = ByteBufferAllocator().buffer(capacity: count)
        do {
            try input.decompress(to: &output, with: .zlib)
        } catch let error as CompressNIOError where error == .bufferOverflow || error == .inputBufferOverflow {
            // The output is full, or the input ended: what came out is the prefix.
        } catch {
            throw SyncError(.malformed, "it is not a valid deflate (zlib) stream")
        }
        return Array(output.readableBytesView.prefix(count))
    }
}

extension StoredEnvelope {
    /// The envelope's first `count` bytes, inflating no more of it than that.
    public func prefix(_ count: Int) throws(SyncError) -> [UInt8] {
        switch form {
        case .plain: return Array(bytes.prefix(count))
        case .deflated: return try Deflate.prefix(bytes, count: count)
        }
    }

    /// Deflates an envelope for storing, unless it is too small for that to save anything.
    public static func deflating(_ envelope: [UInt8]) throws(SyncError) -> StoredEnvelope {
        guard envelope.count >= minimumToDeflate else { return StoredEnvelope(plain: envelope) }
        return StoredEnvelope(deflated: try Deflate.compress(envelope), size: envelope.count)
    }

    /// Envelopes shorter than this are stored as they are.
    public static let minimumToDeflate = 512

    /// The set, decoded from its envelope (`envelope`, when the caller has inflated it already), keeping the deflated
    /// bytes it came in so that the store holds them as they are.
    public func changeSet(envelope: [UInt8]? = nil) throws(SyncError) -> ChangeSet {
        var set: ChangeSet
        if let envelope {
            set = try ChangeSet.decode(envelope: envelope)
        } else {
            set = try ChangeSet.decode(envelope: try self.envelope())
        }
        if form == .deflated { set.deflatedEnvelope = bytes }
        return set
    }

    /// The envelopes of stored forms a replica holds; one that does not inflate is a damaged store.
    public static func envelopes(_ stored: [StoredEnvelope]) throws(ReplicaError) -> [[UInt8]] {
        do {
            return try stored.map { e throws(SyncError) in try e.envelope() }
        } catch {
            throw .corruptStore("a stored set does not inflate: \(error.detail)")
        }
    }

    /// The envelope itself.
    public func envelope() throws(SyncError) -> [UInt8] {
        switch form {
        case .plain: return bytes
        case .deflated:
            guard size <= StoredEnvelope.maxSize else { throw SyncError(.tooLarge, "a set of \(size) bytes") }
            return try Deflate.decompress(bytes, size: size)
        }
    }
}
