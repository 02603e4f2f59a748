import SQLiteReplica
import SyncCore

/// Compression of the sync bodies of protocol version 2: HTTP `Content-Encoding: deflate`, which is the zlib
/// format (RFC 9110, RFC 1950). Only the bundles of `POST /v1/sets` and `POST /v1/sets/pull` are compressed;
/// the bytes of the sets inside are the signed bytes, unchanged. From protocol 3 those bundles carry the sets
/// deflated one by one instead (bundle format 2), as the replicas store them, and go as they are.
enum WireCompression {
    /// The `Content-Encoding` token.
    static let encoding = "deflate"
    /// Bodies smaller than this are sent as they are: compression would save nothing worth the work.
    static let threshold = 512

    /// Compresses `bytes` at zlib's fastest level (``Deflate``).
    static func compress(_ bytes: [UInt8]) throws(SyncError) -> [UInt8] {
        try Deflate.compress(bytes)
    }

    /// Decompresses `bytes`, refusing more than `limit` bytes of output (a decompression bomb) with
    /// `format.too_large` and anything that is not a complete zlib stream with `format.malformed`.
    static func decompress(_ bytes: [UInt8], limit: Int) throws(SyncError) -> [UInt8] {
        do {
            return try Deflate.decompress(bytes, limit: limit)
        } catch {
            throw SyncError(error.reason, "the body: \(error.detail)")
        }
    }
}
