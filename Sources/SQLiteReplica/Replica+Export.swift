import Foundation
import GRDB
public import SyncCore

extension Replica {
    /// The newest set held of every stream.
    public func versionVector() throws(ReplicaError) -> VersionVector {
        try runRead { db in
            var heads = [StreamID: StreamHead]()
            for row in try Row.fetchAll(db, sql: "SELECT origin, scope, sequence, head FROM stream_heads") {
                let o: Data = row["origin"]
                let h: Data = row["head"]
                guard let origin = OriginID(bytes: Array(o)), let scope = Scope(wireValue: row["scope"]) else {
                    throw ReplicaError.corruptStore("stream head with a bad origin or scope")
                }
                heads[StreamID(origin: origin, scope: scope)] = StreamHead(
                    sequence: UInt64(row["sequence"] as Int64), head: Array(h))
            }
            return VersionVector(heads)
        }
    }

    /// The envelopes of every stored set a peer may lack, in the order they were stored here (which keeps
    /// each stream in sequence order and registry entries before the sets that need them).
    ///
    /// - Parameters:
    ///   - since: the peer's version vector; sets at or below its heads are left out.
    ///   - county: when set, only the province-wide streams and that county's streams.
    public func exportEnvelopes(since: VersionVector? = nil, county: String? = nil) throws(ReplicaError) -> [[UInt8]] {
        try runRead { db in
            var out = [[UInt8]]()
            let rows = try Row.fetchCursor(
                db, sql: "SELECT origin, scope, sequence, envelope, inflated_size FROM change_sets ORDER BY rowid")
            while let row = try rows.next() {
                let scopeText: String = row["scope"]
                if let county, scopeText != "province", scopeText != county { continue }
                if let since {
                    let o: Data = row["origin"]
                    if let origin = OriginID(bytes: Array(o)), let scope = Scope(wireValue: scopeText),
                        UInt64(row["sequence"] as Int64) <= since[StreamID(origin: origin, scope: scope)].sequence
                    {
                        continue
                    }
                }
                out.append(try Self.storedEnvelope(row, at: 3).envelope())
            }
            return out
        }
    }
}
