import Crypto
import Foundation

extension ChangeSet {
    /// The four magic bytes that open every body: ASCII `TSCS`.
    public static let magic: [UInt8] = Array("TSCS".utf8)
    /// The largest body a node accepts (16 MiB).
    public static let maxBodyBytes = 16 << 20
    /// The most operations one set may carry.
    public static let maxOperations = 100_000

    /// Builds, encodes and signs a set.
    ///
    /// - Precondition: `operations` is not empty and `previous` is 32 bytes.
    public static func seal(
        stream: StreamID, sequence: UInt64, previous: [UInt8], operations: [RowOperation], signer: SigningIdentity
    ) throws(SyncError) -> ChangeSet {
        precondition(!operations.isEmpty, "a change set carries at least one operation")
        precondition(previous.count == 32, "previous must be a 32-byte set id")
        let body = encodeBody(
            format: currentFormat, stream: stream, sequence: sequence, previous: previous, operations: operations)
        return try sign(body: body, stream: stream, sequence: sequence, previous: previous, operations, signer)
    }

    /// Builds and signs a set from operations whose canonical encodings the caller already holds (a node keeps
    /// its pending operations encoded): the body is assembled from those bytes instead of encoding every
    /// operation again. The set is the one ``seal(stream:sequence:previous:operations:signer:)`` makes.
    ///
    /// - Precondition: as for `seal`, and `encoded[i]` is `operations[i].encoded`.
    public static func seal(
        stream: StreamID, sequence: UInt64, previous: [UInt8], operations: [RowOperation], encoded: [[UInt8]],
        signer: SigningIdentity
    ) throws(SyncError) -> ChangeSet {
        precondition(!operations.isEmpty, "a change set carries at least one operation")
        precondition(previous.count == 32, "previous must be a 32-byte set id")
        precondition(encoded.count == operations.count, "one encoding per operation")
        assert(zip(operations, encoded).allSatisfy { $0.encoded == $1 }, "encodings are the operations' own")
        var w = ByteWriter(capacity: 128 + encoded.reduce(0) { $0 + $1.count })
        encodeHeader(
            into: &w, format: currentFormat, stream: stream, sequence: sequence, previous: previous,
            operations: operations)
        for bytes in encoded { w.raw(bytes) }
        return try sign(body: w.bytes, stream: stream, sequence: sequence, previous: previous, operations, signer)
    }

    /// Builds and signs a set straight from its operations' canonical encodings, laid end to end in
    /// `operations` (`count` of them, with clock readings from `hlcRange.lowerBound` to `hlcRange.upperBound`), and
    /// returns what a node stores of its own set: the envelope, its id and the fields stored beside it. No
    /// `RowOperation` is built: this is how a node seals its pending operations (docs/BENCHMARKS.md).
    ///
    /// The bytes are the node's own, written by ``RowOperation/encoded``; the caller checks what is cheap to check
    /// (each operation's kind and rising clock readings). Every receiver decodes and verifies the set in full.
    ///
    /// - Precondition: `count` ≥ 1, `previous` is 32 bytes, and the signer is the stream's origin.
    public static func sealEncoded(
        stream: StreamID, sequence: UInt64, previous: [UInt8], operations: UnsafeRawBufferPointer, count: Int,
        hlcRange: ClosedRange<HybridTimestamp>, signer: SigningIdentity
    ) throws(SyncError) -> SealedEnvelope {
        precondition(count >= 1, "a change set carries at least one operation")
        precondition(previous.count == 32, "previous must be a 32-byte set id")
        precondition(signer.origin == stream.origin, "only the stream's origin signs its sets")
        var w = ByteWriter(capacity: 4 + 128 + operations.count + 64)
        w.u32(0)  // the body's length, written below
        encodeHeader(
            into: &w, format: currentFormat, stream: stream, sequence: sequence, previous: previous,
            hlcRange: hlcRange, count: count)
        w.raw(operations)
        var envelope = w.bytes
        let bodyCount = envelope.count - 4
        guard count <= maxOperations, bodyCount <= maxBodyBytes else {
            throw SyncError(.tooLarge, "\(count) operations, \(bodyCount) bytes: over the set limits")
        }
        withUnsafeBytes(of: UInt32(bodyCount).bigEndian) { length in
            envelope.replaceSubrange(0..<4, with: length)
        }
        let id = envelope.withUnsafeBytes { Array(SHA256.hash(data: UnsafeRawBufferPointer(rebasing: $0[4...]))) }
        do {
            envelope.append(contentsOf: try signer.privateKey.signature(for: signatureInput(id: id)))
        } catch {
            throw SyncError(.storeFailure, "signing failed")
        }
        return SealedEnvelope(
            format: currentFormat, stream: stream, sequence: sequence, previous: previous, hlcRange: hlcRange,
            operationCount: count, envelope: envelope, id: id)
    }

