import Foundation
import GRDB
public import SyncCore

extension Replica {
    /// The registry entry of an origin as this replica knows it (the pinned hub key included).
    public func originRecord(for origin: OriginID) throws(ReplicaError) -> OriginRecord? {
        try runRead { db in try keyDirectory(db).record(for: origin) }
    }

    /// Every stored set as a reference (stream, sequence, size), for planning what to push.
    public func setReferences() throws(ReplicaError) -> [SyncRound.SetRef] {
        try runRead { db in
            var out = [SyncRound.SetRef]()
            let rows = try Row.fetchCursor(
                db,
                sql:
                    """
                    SELECT origin, scope, sequence, coalesce(inflated_size, length(envelope)) FROM change_sets
                    ORDER BY origin, scope, sequence
                    """
            )
            while let row = try rows.next() {
                guard let origin = OriginID(bytes: Array(row[0] as Data)), let scope = Scope(wireValue: row[1]) else {
                    throw ReplicaError.corruptStore("stored set with a bad origin or scope")
                }
                out.append(
                    .init(
                        stream: StreamID(origin: origin, scope: scope), sequence: UInt64(row[2] as Int64), size: row[3])
                )
            }
            return out
        }
    }

    /// The envelopes of these sets, in the order given.
    public func envelopes(_ refs: [SyncRound.SetRef]) throws(ReplicaError) -> [[UInt8]] {
        try StoredEnvelope.envelopes(storedEnvelopes(refs))
    }

    /// The envelopes of these sets as they are stored, in the order given.
    public func storedEnvelopes(_ refs: [SyncRound.SetRef]) throws(ReplicaError) -> [StoredEnvelope] {
        try runRead { db in
            let stmt = try db.cachedStatement(
                sql: "SELECT envelope, inflated_size FROM change_sets WHERE origin = ? AND scope = ? AND sequence = ?")
            return try refs.map { ref in
                guard
                    let row = try Row.fetchOne(
                        stmt,
                        arguments: [Data(ref.stream.origin.bytes), ref.stream.scope.wireValue, Int64(ref.sequence)])
                else { throw ReplicaError.corruptStore("set \(ref.sequence) of \(ref.stream) is not stored") }
                return Self.storedEnvelope(row, at: 0)
            }
        }
    }

    /// The stored form in `row`: its `envelope` at `index`, its `inflated_size` right after.
    static func storedEnvelope(_ row: Row, at index: Int) -> StoredEnvelope {
        let bytes = Array(row[index] as Data)
        guard let size = row[index + 1] as Int? else { return StoredEnvelope(plain: bytes) }
        return StoredEnvelope(deflated: bytes, size: size)
    }

    /// One page of the sets after `vector` that a reader of `county` may see (all, for `nil`), in stream and
    /// sequence order, as they are stored; `more` says whether further sets remain. `maxBytes` bounds the envelopes'
    /// own lengths.
    public func exportPage(
        after vector: VersionVector, county: String?, maxSets: Int, maxBytes: Int
    )
        throws(ReplicaError) -> (envelopes: [StoredEnvelope], more: Bool)
    {
        let heads = try versionVector()
        var wanted = [(StreamID, UInt64)]()
        // Province-wide streams (the key registry among them) first, so enrolments arrive before the sets
        // that need them.
        let ordered = heads.heads.sorted { a, b in
            a.key.scope == .province && b.key.scope != .province
                ? true
                : (a.key.scope == .province) == (b.key.scope == .province) && a.key < b.key
        }
        for (stream, head) in ordered {
            if let county, stream.scope != .province, stream.scope != .county(county) { continue }
            let from = vector[stream].sequence
            if head.sequence > from { wanted.append((stream, from)) }
        }
        return try runRead { db in
            var out = [StoredEnvelope]()
            var bytes = 0
            let stmt = try db.cachedStatement(
                sql:
                    """
                    SELECT envelope, inflated_size FROM change_sets WHERE origin = ? AND scope = ? AND sequence > ?
                    ORDER BY sequence
                    """
            )
            for (stream, from) in wanted {
                let rows = try Row.fetchCursor(
                    stmt, arguments: [Data(stream.origin.bytes), stream.scope.wireValue, Int64(from)])
                while let row = try rows.next() {
                    let e = Self.storedEnvelope(row, at: 0)
                    if !out.isEmpty, out.count >= maxSets || bytes + e.size > maxBytes { return (out, true) }
                    out.append(e)
                    bytes += e.size
                }
            }
            return (out, false)
        }
    }
}
