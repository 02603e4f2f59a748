import Foundation
import GRDB
import SyncCore

extension Replica {
    /// The replica's status.
    /// At the hub, `counties` lists every enrolled county's last contact, stale after `staleAfterHours`.
    public func status(staleAfterHours: Int = 48) throws(ReplicaError) -> ReplicaStatus {
        let vector = try versionVector()
        let hub = try readMeta()["hub_key"]
        let sync = identity.role == .county ? try syncState() : nil
        let counties =
            identity.role == .hub
            ? try countyContacts(
                nowMillis: configuration.wallClock.nowMillis(), staleAfterMillis: Int64(staleAfterHours) * 3_600_000)
            : nil
        var status = try runRead { db in
            let pending = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM pending_ops") ?? 0
            let oldest = try Int64.fetchOne(db, sql: "SELECT MIN(created_at) FROM pending_ops")
            var quarantined = [String: Int]()
            for row in try Row.fetchAll(db, sql: "SELECT reason, COUNT(*) AS n FROM quarantine GROUP BY reason") {
                quarantined[row["reason"]] = row["n"]
            }
            let conflicts = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM conflicts") ?? 0
            let stored = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM change_sets") ?? 0
            let streams = vector.heads.keys.sorted().map { s in
                ReplicaStatus.Stream(
                    origin: s.origin.hex, scope: s.scope.wireValue, sequence: vector[s].sequence,
                    head: Hex.encode(vector[s].head), own: s.origin == identity.origin)
            }
            return ReplicaStatus(
                role: identity.role.rawValue, origin: identity.origin.hex, county: identity.county,
                publicKey: identity.signer.publicKeyBase64, hubKey: identity.role == .hub ? nil : hub,
                streams: streams, pendingOperations: pending, oldestPendingAtMillis: oldest,
                quarantined: quarantined, conflicts: conflicts, storedSets: stored, sync: sync)
        }
        status.registry = try registryState()
        status.counties = counties
        status.staleCounties = counties?.filter(\.stale).count
        return status
    }
}
