import Foundation
import GRDB
import GRDBSQLite
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
            // Pending operations grouped by scope, in the order each scope first appears. Each group keeps its
            // operations' stored bytes end to end: a set's body is made of those very bytes.
            var groups = [PendingGroup]()
            var current = -1
            var rowCount = 0
            let select = try db.makeStatement(sql: "SELECT seq, scope, op FROM pending_ops ORDER BY seq LIMIT ?")
            let s = select.sqliteStatement
            sqlite3_bind_int64(s, 1, Int64(rowLimit ?? -1))
            defer { sqlite3_reset(s) }
            // Read through SQLite's C API: building a GRDB row, a `Data` and an array for each of tens of thousands
            // of operations cost more than sealing them (docs/BENCHMARKS.md, "Third pass").
            while true {
                let code = sqlite3_step(s)
                if code == SQLITE_DONE { break }
                guard code == SQLITE_ROW else {
                    throw DatabaseError(
                        resultCode: ResultCode(rawValue: code),
                        message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
                }
                rowCount += 1
                let seq = sqlite3_column_int64(s, 0)
                let scopeText = sqlite3_column_text(s, 1)
                let scope = String(
                    decoding: UnsafeBufferPointer(start: scopeText, count: Int(sqlite3_column_bytes(s, 1))),
                    as: UTF8.self)
                let blob = sqlite3_column_blob(s, 2)
                let op = UnsafeRawBufferPointer(start: blob, count: Int(sqlite3_column_bytes(s, 2)))
                if current < 0 || groups[current].scope != scope {
                    if let i = groups.firstIndex(where: { $0.scope == scope }) {
                        current = i
                    } else {
                        groups.append(PendingGroup(scope: scope))
                        current = groups.count - 1
                    }
                }
                try groups[current].append(op, seq: seq)
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
                // The chunk is the group's entries `first..<next`.
                var first = 0
                var next = 0
                // Seals the chunk, unless `maxSets` sets are sealed already.
                func flush() throws -> Bool {
                    guard next > first else { return true }
                    if let maxSets, sealed.count >= maxSets { return false }
                    let from = first == 0 ? 0 : group.entries[first - 1].end
                    let to = group.entries[next - 1].end
                    let set = try group.bytes.withUnsafeBytes { bytes in
                        try ChangeSet.sealEncoded(
                            stream: stream, sequence: head.sequence + 1, previous: head.head,
                            operations: UnsafeRawBufferPointer(rebasing: bytes[from..<to]), count: next - first,
                            hlcRange: group.entries[first].hlc...group.entries[next - 1].hlc, signer: signer)
                    }
                    try Self.storeSet(db, set, now: now)
                    try db.cachedStatement(sql: "DELETE FROM pending_ops WHERE scope = ? AND seq <= ?").execute(
                        arguments: [group.scope, group.entries[next - 1].seq])
                    head = StreamHead(sequence: set.sequence, head: set.id)
                    sealed.append(
                        SealedSet(stream: stream, sequence: set.sequence, operations: next - first, id: set.idHex))
                    first = next
                    return true
                }
                var chunkBytes = 0
                while next < group.entries.count {
                    let size = group.entries[next].end - (next == 0 ? 0 : group.entries[next - 1].end)
                    if next > first, next - first >= maxOps || chunkBytes + size > maxBytes {
                        guard try flush() else {
                            more = true
                            break groups
                        }
                        chunkBytes = 0
                    }
                    chunkBytes += size
                    next += 1
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
        // As it came: deflated if it arrived so, otherwise as it is (deflating here would cost the writer more
        // than the smaller write saves).
        let stored =
            set.deflatedEnvelope.map { StoredEnvelope(deflated: $0, size: set.body.count + 68) }
            ?? StoredEnvelope(plain: set.envelope)
        try storeSet(
            db, id: set.id, stream: set.stream, sequence: set.sequence, previous: set.previous,
            envelope: stored, operationCount: set.operations.count, format: set.format,
            hlcMax: set.hlcRange.upperBound, local: local, now: now)
    }

    /// Stores a set this node has just sealed, deflated.
    static func storeSet(_ db: Database, _ set: SealedEnvelope, now: Int64) throws {
        try storeSet(
            db, id: set.id, stream: set.stream, sequence: set.sequence, previous: set.previous,
            envelope: try StoredEnvelope.deflating(set.envelope), operationCount: set.operationCount,
            format: set.format, hlcMax: set.hlcRange.upperBound, local: true, now: now)
    }

    private static func storeSet(
        _ db: Database, id rawID: [UInt8], stream: StreamID, sequence: UInt64, previous: [UInt8],
        envelope: StoredEnvelope, operationCount: Int, format: UInt16, hlcMax: HybridTimestamp, local: Bool, now: Int64
    ) throws {
        let id = Data(rawID)
        try db.cachedStatement(
            sql: """
                INSERT INTO change_sets (id, origin, scope, sequence, previous, envelope, inflated_size, op_count, format,
                    received_at, local)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            id, Data(stream.origin.bytes), stream.scope.wireValue, Int64(sequence), Data(previous),
            Data(envelope.bytes), envelope.form == .deflated ? envelope.size : nil, operationCount, Int(format), now,
            local ? 1 : 0,
        ])
        try db.cachedStatement(
            sql: "INSERT OR REPLACE INTO stream_heads (origin, scope, sequence, head, hlc_max) VALUES (?, ?, ?, ?, ?)"
        ).execute(arguments: [
            Data(stream.origin.bytes), stream.scope.wireValue, Int64(sequence), id,
            Int64(bitPattern: hlcMax.rawValue),
        ])
        try db.cachedStatement(sql: "DELETE FROM quarantine WHERE set_id = ?").execute(arguments: [id])
        let previousHead = try Data.fetchOne(
            db.cachedStatement(sql: "SELECT log_head FROM ingest_log ORDER BY position DESC LIMIT 1"))
        let head = IngestLog.next(previousHead.map { Array($0) } ?? IngestLog.emptyHead, rawID)
        try db.cachedStatement(sql: "INSERT INTO ingest_log (set_id, log_head) VALUES (?, ?)").execute(
            arguments: [id, Data(head)])
    }
}

/// One scope's pending operations, as stored, laid end to end.
private struct PendingGroup {
    let scope: String
    var bytes: [UInt8] = []
    /// Per operation: where its bytes end in `bytes`, its `pending_ops.seq` and its clock reading.
    var entries: [(end: Int, seq: Int64, hlc: HybridTimestamp)] = []

    init(scope: String) { self.scope = scope }

    /// Appends one stored operation after the checks that need no decoding: a known kind, room for the clock
    /// reading, and a reading after the previous operation's (a node's clock only moves forward). Every receiver
    /// decodes the set in full; the bytes were written by `RowOperation.encoded` in the transaction of the write.
    mutating func append(_ op: UnsafeRawBufferPointer, seq: Int64) throws(ReplicaError) {
        guard op.count >= 9, RowOperation.Kind(rawValue: op[0]) != nil else {
            throw .corruptStore("pending operation \(seq) is not an operation")
        }
        var raw: UInt64 = 0
        for i in 1...8 { raw = raw << 8 | UInt64(op[i]) }
        let hlc = HybridTimestamp(rawValue: raw)
        if let last = entries.last, hlc <= last.hlc {
            throw .corruptStore("pending operation \(seq) is not after the one before it on the clock")
        }
        bytes.append(contentsOf: op)
        entries.append((bytes.count, seq, hlc))
    }
}
