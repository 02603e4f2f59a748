import GRDB

extension Replica {
    /// Records a request nonce durably; returns `false` when the same origin already used it. Nonces older
    /// than `forgetBeforeMillis` are dropped (requests that old are refused as stale anyway).
    public func recordRequestNonce(
        origin: String, nonce: String, timestampMillis: Int64, forgetBeforeMillis: Int64
    )
        throws(ReplicaError) -> Bool
    {
        try run { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO request_nonces (origin, nonce, timestamp_ms) VALUES (?, ?, ?)",
                arguments: [origin, nonce, timestampMillis])
            let fresh = db.changesCount == 1
            if fresh, Int.random(in: 0..<256) == 0 {
                try db.execute(
                    sql: "DELETE FROM request_nonces WHERE timestamp_ms < ?", arguments: [forgetBeforeMillis])
            }
            return fresh
        }
    }
}