    /// Hashes and signs an encoded body into a set, after checking the set limits.
    private static func sign(
        body: [UInt8], stream: StreamID, sequence: UInt64, previous: [UInt8], _ operations: [RowOperation],
        _ signer: SigningIdentity
    ) throws(SyncError) -> ChangeSet {
        precondition(signer.origin == stream.origin, "only the stream's origin signs its sets")
        let id = Array(SHA256.hash(data: body))
        let signature: [UInt8]
        do {
            signature = Array(try signer.privateKey.signature(for: signatureInput(id: id)))
        } catch {
            throw SyncError(.storeFailure, "signing failed")
        }
        guard operations.count <= maxOperations, body.count <= maxBodyBytes else {
            throw SyncError(.tooLarge, "\(operations.count) operations, \(body.count) bytes: over the set limits")
        }
        let hlcs = operations.map(\.hlc)
        precondition(zip(hlcs, hlcs.dropFirst()).allSatisfy { $0 < $1 }, "operations in increasing clock order")
        return ChangeSet(
            format: currentFormat, stream: stream, sequence: sequence, previous: previous,
            hlcRange: hlcs.min()!...hlcs.max()!, operations: operations, body: body, signature: signature, id: id)
    }

    /// Encodes a body canonically. Operations keep their order; fields are sorted by name.
    public static func encodeBody(
        format: UInt16, stream: StreamID, sequence: UInt64, previous: [UInt8], operations: [RowOperation]
    ) -> [UInt8] {
        var w = ByteWriter(capacity: 64 + operations.count * 96)
        encodeHeader(
            into: &w, format: format, stream: stream, sequence: sequence, previous: previous, operations: operations)
        for op in operations { op.encode(into: &w) }
        return w.bytes
    }

    /// Everything of a body before its operations.
    private static func encodeHeader(
        into w: inout ByteWriter, format: UInt16, stream: StreamID, sequence: UInt64, previous: [UInt8],
        operations: [RowOperation]
    ) {
        let lo = operations.map(\.hlc).min() ?? .zero
        let hi = operations.map(\.hlc).max() ?? .zero
        encodeHeader(
            into: &w, format: format, stream: stream, sequence: sequence, previous: previous, hlcRange: lo...hi,
            count: operations.count)
    }

    private static func encodeHeader(
        into w: inout ByteWriter, format: UInt16, stream: StreamID, sequence: UInt64, previous: [UInt8],
        hlcRange: ClosedRange<HybridTimestamp>, count: Int
    ) {
        w.raw(magic)
        w.u16(format)
        w.raw(stream.origin.bytes)
        w.string(stream.scope.wireValue)
        w.u64(sequence)
        w.raw(previous)
        w.u64(hlcRange.lowerBound.rawValue)
        w.u64(hlcRange.upperBound.rawValue)
        w.u32(UInt32(count))
    }

    /// Decodes an envelope (`u32 length ‖ body ‖ signature`) exactly; trailing bytes are refused.
    ///
    /// Decoding checks the form only. Signature, chain and scope are checked by ``SetVerifier``.
    public static func decode(envelope: [UInt8]) throws(SyncError) -> ChangeSet {
        var r = ByteReader(envelope)
        let n = Int(try r.u32())
        guard n <= maxBodyBytes else { throw SyncError(.tooLarge, "body of \(n) bytes exceeds \(maxBodyBytes)") }
        let body = try r.raw(n)
        let signature = try r.raw(64)
        guard r.remaining == 0 else { throw SyncError(.malformed, "\(r.remaining) trailing bytes after signature") }
        return try decode(envelopeBody: body, signature: signature)
    }

