import GRDB

extension Replica {
    /// Records a request nonce durably; returns `false` when the same origin already used it. Nonces older
    /// than `forgetBeforeMillis` are dropped (requests that old are refused as stale anyway). A fresh request
    /// of a county origin (`county` set) also records the county's contact at `nowMillis`, in the same
    /// transaction.
    public func recordRequestNonce(
        origin: String, nonce: String, timestampMillis: Int64, forgetBeforeMillis: Int64, county: String? = nil,
        nowMillis: Int64 = 0
    )
        throws(ReplicaError) -> Bool
    {
        try run { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO request_nonces (origin, nonce, timestamp_ms) VALUES (?, ?, ?)",
                arguments: [origin, nonce, timestampMillis])
            let fresh = db.changesCount == 1
            if fresh, let county {
                try db.execute(
                    sql: """
                        INSERT INTO county_contacts (county, origin, last_contact_ms) VALUES (?, ?, ?)
                        ON CONFLICT(county) DO UPDATE SET origin = excluded.origin,
                            last_contact_ms = max(last_contact_ms, excluded.last_contact_ms)
                        """, arguments: [county, origin, nowMillis])
            }
            if fresh, Int.random(in: 0..<256) == 0 {
                try db.execute(
                    sql: "DELETE FROM request_nonces WHERE timestamp_ms < ?", arguments: [forgetBeforeMillis])
            }
            return fresh
        }
    }
}

/// When an enrolled county last contacted the hub, and whether that is too long ago.
public struct CountyContact: Sendable, Codable, Hashable {
    public let county: String
    /// The last authenticated request (milliseconds since the epoch); nil if the county never contacted the hub.
    public let lastContactAtMillis: Int64?
    /// No contact for longer than the hub's `counties.stale_after_hours`, or none since enrolment.
    public let stale: Bool
}

extension Replica {
    /// Every county with an active enrolled key, with its last contact, sorted by county code; `stale` when
    /// there was no contact within `staleAfterMillis` before `nowMillis`.
    public func countyContacts(nowMillis: Int64, staleAfterMillis: Int64) throws(ReplicaError) -> [CountyContact] {
        try runRead { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT o.county AS county, c.last_contact_ms AS last
                    FROM (SELECT DISTINCT county FROM origins
                          WHERE _live = 1 AND role = 'county' AND status = 'active' AND county IS NOT NULL) o
                    LEFT JOIN county_contacts c ON c.county = o.county
                    ORDER BY o.county
                    """)
            return rows.map { row in
                let last: Int64? = row["last"]
                return CountyContact(
                    county: row["county"], lastContactAtMillis: last,
                    stale: last.map { nowMillis - $0 > staleAfterMillis } ?? true)
            }
        }
    }
}
