import CompressNIO
import NIOCore
import SyncCore

/// Compression of the sync bodies (protocol version 2): HTTP `Content-Encoding: deflate`, which is the zlib
/// format (RFC 9110, RFC 1950). Only the bundles of `POST /v1/sets` and `POST /v1/sets/pull` are compressed;
/// the bytes of the sets inside are the signed bytes, unchanged.
enum WireCompression {
    /// The `Content-Encoding` token.
    static let encoding = "deflate"
    /// Bodies smaller than this are sent as they are: compression would save nothing worth the work.
    static let threshold = 512

    /// Compresses `bytes` at zlib's fastest level (1). Change sets repeat their table and field names in every
    /// operation, so level 1 already shrinks them about tenfold; zlib's default (6) took about three times as
    /// long for a few percent less (docs/BENCHMARKS.md, "Third pass"), and the sender and the hub share one
    /// modest machine's time with everything else a sync does.
    static func compress(_ bytes: [UInt8]) throws(SyncError) -> [UInt8] {
        var input = ByteBuffer(bytes: bytes)
        do {
            let output = try input.compress(with: .zlib(configuration: .init(compressionLevel: .fastestCompression)))
            return Array(output.readableBytesView)
        } catch {
            throw SyncError(.malformed, "cannot compress the body: \(error)")
        }
    }

    /// Decompresses `bytes`, refusing more than `limit` bytes of output (a decompression bomb) with
    /// `format.too_large` and anything that is not a complete zlib stream with `format.malformed`.
    static func decompress(_ bytes: [UInt8], limit: Int) throws(SyncError) -> [UInt8] {
        var input = ByteBuffer(bytes: bytes)
        do {
            let output = try input.decompress(with: .zlib(), maxSize: limit)
            return Array(output.readableBytesView)
        } catch {
            if (error as? CompressNIOError) == .bufferOverflow {
                throw SyncError(.tooLarge, "the body decompresses to more than \(limit) bytes")
            }
            throw SyncError(.malformed, "the body is not a valid deflate (zlib) stream")
        }
    }
}