    /// The stream of an envelope's set, read from the start of its body without decoding the rest: the hub checks
    /// an upload's scope with it before the sets are decoded. Refuses what ``decode(envelope:)`` refuses there.
    public static func stream(ofEnvelope envelope: [UInt8]) throws(SyncError) -> StreamID {
        try stream(ofEnvelopePrefix: envelope, size: envelope.count)
    }

    /// ``stream(ofEnvelope:)`` from the first bytes of an envelope of `size` bytes (of a deflated one, the first
    /// bytes it inflates to: ``headerBytes`` are enough).
    public static func stream(ofEnvelopePrefix prefix: [UInt8], size: Int) throws(SyncError) -> StreamID {
        var r = ByteReader(prefix)
        let n = Int(try r.u32())
        guard n <= maxBodyBytes else { throw SyncError(.tooLarge, "body of \(n) bytes exceeds \(maxBodyBytes)") }
        guard n + 68 == size else { throw SyncError(.malformed, "envelope length does not match its body") }
        var body = ByteReader(prefix, offset: 4, end: min(4 + n, prefix.count))
        return try readStream(&body).stream
    }

    /// Enough of an envelope's first bytes for ``stream(ofEnvelopePrefix:size:)``: its length, the body's magic,
    /// format, origin and scope.
    public static let headerBytes = 4 + 4 + 2 + OriginID.byteCount + 4 + 16

    /// Reads a body's magic, format version and stream.
    private static func readStream(_ r: inout ByteReader) throws(SyncError) -> (format: UInt16, stream: StreamID) {
        guard try r.raw(4) == magic else { throw SyncError(.malformed, "bad magic: not a change set") }
        let format = try r.u16()
        guard supportedFormats.contains(format) else {
            throw SyncError(.unsupportedVersion, "format version \(format); this build reads \(supportedFormats)")
        }
        guard let origin = OriginID(bytes: try r.raw(OriginID.byteCount)) else {
            throw SyncError(.malformed, "bad origin")
        }
        let scopeText = try r.string(limit: 16)
        guard let scope = Scope(wireValue: scopeText) else { throw SyncError(.malformed, "bad stream scope") }
        return (format, StreamID(origin: origin, scope: scope))
    }

    /// Decodes a body and attaches its signature.
    public static func decode(envelopeBody body: [UInt8], signature: [UInt8]) throws(SyncError) -> ChangeSet {
        var r = ByteReader(body)
        let (format, stream) = try readStream(&r)
        let sequence = try r.u64()
        guard sequence >= 1, sequence <= UInt64(Int64.max) else {
            throw SyncError(.malformed, "sequence number outside 1...2^63-1")
        }
        let previous = try r.raw(32)
        if sequence == 1, previous != genesis {
            throw SyncError(.malformed, "the first set of a stream must name the genesis hash")
        }
        let lo = HybridTimestamp(rawValue: try r.u64())
        let hi = HybridTimestamp(rawValue: try r.u64())
        let count = Int(try r.u32())
        guard count >= 1, count <= maxOperations else {
            throw SyncError(.malformed, "operation count \(count) outside 1...\(maxOperations)")
        }
        var ops = [RowOperation]()
        ops.reserveCapacity(count)
        var seenMin = HybridTimestamp(rawValue: .max)
        var seenMax = HybridTimestamp.zero
        for index in 0..<count {
            let op = try RowOperation.decode(from: &r, index: index)
            // One author's clock only moves forward: its operations are in strictly increasing clock order.
            if let last = ops.last, op.hlc <= last.hlc {
                throw SyncError(.malformed, "operation \(index + 1): clock reading not after the previous one")
            }
            seenMin = min(seenMin, op.hlc)
            seenMax = max(seenMax, op.hlc)
            ops.append(op)
        }
        guard r.remaining == 0 else { throw SyncError(.malformed, "\(r.remaining) trailing bytes after operations") }
        guard lo == seenMin, hi == seenMax else {
            throw SyncError(.malformed, "declared clock range does not match the operations")
        }
        return ChangeSet(
            format: format, stream: stream, sequence: sequence, previous: previous,
            hlcRange: lo...hi, operations: ops, body: body, signature: signature)
    }
}
