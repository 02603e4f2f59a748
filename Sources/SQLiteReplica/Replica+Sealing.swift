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
        try seal(maxSets: nil).sealed
    }

    /// Seals the oldest pending operations into at most `maxSets` sets (all of them for `nil`) and leaves the rest
    /// pending, for a caller that sends the first sets while it seals the others. Each call continues where the
    /// last one stopped and fills each set as far as the limits allow (when scopes interleave, the oldest scope's
    /// last set may hold less, so that every call seals something); `more` says whether operations may still be
    /// pending.
    public func seal(maxSets: Int?) throws(ReplicaError) -> (sealed: [SealedSet], more: Bool) {
        let maxSets = maxSets.map { max($0, 1) }
        let signer = identity.signer
        let maxOps = configuration.sealMaxOperations
        let maxBytes = configuration.sealMaxBytes
        let now = configuration.wallClock.nowMillis()
        // Operations of one scope fill at most `maxSets` sets, so no more are needed to fill them.
        let rowLimit = maxSets.map { min($0, Int(Int32.max) / maxOps) * maxOps + 1 }
        return try run { db in
            // A key rotated by another process (`teachersync keys rotate`) is never used again.
            guard try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'origin'") == signer.origin.hex
            else {
                throw ReplicaError.badKeyFile("this node's key was rotated by another process; restart it")
            }
            // Pending operations grouped by scope, in the order each scope first appears.
            var groups = [(scope: String, entries: [(seq: Int64, op: RowOperation, encoded: [UInt8])])]()
            var current = -1
            var rowCount = 0
            let rows = try Row.fetchCursor(
                db, sql: "SELECT seq, scope, op FROM pending_ops ORDER BY seq LIMIT ?", arguments: [rowLimit ?? -1])
            while let row = try rows.next() {
                rowCount += 1
                // Columns by position, as selected: looking them up by name costs more than the rest of the row.
                let scope: String = row[1]
                let bytes = try row.withUnsafeData(atIndex: 2) { [UInt8]($0 ?? Data()) }
                // Decoding checks that the stored bytes are an operation's canonical encoding; the set's body is
                // then made of those very bytes.
                let op = try RowOperation(encoded: bytes)
                if current < 0 || groups[current].scope != scope {
                    if let i = groups.firstIndex(where: { $0.scope == scope }) {
                        current = i
                    } else {
                        groups.append((scope, []))
                        current = groups.count - 1
                    }
                }
                groups[current].entries.append((row[0], op, bytes))
            }
            // With a limit, rows past it may continue a scope's last set: that set waits for the next call.
            let truncated = rowLimit.map { rowCount >= $0 } ?? false
            var sealed = [SealedSet]()
            var more = truncated
            groups: for (index, group) in groups.enumerated() {
                guard let scope = Scope(wireValue: group.scope) else {
                    throw ReplicaError.corruptStore("pending operation with bad scope")
                }
                let stream = StreamID(origin: signer.origin, scope: scope)
                var head = try Self.head(db, stream)
                var chunk = [RowOperation]()
                var chunkEncoded = [[UInt8]]()
                var chunkBytes = 0
                var lastSeq: Int64 = 0
                // Seals the chunk, unless `maxSets` sets are sealed already.
                func flush() throws -> Bool {
                    guard !chunk.isEmpty else { return true }
                    if let maxSets, sealed.count >= maxSets { return false }
                    let set = try ChangeSet.seal(
                        stream: stream, sequence: head.sequence + 1, previous: head.head, operations: chunk,
                        encoded: chunkEncoded, signer: signer)
                    try Self.storeSet(db, set, local: true, now: now)
                    try db.execute(
                        sql: "DELETE FROM pending_ops WHERE scope = ? AND seq <= ?", arguments: [group.scope, lastSeq])
                    head = StreamHead(sequence: set.sequence, head: set.id)
                    sealed.append(
                        SealedSet(stream: stream, sequence: set.sequence, operations: chunk.count, id: set.idHex))
                    chunk.removeAll(keepingCapacity: true)
                    chunkEncoded.removeAll(keepingCapacity: true)
                    chunkBytes = 0
                    return true
                }
                for entry in group.entries {
                    if !chunk.isEmpty, chunk.count >= maxOps || chunkBytes + entry.encoded.count > maxBytes {
                        guard try flush() else {
                            more = true
                            break groups
                        }
                    }
                    chunk.append(entry.op)
                    chunkEncoded.append(entry.encoded)
                    chunkBytes += entry.encoded.count
                    lastSeq = entry.seq
                }
                // The oldest scope's last set goes even so when nothing else was sealed: every call makes progress.
                if truncated, !(index == 0 && sealed.isEmpty) { continue }
                guard try flush() else {
                    more = true
                    break
                }
            }
            return (sealed, more)
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
