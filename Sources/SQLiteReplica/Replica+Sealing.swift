import Foundation
import GRDB
public import SyncCore

/// A set this node sealed.
public struct SealedSet: Sendable, Hashable {
    public let stream: StreamID
    public let sequence: UInt64
    public let operations: Int
    /// The set id as hex.
    public let id: String
}

extension Replica {
    /// Seals every pending operation into signed change sets, per stream, in the order they were made.
    ///
    /// Each set holds at most ``ReplicaConfiguration/sealMaxOperations`` operations and about
    /// ``ReplicaConfiguration/sealMaxBytes`` body bytes. Sealing is one transaction: a crash leaves either
    /// the pending operations or the sets, never both or neither.
    @discardableResult
    public func seal() throws(ReplicaError) -> [SealedSet] {
        let signer = identity.signer
        let maxOps = configuration.sealMaxOperations
        let maxBytes = configuration.sealMaxBytes
        let now = configuration.wallClock.nowMillis()
        return try run { db in
            // A key rotated by another process (`teachersync keys rotate`) is never used again.
            guard try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'origin'") == signer.origin.hex
            else {
                throw ReplicaError.badKeyFile("this node's key was rotated by another process; restart it")
            }
            var byScope = [String: [(seq: Int64, op: RowOperation, encoded: [UInt8])]]()
            var order = [String]()
            let rows = try Row.fetchCursor(db, sql: "SELECT seq, scope, op FROM pending_ops ORDER BY seq")
            while let row = try rows.next() {
                // Columns by position, as selected: looking them up by name costs more than the rest of the row.
                let scope: String = row[1]
                let bytes = [UInt8](row[2] as Data)
                // Decoding checks that the stored bytes are an operation's canonical encoding; the set's body is
                // then made of those very bytes.
                let op = try RowOperation(encoded: bytes)
                if byScope[scope] == nil { order.append(scope) }
                byScope[scope, default: []].append((row[0], op, bytes))
            }
            var sealed = [SealedSet]()
            for scopeText in order {
                guard let scope = Scope(wireValue: scopeText) else {
                    throw ReplicaError.corruptStore("pending operation with bad scope")
                }
                let stream = StreamID(origin: signer.origin, scope: scope)
                var head = try Self.head(db, stream)
                var chunk = [RowOperation]()
                var chunkEncoded = [[UInt8]]()
                var chunkBytes = 0
                var lastSeq: Int64 = 0
                func flush() throws {
                    guard !chunk.isEmpty else { return }
                    let set = try ChangeSet.seal(
                        stream: stream, sequence: head.sequence + 1, previous: head.head, operations: chunk,
                        encoded: chunkEncoded, signer: signer)
                    try Self.storeSet(db, set, local: true, now: now)
                    try db.execute(
                        sql: "DELETE FROM pending_ops WHERE scope = ? AND seq <= ?", arguments: [scopeText, lastSeq])
                    head = StreamHead(sequence: set.sequence, head: set.id)
                    sealed.append(
                        SealedSet(stream: stream, sequence: set.sequence, operations: chunk.count, id: set.idHex))
                    chunk.removeAll(keepingCapacity: true)
                    chunkEncoded.removeAll(keepingCapacity: true)
                    chunkBytes = 0
                }
                for entry in byScope[scopeText]! {
                    if !chunk.isEmpty, chunk.count >= maxOps || chunkBytes + entry.encoded.count > maxBytes {
                        try flush()
                    }
                    chunk.append(entry.op)
                    chunkEncoded.append(entry.encoded)
                    chunkBytes += entry.encoded.count
                    lastSeq = entry.seq
                }
                try flush()
            }
            return sealed
        }
    }

    /// The last clock reading of a stream's newest set held (zero when none is held).
    static func headClock(_ db: Database, _ stream: StreamID) throws -> HybridTimestamp {
        let raw = try Int64.fetchOne(
            db, sql: "SELECT hlc_max FROM stream_heads WHERE origin = ? AND scope = ?",
            arguments: [Data(stream.origin.bytes), stream.scope.wireValue])
        return HybridTimestamp(rawValue: UInt64(bitPattern: raw ?? 0))
    }

    static func head(_ db: Database, _ stream: StreamID) throws -> StreamHead {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT sequence, head FROM stream_heads WHERE origin = ? AND scope = ?",
                arguments: [Data(stream.origin.bytes), stream.scope.wireValue])
        else { return .empty }
        let head: Data = row["head"]
        return StreamHead(sequence: UInt64(row["sequence"] as Int64), head: Array(head))
    }

    /// Stores a set verbatim and advances its stream's head.
    static func storeSet(_ db: Database, _ set: ChangeSet, local: Bool, now: Int64) throws {
        let id = Data(set.id)
        try db.execute(
            sql: """
                INSERT INTO change_sets (id, origin, scope, sequence, previous, envelope, op_count, format, received_at, local)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                id, Data(set.stream.origin.bytes), set.stream.scope.wireValue, Int64(set.sequence), Data(set.previous),
                Data(set.envelope), set.operations.count, Int(set.format), now, local ? 1 : 0,
            ])
        try db.execute(
            sql: "INSERT OR REPLACE INTO stream_heads (origin, scope, sequence, head, hlc_max) VALUES (?, ?, ?, ?, ?)",
            arguments: [
                Data(set.stream.origin.bytes), set.stream.scope.wireValue, Int64(set.sequence), id,
                Int64(bitPattern: set.hlcRange.upperBound.rawValue),
            ])
        try db.execute(sql: "DELETE FROM quarantine WHERE set_id = ?", arguments: [id])
        let previous = try Data.fetchOne(db, sql: "SELECT log_head FROM ingest_log ORDER BY position DESC LIMIT 1")
        let head = IngestLog.next(previous.map { Array($0) } ?? IngestLog.emptyHead, set.id)
        try db.execute(sql: "INSERT INTO ingest_log (set_id, log_head) VALUES (?, ?)", arguments: [id, Data(head)])
    }
}
